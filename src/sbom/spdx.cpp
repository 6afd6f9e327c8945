#include "pare/sbom/spdx.hpp"

#include <algorithm>
#include <ctime>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "pare/digest/sha1.hpp"
#include "pare/digest/sha256.hpp"
#include "pare/sbom/purl.hpp"

namespace pare {

namespace {

using Json = nlohmann::ordered_json;

constexpr std::string_view kNoAssertion = "NOASSERTION";
constexpr std::string_view kImageId = "SPDXRef-Image";

std::span<const std::byte> bytes_of(std::string_view s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

std::string utc(std::int64_t seconds) {
  const auto t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

/// SPDX 2.3 §7.9: the SHA-1 of the files' sorted SHA-1s (hex, no separators).
std::string verification_code(std::vector<std::string> sha1s) {
  std::sort(sha1s.begin(), sha1s.end());
  Sha1 code;
  for (const auto& s : sha1s) code.update(bytes_of(s));
  return code.finish_hex();
}

/// One identifier per element: spdx_id of its kind and name, and when two elements (or an
/// element and a fixed id) would share one, each of them gets a suffix of the digest of its
/// key, which no other element of its kind has.
class Identifiers {
 public:
  /// Reserves an identifier the document uses as it is ("SPDXRef-Image").
  void fixed(std::string_view id) { ++count_[std::string(id)]; }
  void add(std::string_view kind, std::string_view name, const std::string& key) {
    std::string id = spdx_id(kind, name);
    ++count_[id];
    ids_[{std::string(kind), key}] = std::move(id);
  }
  /// Gives the identifiers that collide their suffixes; call once, after every add.
  void finish() {
    for (auto& [k, id] : ids_) {
      if (count_.at(id) > 1) {
        id += "-" + sha256_of(bytes_of(k.first + "\n" + k.second)).hex().substr(0, 8);
      }
    }
    count_.clear();
  }
  /// The identifier of the element `add` was given `key` for.
  const std::string& at(std::string_view kind, const std::string& key) const {
    return ids_.at({std::string(kind), key});
  }

 private:
  std::map<std::string, int> count_;
  std::map<std::pair<std::string, std::string>, std::string> ids_;
};

/// Paths are bytes and JSON is UTF-8: a name that is not UTF-8 gets U+FFFD where it is not.
std::string text_of(const Json& value) {
  return value.dump(2, ' ', false, Json::error_handler_t::replace);
}

/// The document's text, written an element at a time: a large image's document is never held
/// twice (as values, then as text). The layout is nlohmann's dump(2).
class DocumentText {
 public:
  /// Starts with the members of `head` (an object) whose documentNamespace is `blank`, to be
  /// overwritten in place by set_namespace (a value of the same length). `reserve`: about the
  /// bytes to come (capacity never touched costs no memory; copies as the text grows do).
  DocumentText(const Json& head, const std::string& blank, std::size_t reserve) {
    out_.reserve(reserve);
    out_ = text_of(head);
    out_.resize(out_.size() - 2);  // "\n}"
    space_at_ = out_.find("\"" + blank + "\"") + 1;
    space_size_ = blank.size();
  }
  void begin_array(std::string_view key) {
    out_ += ",\n  \"" + std::string(key) + "\": [";
    first_ = true;
  }
  void element(const Json& value) {
    out_ += first_ ? "\n    " : ",\n    ";
    first_ = false;
    for (const char c : text_of(value)) {
      out_.push_back(c);
      if (c == '\n') out_ += "    ";
    }
  }
  void end_array() { out_ += first_ ? "]" : "\n  ]"; }
  /// The text, ended, with the blank namespace.
  const std::string& finish() {
    out_ += "\n}\n";
    return out_;
  }
  /// The text with `space` (as long as the blank) as its namespace.
  std::string set_namespace(const std::string& space) && {
    out_.replace(space_at_, space_size_, space);
    return std::move(out_);
  }

 private:
  std::string out_;
  std::size_t space_at_ = 0;
  std::size_t space_size_ = 0;
  bool first_ = true;
};

/// What names a package in its identifier (name and architecture), and what tells it from
/// every other (the version too).
std::string package_name(const InventoryPackage& p) {
  return p.architecture.empty() ? p.name : p.name + "-" + p.architecture;
}
std::string package_key(const InventoryPackage& p) {
  return p.name + "\n" + p.architecture + "\n" + p.version;
}

Json checksum(std::string_view algorithm, const std::string& hex) {
  return {{"algorithm", algorithm}, {"checksumValue", hex}};
}

Json purl_ref(const Purl& purl) {
  return Json::array({{{"referenceCategory", "PACKAGE-MANAGER"},
                       {"referenceType", "purl"},
                       {"referenceLocator", purl.str()}}});
}

/// The fields every package has alike: nothing is asserted of where it came from or its
/// licence (pare reads no copyright files).
void add_common(Json& package) {
  package["downloadLocation"] = kNoAssertion;
  package["licenseConcluded"] = kNoAssertion;
  package["licenseDeclared"] = kNoAssertion;
  package["copyrightText"] = kNoAssertion;
}

/// filesAnalyzed true with the verification code of `sha1s` (none when the package holds no
/// file), or false for a package whose files are unknown.
void add_files_analyzed(Json& package, bool analyzed, const std::vector<std::string>& sha1s) {
  package["filesAnalyzed"] = analyzed;
  if (analyzed && !sha1s.empty()) {
    package["packageVerificationCode"] = {
        {"packageVerificationCodeValue", verification_code(sha1s)}};
  }
}

std::string basename(const std::string& path) {
  return path.substr(path.rfind('/') + 1);
}

/// The document of one inventory, its namespace still empty: identifiers first, then the
/// packages, the files and what relates them.
class Document {
 public:
  explicit Document(const Inventory& inv) : inv_(inv) {
    ids_.fixed(kImageId);
    ids_.fixed("SPDXRef-DOCUMENT");
    for (const auto& f : inv.files) {
      ids_.add("File", f.path.substr(1), f.path);
      files_.emplace(f.path, &f);
    }
    for (const auto& p : inv.packages) {
      ids_.add("Package", package_name(p), package_key(p));
      for (const auto& path : p.files) {
        if (files_.contains(path)) owners_[path].push_back(&p);
      }
    }
    has_program_ = files_.contains(inv.program);
    if (has_program_) ids_.add("Application", inv.program.substr(1), inv.program);
    ids_.finish();
  }

  /// The document's text, with `blank` as its namespace.
  DocumentText build(const std::string& blank) {
    Json head;
    head["spdxVersion"] = "SPDX-2.3";
    head["dataLicense"] = "CC0-1.0";
    head["SPDXID"] = "SPDXRef-DOCUMENT";
    head["name"] = inv_.name;
    head["documentNamespace"] = blank;
    head["creationInfo"] = {{"created", utc(inv_.created)},
                            {"creators", Json::array({std::string("Tool: pare-") + PARE_VERSION})}};
    DocumentText text(head, blank, 1000 * inv_.files.size() + 2000 * inv_.packages.size() + 4096);
    relate("SPDXRef-DOCUMENT", "DESCRIBES", std::string(kImageId));
    text.begin_array("packages");
    text.element(image_package());
    if (has_program_ && owners_of(inv_.program).empty()) text.element(application());
    for (const auto& p : inv_.packages) text.element(package(p));
    text.end_array();
    text.begin_array("files");
    for (const auto& f : inv_.files) text.element(file(f));
    text.end_array();
    contain_files();
    depend();
    text.begin_array("relationships");
    for (const auto& r : relationships_) {
      text.element(
          {{"spdxElementId", r.from}, {"relationshipType", r.type}, {"relatedSpdxElement", r.to}});
    }
    text.end_array();
    return text;
  }

 private:
  const std::string& file_id(const std::string& path) { return ids_.at("File", path); }
  const std::string& package_id(const InventoryPackage& p) {
    return ids_.at("Package", package_key(p));
  }
  const std::vector<const InventoryPackage*>& owners_of(const std::string& path) const {
    static const std::vector<const InventoryPackage*> kNone;
    const auto it = owners_.find(path);
    return it == owners_.end() ? kNone : it->second;
  }
  void relate(const std::string& from, std::string_view type, const std::string& to) {
    relationships_.push_back({from, type, to});
  }

  Json image_package() {
    std::vector<std::string> sha1s;
    sha1s.reserve(inv_.files.size());
    for (const auto& f : inv_.files) sha1s.push_back(f.sha1);
    Json image;
    image["SPDXID"] = kImageId;
    image["name"] = inv_.name;
    image["versionInfo"] = inv_.digest.str();
    image["supplier"] = kNoAssertion;
    add_common(image);
    add_files_analyzed(image, true, sha1s);
    image["checksums"] = Json::array({checksum("SHA256", inv_.digest.hex())});
    image["externalRefs"] = purl_ref(image_purl(inv_.reference, inv_.digest, inv_.architecture));
    image["primaryPackagePurpose"] = "CONTAINER";
    return image;
  }

  /// The package of a program no package of the database owns.
  Json application() {
    const std::string& id = ids_.at("Application", inv_.program);
    Json app;
    app["SPDXID"] = id;
    app["name"] = basename(inv_.program);
    app["supplier"] = kNoAssertion;
    add_common(app);
    add_files_analyzed(app, true, {files_.at(inv_.program)->sha1});
    app["primaryPackagePurpose"] = "APPLICATION";
    relate(std::string(kImageId), "CONTAINS", id);
    relate(id, "CONTAINS", file_id(inv_.program));
    program_packages_.push_back(id);
    return app;
  }

  Json package(const InventoryPackage& p) {
    const std::string& id = package_id(p);
    Json package;
    package["SPDXID"] = id;
    package["name"] = p.name;
    if (!p.version.empty()) package["versionInfo"] = p.version;
    package["supplier"] = kNoAssertion;
    add_common(package);
    std::vector<std::string> sha1s;
    for (const auto& path : p.files) {
      if (const auto it = files_.find(path); it != files_.end()) sha1s.push_back(it->second->sha1);
    }
    add_files_analyzed(package, p.listed, sha1s);
    const Purl purl = package_purl(inv_.package_format, inv_.os, p.name, p.version, p.architecture);
    if (!purl.type.empty()) package["externalRefs"] = purl_ref(purl);
    const auto& program_owners = owners_of(inv_.program);
    if (std::find(program_owners.begin(), program_owners.end(), &p) != program_owners.end()) {
      package["primaryPackagePurpose"] = "APPLICATION";
      program_packages_.push_back(id);
    }
    relate(std::string(kImageId), "CONTAINS", id);
    return package;
  }

  Json file(const InventoryFile& f) {
    Json file;
    file["SPDXID"] = file_id(f.path);
    file["fileName"] = "." + f.path;
    if (f.path == inv_.program) file["fileTypes"] = Json::array({"APPLICATION"});
    file["checksums"] = Json::array({checksum("SHA1", f.sha1), checksum("SHA256", f.sha256)});
    file["licenseConcluded"] = kNoAssertion;
    file["copyrightText"] = kNoAssertion;
    return file;
  }

  /// Each file is its packages', else the image's (the program: its own package's).
  void contain_files() {
    for (const auto& p : inv_.packages) {
      for (const auto& path : p.files) {
        if (files_.contains(path)) relate(package_id(p), "CONTAINS", file_id(path));
      }
    }
    for (const auto& f : inv_.files) {
      if (owners_.contains(f.path) || (has_program_ && f.path == inv_.program)) continue;
      relate(std::string(kImageId), "CONTAINS", file_id(f.path));
    }
  }

  /// What the program's loader maps: the packages that own it, else the file itself.
  void depend() {
    for (const auto& from : program_packages_) {
      std::set<std::string> done;
      for (const auto& path : inv_.program_needs) {
        if (!files_.contains(path)) continue;
        std::vector<std::string> targets;
        for (const auto* p : owners_of(path)) targets.push_back(package_id(*p));
        if (targets.empty()) targets.push_back(file_id(path));
        for (const auto& to : targets) {
          if (to != from && done.insert(to).second) relate(from, "DEPENDS_ON", to);
        }
      }
    }
  }

  const Inventory& inv_;
  Identifiers ids_;
  std::map<std::string, const InventoryFile*> files_;
  /// The packages that list each file of the image.
  std::map<std::string, std::vector<const InventoryPackage*>> owners_;
  bool has_program_ = false;
  std::vector<std::string> program_packages_;  ///< what DEPENDS_ON the program's needs
  struct Relationship {
    std::string from;
    std::string_view type;  ///< one of the literals above
    std::string to;
  };
  std::vector<Relationship> relationships_;
};

}  // namespace

std::string spdx_id(std::string_view kind, std::string_view key) {
  std::string id = "SPDXRef-" + std::string(kind);
  if (!key.empty()) id += "-";
  for (const char c : key) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '-';
    id.push_back(ok ? c : '-');
  }
  return id;
}

std::string spdx_json(const Inventory& inventory) {
  const std::string prefix =
      std::string(kSpdxNamespaceBase) + "sha256-" + inventory.digest.hex() + "/";
  DocumentText text = Document(inventory).build(prefix + std::string(16, '0'));
  const std::string space = prefix + sha256_of(bytes_of(text.finish())).hex().substr(0, 16);
  return std::move(text).set_namespace(space);
}

}  // namespace pare
