#include "pare/sbom/spdx.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <tuple>

#include "pare/digest/sha1.hpp"

using namespace pare;
using nlohmann::json;

namespace {

std::span<const std::byte> bytes(std::string_view s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

std::string sha1_hex(std::string_view s) {
  Sha1 h;
  h.update(bytes(s));
  return h.finish_hex();
}

InventoryFile file(const std::string& path, char fill) {
  return {path, std::string(64, fill), sha1_hex(path)};
}

/// An image of a dynamic program owned by a package, its library owned by another, a doc
/// package, a file no package owns and a library no package owns.
Inventory small_inventory() {
  Inventory inv;
  inv.name = "registry.example/team/app:1.0";
  inv.reference = inv.name;
  inv.digest = Digest::from_hex(std::string(64, 'd')).value();
  inv.architecture = "amd64";
  inv.created = 86400;
  inv.package_format = "dpkg";
  inv.os = {"debian", "12"};
  inv.files = {file("/etc/os-release", '1'),           file("/lib/x86_64-linux-gnu/libc.so.6", '2'),
               file("/opt/libextra.so", '3'),          file("/usr/bin/app", '4'),
               file("/usr/share/doc/app/README", '5'), file("/work/config.txt", '6')};
  inv.packages = {
      {"app", "1:1.0-1+b2", "amd64", {"/usr/bin/app", "/usr/share/doc/app/README"}, true},
      {"base-files", "12.4", "amd64", {"/etc/os-release"}, true},
      {"libc6", "2.36-9", "amd64", {"/lib/x86_64-linux-gnu/libc.so.6", "/lib64/gone"}, true},
      {"mystery", "1", "all", {}, false},
  };
  inv.program = "/usr/bin/app";
  inv.program_needs = {"/lib/x86_64-linux-gnu/libc.so.6", "/opt/libextra.so"};
  return inv;
}

const json* element(const json& array, const std::string& id) {
  for (const auto& e : array) {
    if (e.at("SPDXID") == id) return &e;
  }
  return nullptr;
}

using Relationship = std::tuple<std::string, std::string, std::string>;

std::set<Relationship> relationships(const json& doc) {
  std::set<Relationship> out;
  for (const auto& r : doc.at("relationships")) {
    out.emplace(r.at("spdxElementId"), r.at("relationshipType"), r.at("relatedSpdxElement"));
  }
  return out;
}

}  // namespace

TEST_CASE("sbom: spdx_id keeps [A-Za-z0-9.-] and makes the rest '-'") {
  CHECK(spdx_id("File", "usr/lib/x86_64-linux-gnu/libc.so.6") ==
        "SPDXRef-File-usr-lib-x86-64-linux-gnu-libc.so.6");
  CHECK(spdx_id("Package", "libstdc++6-amd64") == "SPDXRef-Package-libstdc--6-amd64");
  CHECK(spdx_id("Image", "") == "SPDXRef-Image");
}

TEST_CASE("sbom: the SPDX document of a small inventory") {
  const Inventory inv = small_inventory();
  const std::string text = spdx_json(inv);
  CHECK(text.back() == '\n');
  const json doc = json::parse(text);
  CHECK(doc.at("spdxVersion") == "SPDX-2.3");
  CHECK(doc.at("dataLicense") == "CC0-1.0");
  CHECK(doc.at("SPDXID") == "SPDXRef-DOCUMENT");
  CHECK(doc.at("name") == inv.name);
  CHECK(doc.at("creationInfo").at("created") == "1970-01-02T00:00:00Z");
  CHECK(doc.at("creationInfo").at("creators") ==
        json::array({std::string("Tool: pare-") + PARE_VERSION}));
  const std::string space = doc.at("documentNamespace");
  CHECK(space.starts_with("https://pare.invalid/spdx/sha256-" + std::string(64, 'd') + "/"));
  CHECK(space.size() == std::string("https://pare.invalid/spdx/sha256-").size() + 64 + 1 + 16);

  const json& packages = doc.at("packages");
  const json* image = element(packages, "SPDXRef-Image");
  REQUIRE(image != nullptr);
  CHECK(image->at("primaryPackagePurpose") == "CONTAINER");
  CHECK(image->at("versionInfo") == "sha256:" + std::string(64, 'd'));
  CHECK(image->at("checksums") ==
        json::array({{{"algorithm", "SHA256"}, {"checksumValue", std::string(64, 'd')}}}));
  CHECK(image->at("externalRefs").at(0).at("referenceLocator") ==
        "pkg:oci/app@sha256:" + std::string(64, 'd') +
            "?arch=amd64&repository_url=registry.example%2Fteam%2Fapp&tag=1.0");

  const json* app = element(packages, "SPDXRef-Package-app-amd64");
  REQUIRE(app != nullptr);
  CHECK(app->at("versionInfo") == "1:1.0-1+b2");
  CHECK(app->at("externalRefs").at(0) ==
        json{{"referenceCategory", "PACKAGE-MANAGER"},
             {"referenceType", "purl"},
             {"referenceLocator", "pkg:deb/debian/app@1:1.0-1%2Bb2?arch=amd64&distro=debian-12"}});
  // The package that owns the program is the application; none is made up for it.
  CHECK(app->at("primaryPackagePurpose") == "APPLICATION");
  CHECK(element(packages, "SPDXRef-Application-usr-bin-app") == nullptr);
  CHECK(app->at("filesAnalyzed") == true);
  // §7.9: SHA-1 of the sorted SHA-1s of its files.
  std::vector<std::string> sha1s = {sha1_hex("/usr/bin/app"),
                                    sha1_hex("/usr/share/doc/app/README")};
  std::sort(sha1s.begin(), sha1s.end());
  CHECK(app->at("packageVerificationCode").at("packageVerificationCodeValue") ==
        sha1_hex(sha1s[0] + sha1s[1]));
  for (const char* key :
       {"downloadLocation", "licenseConcluded", "licenseDeclared", "copyrightText", "supplier"}) {
    CHECK(app->at(key) == "NOASSERTION");
  }
  const json* mystery = element(packages, "SPDXRef-Package-mystery-all");
  REQUIRE(mystery != nullptr);
  CHECK(mystery->at("filesAnalyzed") == false);  // no file list: what it holds is not known
  CHECK_FALSE(mystery->contains("packageVerificationCode"));
  CHECK(packages.size() == 5);

  const json& files = doc.at("files");
  CHECK(files.size() == inv.files.size());
  const json* program = element(files, "SPDXRef-File-usr-bin-app");
  REQUIRE(program != nullptr);
  CHECK(program->at("fileName") == "./usr/bin/app");
  CHECK(program->at("fileTypes") == json::array({"APPLICATION"}));
  CHECK(program->at("checksums") ==
        json::array({{{"algorithm", "SHA1"}, {"checksumValue", sha1_hex("/usr/bin/app")}},
                     {{"algorithm", "SHA256"}, {"checksumValue", std::string(64, '4')}}}));
  CHECK(program->at("licenseConcluded") == "NOASSERTION");
  CHECK(program->at("copyrightText") == "NOASSERTION");

  const auto rels = relationships(doc);
  CHECK(rels.contains({"SPDXRef-DOCUMENT", "DESCRIBES", "SPDXRef-Image"}));
  for (const char* p : {"SPDXRef-Package-app-amd64", "SPDXRef-Package-base-files-amd64",
                        "SPDXRef-Package-libc6-amd64", "SPDXRef-Package-mystery-all"}) {
    CHECK(rels.contains({"SPDXRef-Image", "CONTAINS", p}));
  }
  CHECK(rels.contains({"SPDXRef-Package-app-amd64", "CONTAINS", "SPDXRef-File-usr-bin-app"}));
  CHECK(rels.contains(
      {"SPDXRef-Package-libc6-amd64", "CONTAINS", "SPDXRef-File-lib-x86-64-linux-gnu-libc.so.6"}));
  CHECK(rels.contains({"SPDXRef-Image", "CONTAINS", "SPDXRef-File-work-config.txt"}));
  CHECK(rels.contains({"SPDXRef-Image", "CONTAINS", "SPDXRef-File-opt-libextra.so"}));
  CHECK_FALSE(rels.contains({"SPDXRef-Image", "CONTAINS", "SPDXRef-File-usr-bin-app"}));
  // The program needs libc6's library and a file no package owns.
  CHECK(rels.contains({"SPDXRef-Package-app-amd64", "DEPENDS_ON", "SPDXRef-Package-libc6-amd64"}));
  CHECK(rels.contains({"SPDXRef-Package-app-amd64", "DEPENDS_ON", "SPDXRef-File-opt-libextra.so"}));
  CHECK(rels.size() == doc.at("relationships").size());  // none twice

  // Every relationship names elements of the document; every SPDXID is unique.
  std::set<std::string> ids{"SPDXRef-DOCUMENT"};
  for (const auto* list : {&packages, &files}) {
    for (const auto& e : *list) CHECK(ids.insert(e.at("SPDXID").get<std::string>()).second);
  }
  for (const auto& [from, type, to] : rels) {
    CHECK(ids.contains(from));
    CHECK(ids.contains(to));
  }
  // Each file is contained exactly once.
  std::map<std::string, int> contained;
  for (const auto& [from, type, to] : rels) {
    if (type == "CONTAINS" && to.starts_with("SPDXRef-File-")) ++contained[to];
  }
  for (const auto& f : files) CHECK(contained[f.at("SPDXID")] == 1);
}

TEST_CASE("sbom: a program no package owns gets an APPLICATION package of its own") {
  Inventory inv = small_inventory();
  inv.packages.erase(inv.packages.begin());  // no "app" package
  const json doc = json::parse(spdx_json(inv));
  const json* app = element(doc.at("packages"), "SPDXRef-Application-usr-bin-app");
  REQUIRE(app != nullptr);
  CHECK(app->at("name") == "app");
  CHECK(app->at("primaryPackagePurpose") == "APPLICATION");
  CHECK(app->at("packageVerificationCode").at("packageVerificationCodeValue") ==
        sha1_hex(sha1_hex("/usr/bin/app")));
  const auto rels = relationships(doc);
  CHECK(rels.contains({"SPDXRef-Image", "CONTAINS", "SPDXRef-Application-usr-bin-app"}));
  CHECK(rels.contains({"SPDXRef-Application-usr-bin-app", "CONTAINS", "SPDXRef-File-usr-bin-app"}));
  CHECK(rels.contains(
      {"SPDXRef-Application-usr-bin-app", "DEPENDS_ON", "SPDXRef-Package-libc6-amd64"}));
  // The README nobody owns now is the image's.
  CHECK(rels.contains({"SPDXRef-Image", "CONTAINS", "SPDXRef-File-usr-share-doc-app-README"}));
}

TEST_CASE("sbom: identifiers that would collide get a digest suffix; the document is stable") {
  Inventory inv = small_inventory();
  inv.files.push_back(file("/x/a+b", '7'));
  inv.files.push_back(file("/x/a-b", '8'));
  std::sort(inv.files.begin(), inv.files.end(),
            [](const auto& a, const auto& b) { return a.path < b.path; });
  const std::string text = spdx_json(inv);
  CHECK(spdx_json(inv) == text);
  const json doc = json::parse(text);
  std::set<std::string> ids;
  for (const auto& f : doc.at("files")) {
    const std::string id = f.at("SPDXID");
    CHECK(ids.insert(id).second);
    if (f.at("fileName") == "./x/a+b" || f.at("fileName") == "./x/a-b") {
      CHECK(id.starts_with("SPDXRef-File-x-a-b-"));
      CHECK(id.size() == std::string("SPDXRef-File-x-a-b-").size() + 8);
    }
  }
  // Another created time is another document: another namespace.
  Inventory later = small_inventory();
  later.created = 172800;
  CHECK(json::parse(spdx_json(later)).at("documentNamespace") !=
        json::parse(spdx_json(small_inventory())).at("documentNamespace"));
}

TEST_CASE("sbom: a file name that is not UTF-8 still gives valid JSON") {
  Inventory inv = small_inventory();
  inv.files.push_back(file("/z/caf\xe9", '9'));
  const json doc = json::parse(spdx_json(inv));
  CHECK(doc.at("files").back().at("fileName") == "./z/caf\xef\xbf\xbd");
}
