#include "pare/sbom/sbom.hpp"

#include <doctest/doctest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "../test_images.hpp"
#include "pare/deps/closure.hpp"
#include "pare/digest/sha1.hpp"
#include "pare/digest/sha256.hpp"
#include "pare/sbom/inventory.hpp"
#include "pare/util/file.hpp"

using namespace pare;
using nlohmann::json;
using pare::testing::LayerSpec;
using pare::testing::TreeBuilder;

namespace {

std::string sha1_of(const std::string& s) {
  Sha1 h;
  h.update(pare::testing::bytes_of(s));
  return h.finish_hex();
}

std::string sha256_hex(const std::string& s) {
  return sha256_of(pare::testing::bytes_of(s)).hex();
}

constexpr std::string_view kStatus =
    "Package: hello\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.10-3+b1\n"
    "Description: greets\n\n"
    "Package: hello-doc\nStatus: install ok installed\nArchitecture: all\nVersion: 2.10-3\n"
    "Description: its manual\n";

/// Two layers: a base with a dpkg database, then one that replaces a file.
std::vector<LayerSpec> layers() {
  LayerSpec base;
  for (const char* d :
       {"etc", "usr", "usr/bin", "usr/share", "usr/share/doc", "usr/share/doc/hello", "var",
        "var/lib", "var/lib/dpkg", "var/lib/dpkg/info"}) {
    base.dir(d);
  }
  base.file("etc/os-release",
            "PRETTY_NAME=\"Debian GNU/Linux 12\"\nID=debian\nVERSION_ID=\"12\"\n");
  base.file("etc/motd", "old\n");
  base.file("usr/bin/hello", "#!/bin/false\nnot a program\n");
  base.hardlink("usr/bin/hi", "usr/bin/hello");
  base.symlink("usr/bin/hey", "hello");
  base.file("usr/share/doc/hello/README", "read me\n");
  base.file("var/lib/dpkg/status", std::string(kStatus));
  base.file("var/lib/dpkg/info/hello.list", "/.\n/usr\n/usr/bin\n/usr/bin/hello\n/usr/bin/hi\n");
  base.file("var/lib/dpkg/info/hello-doc.list", "/usr/share/doc/hello/README\n");
  LayerSpec top;
  top.dir("etc");
  top.file("etc/motd", "new\n");
  return {base, top};
}

struct Written {
  TempDir dir{"pare-sbom"};
  std::string path = (dir.path() / "img.tar").string();
  Written() { pare::testing::write_image(path, layers(), "/usr/bin/hello"); }
};

const json* file_named(const json& doc, const std::string& name) {
  for (const auto& f : doc.at("files")) {
    if (f.at("fileName") == name) return &f;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("sbom: pare sbom of an image read from a file: files hashed as the layers stream") {
  const Written img;
  const auto bundle = open_bundle(img.path);
  const Sbom sbom = sbom_of_image(*bundle, {});
  const json doc = json::parse(sbom.document);
  // Every regular file of the merged tree, hardlinks included; the second layer's motd.
  std::map<std::string, std::string> expected = {
      {"./etc/os-release", "PRETTY_NAME=\"Debian GNU/Linux 12\"\nID=debian\nVERSION_ID=\"12\"\n"},
      {"./etc/motd", "new\n"},
      {"./usr/bin/hello", "#!/bin/false\nnot a program\n"},
      {"./usr/bin/hi", "#!/bin/false\nnot a program\n"},
      {"./usr/share/doc/hello/README", "read me\n"},
      {"./var/lib/dpkg/status", std::string(kStatus)},
      {"./var/lib/dpkg/info/hello.list", "/.\n/usr\n/usr/bin\n/usr/bin/hello\n/usr/bin/hi\n"},
      {"./var/lib/dpkg/info/hello-doc.list", "/usr/share/doc/hello/README\n"},
  };
  CHECK(doc.at("files").size() == expected.size());
  for (const auto& entry : expected) {
    const std::string& content = entry.second;
    const json* f = file_named(doc, entry.first);
    REQUIRE_MESSAGE(f != nullptr, entry.first);
    CHECK(f->at("checksums") ==
          json::array({{{"algorithm", "SHA1"}, {"checksumValue", sha1_of(content)}},
                       {{"algorithm", "SHA256"}, {"checksumValue", sha256_hex(content)}}}));
  }
  CHECK(file_named(doc, "./usr/bin/hey") == nullptr);  // a symlink is no file

  std::map<std::string, std::string> purls;
  for (const auto& p : doc.at("packages")) {
    purls[p.at("name")] = p.at("externalRefs").at(0).at("referenceLocator");
  }
  CHECK(purls.at("hello") == "pkg:deb/debian/hello@2.10-3%2Bb1?arch=amd64&distro=debian-12");
  CHECK(purls.at("hello-doc") == "pkg:deb/debian/hello-doc@2.10-3?arch=all&distro=debian-12");
  // No name of its own: the input names the document, its stem the purl.
  CHECK(doc.at("name") == img.path);
  CHECK(purls.at(img.path).starts_with("pkg:oci/img@sha256:"));
  CHECK(purls.at(img.path).ends_with("?arch=amd64"));
  // Not a program, but the entrypoint: hello, which owns it, is the application.
  CHECK(doc.at("packages").at(1).at("name") == "hello");
  CHECK(doc.at("packages").at(1).at("primaryPackagePurpose") == "APPLICATION");
  CHECK_FALSE(sbom.warnings.empty());
  // No created in the config and no SOURCE_DATE_EPOCH: the epoch.
  CHECK(doc.at("creationInfo").at("created") == "1970-01-01T00:00:00Z");

  // The same bytes again; SOURCE_DATE_EPOCH sets created (and so the namespace).
  CHECK(sbom_of_image(*bundle, {}).document == sbom.document);
  SbomRequest dated;
  dated.source_date_epoch = 1704164645;
  const json later = json::parse(sbom_of_image(*bundle, dated).document);
  CHECK(later.at("creationInfo").at("created") == "2024-01-02T03:04:05Z");
  CHECK(later.at("documentNamespace") != doc.at("documentNamespace"));
}

TEST_CASE("sbom: build_tree's hash_files gives each file, and each hardlink, its digests") {
  const Written img;
  const auto bundle = open_bundle(img.path);
  const Image image = load_image(*bundle, {});
  BuildTreeOptions reading;
  reading.hash_files = true;
  const ImageTree tree = build_tree(*bundle, image, reading);
  const Node* hi = tree.rootfs.find("usr/bin/hi");
  REQUIRE(hi != nullptr);
  CHECK(hi->type == EntryType::kHardlink);
  CHECK(hi->sha256 == sha256_hex("#!/bin/false\nnot a program\n"));
  CHECK(hi->sha1 == sha1_of("#!/bin/false\nnot a program\n"));
  CHECK(tree.rootfs.find("etc/motd")->sha1 == sha1_of("new\n"));
  // Without it, nothing is hashed, and an inventory refuses the tree.
  const ImageTree plain = build_tree(*bundle, image, {});
  CHECK(plain.rootfs.find("etc/motd")->sha256.empty());
  CHECK_THROWS_AS(inventory_of(image, plain, img.path, std::nullopt), Error);
}

TEST_CASE("sbom: inventory packages from a slim's kept packages and a program's closure") {
  const ImageTree tree = TreeBuilder(nullptr)
                             .dir("usr/lib")
                             .text("usr/lib/libz.so.1.3", "z")
                             .symlink("usr/lib/libz.so.1", "libz.so.1.3")
                             .symlink("lib", "usr/lib")
                             .text("app", "app")
                             .build();
  const std::vector<KeptPackage> kept = {
      {"zlib1g", "1:1.3-1", "amd64", {"/usr/lib/libz.so.1", "/usr/lib/libz.so.1.3"}},
      {"gone", "1", "amd64", {"/usr/share/gone"}},  // --drop took its one file
  };
  const auto packages = inventory_packages(kept, tree);
  REQUIRE(packages.size() == 1);
  CHECK(packages[0].name == "zlib1g");
  CHECK(packages[0].files ==
        std::vector<std::string>{"/usr/lib/libz.so.1", "/usr/lib/libz.so.1.3"});

  Closure closure;
  closure.program = "/app";
  closure.interpreter = "/lib/missing-ld.so";  // not in the tree: left out
  closure.libraries = {{"libz.so.1", "/lib/libz.so.1", "/app", "DT_NEEDED"},
                       {"libz.so.1", "/usr/lib/libz.so.1", "/app", "DT_NEEDED"}};
  Inventory inventory;
  set_program(inventory, closure, tree);
  CHECK(inventory.program == "/app");
  CHECK(inventory.program_needs == std::vector<std::string>{"/usr/lib/libz.so.1.3"});

  Inventory none;
  set_program(none, Closure{}, tree);
  CHECK(none.program.empty());
}
