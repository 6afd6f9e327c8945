#include <nlohmann/json.hpp>

#include "pare/diff/render.hpp"
#include "render_support.hpp"

namespace pare {

namespace {

using nlohmann::ordered_json;

ordered_json image_json(const ImageSummary& s) {
  ordered_json j;
  j["source"] = s.source;
  j["format"] = s.format;
  j["names"] = s.names;
  j["platform"] = s.platform;
  j["configDigest"] = s.config_digest;
  return j;
}

/// Every key always, so a reader needs no `// empty`: a folder has size 0 and linkTarget "".
void put_state(ordered_json& j, const PathState& s) {
  j["type"] = to_string(s.type);
  j["mode"] = s.mode;
  j["uid"] = s.uid;
  j["gid"] = s.gid;
  j["size"] = s.size;
  j["linkTarget"] = s.link_target;
  j["devMajor"] = s.dev_major;
  j["devMinor"] = s.dev_minor;
}

ordered_json one_side(const PathChange& c, const PathState& s, bool with_reason) {
  ordered_json j;
  j["path"] = c.path;
  put_state(j, s);
  if (with_reason) j["reason"] = c.reason;
  return j;
}

ordered_json changed_json(const PathChange& c) {
  ordered_json j;
  j["path"] = c.path;
  ordered_json what = ordered_json::array();
  if (c.what.type) what.push_back("type");
  if (c.what.content) what.push_back("content");
  if (c.what.mode) what.push_back("mode");
  if (c.what.owner) what.push_back("owner");
  if (c.what.link_target) what.push_back("linkTarget");
  j["changes"] = what;
  ordered_json a;
  put_state(a, c.a);
  ordered_json b;
  put_state(b, c.b);
  j["a"] = a;
  j["b"] = b;
  j["reason"] = c.reason;
  return j;
}

}  // namespace

ordered_json to_json(const DiffReport& r) {
  const TreeDiff& t = r.tree;
  ordered_json j;
  j["schemaVersion"] = kDiffSchemaVersion;
  j["a"] = image_json(r.a);
  j["b"] = image_json(r.b);
  j["differ"] = r.differ();
  j["counts"] = {{"added", t.added.size()},
                 {"removed", t.removed.size()},
                 {"changed", t.changed.size()},
                 {"unchanged", t.unchanged}};
  ordered_json size;
  size["a"] = t.size_a;
  size["b"] = t.size_b;
  size["difference"] = static_cast<std::int64_t>(t.size_b) - static_cast<std::int64_t>(t.size_a);
  const auto percent = diff_render::percent_change(t.size_a, t.size_b);
  size["percent"] = percent ? ordered_json(*percent) : ordered_json(nullptr);
  j["size"] = size;
  j["folders"] = ordered_json::array();
  for (const auto& f : t.folders) {
    ordered_json row;
    row["folder"] = f.folder;
    row["a"] = f.a;
    row["b"] = f.b;
    row["difference"] = static_cast<std::int64_t>(f.b) - static_cast<std::int64_t>(f.a);
    j["folders"].push_back(row);
  }
  j["added"] = ordered_json::array();
  for (const auto& c : t.added) j["added"].push_back(one_side(c, c.b, true));
  j["removed"] = ordered_json::array();
  for (const auto& c : t.removed) j["removed"].push_back(one_side(c, c.a, false));
  j["changed"] = ordered_json::array();
  for (const auto& c : t.changed) j["changed"].push_back(changed_json(c));
  if (!r.slim.detected) {
    j["slim"] = nullptr;
  } else {
    ordered_json s;
    s["createdBy"] = r.slim.created_by;
    s["planned"] = r.slim.planned;
    s["note"] = r.slim.note;
    s["kept"] = ordered_json::array();
    for (const auto& k : r.slim.kept) s["kept"].push_back({{"path", k.path}, {"reason", k.reason}});
    j["slim"] = s;
  }
  return j;
}

}  // namespace pare
