#include "pare/diff/render.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

// The three renderers of a diff on a report made by hand: sections, alignment, caps, escaping,
// and the JSON's keys in their fixed order.

using namespace pare;

namespace {

PathState file(std::uint64_t size, std::uint32_t mode = 0644, std::uint32_t uid = 0) {
  PathState s;
  s.type = EntryType::kFile;
  s.size = size;
  s.mode = mode;
  s.uid = uid;
  s.gid = uid;
  return s;
}

PathState symlink(const std::string& target) {
  PathState s;
  s.type = EntryType::kSymlink;
  s.mode = 0777;
  s.link_target = target;
  return s;
}

DiffReport report() {
  DiffReport r;
  r.a = {"a.tar", "docker-archive", {"app:1"}, "linux/amd64", "sha256:" + std::string(64, 'a')};
  r.b = {"b", "oci-layout", {}, "linux/amd64", "sha256:" + std::string(64, 'b')};
  TreeDiff& t = r.tree;
  t.added = {{"/srv/new", {}, file(4), {}, {}}, {"/srv/x|y", {}, file(1), {}, {}}};
  t.removed = {{"/etc/old\nline", file(1500), {}, {}, {}}};
  PathChange content{"/etc/app.conf", file(8), file(9), {}, {}};
  content.what.content = true;
  PathChange same_size{"/etc/same", file(4), file(4), {}, {}};
  same_size.what.content = true;
  PathChange mode{"/etc/secret", file(3, 0644), file(3, 0600), {}, {}};
  mode.what.mode = true;
  PathChange owner{"/srv/data", file(3, 0644, 0), file(3, 0644, 1000), {}, {}};
  owner.what.owner = true;
  PathChange link{"/usr/bin/current", symlink("tool-1"), symlink("tool-2"), {}, {}};
  link.what.link_target = true;
  PathChange type{"/usr/lib/libx.so", file(8), symlink("libx.so.1"), {}, {}};
  type.what.type = true;
  t.changed = {content, same_size, mode, owner, link, type};
  t.unchanged = 5;
  t.folders = {{"/etc", 1515, 16}, {"/srv", 3, 8}, {"/usr", 8, 0}};
  t.size_a = 1526;
  t.size_b = 24;
  return r;
}

}  // namespace

TEST_CASE("diff: text has the images, the counts, sizes and each list in aligned columns") {
  const std::string text = render_text(report(), kDiffTopDefault, false);
  const std::string aa(64, 'a');
  const std::string bb(64, 'b');
  const std::string expected = "A  a.tar  docker-archive  linux/amd64  sha256:" + aa + "\n" +
                               "B  b      oci-layout      linux/amd64  sha256:" + bb + "\n" +
                               "\n"
                               "2 added, 1 removed, 6 changed, 5 the same\n"
                               "\n"
                               "FOLDER       A     B  DIFFERENCE\n"
                               "/etc    1.5 kB  16 B  -1.5 kB\n"
                               "/srv       3 B   8 B  +5 B\n"
                               "/usr       8 B   0 B  -8 B\n"
                               "total   1.5 kB  24 B  -1.5 kB (-98.4%)\n"
                               "\n"
                               "ADDED  2 paths\n"
                               "  /srv/new  file  4 B\n"
                               "  /srv/x|y  file  1 B\n"
                               "\n"
                               "REMOVED  1 path\n"
                               "  /etc/old\\x0aline  file  1.5 kB\n"
                               "\n"
                               "CHANGED  6 paths\n"
                               "  /etc/app.conf     content  8 B -> 9 B\n"
                               "  /etc/same         content  4 B -> 4 B (other bytes)\n"
                               "  /etc/secret       mode     0644 -> 0600\n"
                               "  /srv/data         owner    0:0 -> 1000:1000\n"
                               "  /usr/bin/current  link     tool-1 -> tool-2\n"
                               "  /usr/lib/libx.so  type     file 8 B -> symlink to libx.so.1\n";
  CHECK(text == expected);
  CHECK(text.find('\033') == std::string::npos);
  CHECK(render_text(report(), kDiffTopDefault, true).find("\033[1mCHANGED\033[0m") !=
        std::string::npos);
}

TEST_CASE("diff: text and markdown cut each list at --top with a line saying how many more") {
  const std::string text = render_text(report(), 1, false);
  CHECK(text.find("/etc    1.5 kB  16 B  -1.5 kB\n... and 2 more\ntotal") != std::string::npos);
  CHECK(text.find("  /srv/new  file  4 B\n  ... and 1 more\n") != std::string::npos);
  CHECK(text.find("  /etc/app.conf  content  8 B -> 9 B\n  ... and 5 more\n") != std::string::npos);
  CHECK(text.find("/etc/secret") == std::string::npos);
  const std::string md = render_markdown(report(), 1);
  CHECK(md.find("| ... and 2 more | | | |\n| **total** |") != std::string::npos);
  CHECK(md.find("\n... and 5 more (`--format json` lists every path)\n") != std::string::npos);
  CHECK(md.find("/etc/secret") == std::string::npos);
  const std::string none = render_text(report(), 0, false);
  CHECK(none.find("ADDED  2 paths\n  ... and 2 more\n") != std::string::npos);
}

TEST_CASE("diff: markdown tables escape pipes, print control bytes and clip long cells") {
  DiffReport r = report();
  r.tree.added.push_back({"/" + std::string(300, 'p'), {}, file(1), {}, {}});
  r.tree.added.push_back({"/back`tick", {}, file(1), {}, {}});
  const std::string md = render_markdown(r, kDiffTopDefault);
  CHECK(md.starts_with("### pare diff: `a.tar` → `b`\n"));
  CHECK(md.find("**2 added, 1 removed, 6 changed, 5 the same**") == std::string::npos);
  CHECK(md.find("**4 added, 1 removed, 6 changed, 5 the same**") != std::string::npos);
  CHECK(md.find("| `/srv/x\\|y` | file | 1 B |") != std::string::npos);
  CHECK(md.find("| `/etc/old\\x0aline` | file | 1.5 kB |") != std::string::npos);
  CHECK(md.find("| `` /back`tick `` |") != std::string::npos);
  CHECK(md.find("`/" + std::string(196, 'p') + "...`") != std::string::npos);
  CHECK(md.find("| `/usr/lib/libx.so` | type | file 8 B | symlink to libx.so.1 |") !=
        std::string::npos);
  CHECK(md.find("| **total** | 1.5 kB | 24 B | -1.5 kB (-98.4%) |") != std::string::npos);
  CHECK(md.find("Why B kept it") == std::string::npos);
}

TEST_CASE("diff: the reasons of a pare slim B, or the one line saying why there are none") {
  DiffReport r = report();
  r.slim.detected = true;
  r.slim.created_by = "pare slim";
  r.slim.planned = true;
  r.slim.kept = {{"/etc/app.conf", "config"}, {"/usr/bin/tool", "entrypoint"}};
  r.tree.added[0].reason = "base: a folder";
  r.tree.changed[0].reason = "config";
  const std::string text = render_text(r, kDiffTopDefault, false);
  CHECK(text.find("  /srv/new  file  4 B  base: a folder\n") != std::string::npos);
  // The reason is a column of its own, after the widest change ("file 8 B -> symlink to ...").
  CHECK(text.find("  /etc/app.conf     content  8 B -> 9 B" + std::string(24, ' ') + "config\n") !=
        std::string::npos);
  CHECK(text.find("WHY KEPT  B's history says \"pare slim\" made it; A planned again with B's "
                  "Entrypoint, Cmd, Env, User and WorkingDir: 2 paths in both\n"
                  "  /etc/app.conf  config\n"
                  "  /usr/bin/tool  entrypoint\n") != std::string::npos);
  const std::string md = render_markdown(r, kDiffTopDefault);
  CHECK(md.find("| `/usr/bin/tool` | entrypoint |") != std::string::npos);
  CHECK(md.find("| path | type | size or target | reason |") != std::string::npos);
  r.slim.planned = false;
  r.slim.kept.clear();
  r.slim.note = "A's program cannot be planned (B may not be a slim of A): a.tar: no /x";
  const std::string unplanned = render_text(r, kDiffTopDefault, false);
  CHECK(
      unplanned.ends_with("WHY KEPT  B's history says \"pare slim\" made it, but A's program "
                          "cannot be planned (B may not be a slim of A): a.tar: no /x\n"));
  CHECK(unplanned.find("base: a folder") == std::string::npos);  // no reason column
}

TEST_CASE("diff: JSON has every path and its keys in a fixed order") {
  DiffReport r = report();
  const nlohmann::ordered_json j = to_json(r);
  std::vector<std::string> keys;
  for (const auto& [key, value] : j.items()) keys.push_back(key);
  CHECK(keys == std::vector<std::string>{"schemaVersion", "a", "b", "differ", "counts", "size",
                                         "folders", "added", "removed", "changed", "slim"});
  CHECK(j["schemaVersion"] == kDiffSchemaVersion);
  CHECK(j["a"]["source"] == "a.tar");
  CHECK(j["a"]["names"] == nlohmann::ordered_json::array({"app:1"}));
  CHECK(j["differ"] == true);
  CHECK(j["counts"].dump() == R"({"added":2,"removed":1,"changed":6,"unchanged":5})");
  CHECK(j["size"].dump() == R"({"a":1526,"b":24,"difference":-1502,"percent":-98.43})");
  CHECK(j["folders"][0].dump() == R"({"folder":"/etc","a":1515,"b":16,"difference":-1499})");
  CHECK(j["added"][0].dump() ==
        R"({"path":"/srv/new","type":"file","mode":420,"uid":0,"gid":0,"size":4,)"
        R"("linkTarget":"","devMajor":0,"devMinor":0,"reason":""})");
  CHECK_FALSE(j["removed"][0].contains("reason"));
  CHECK(j["removed"][0]["path"] == "/etc/old\nline");
  CHECK(j["changed"][5]["changes"] == nlohmann::ordered_json::array({"type"}));
  CHECK(j["changed"][5]["b"]["linkTarget"] == "libx.so.1");
  CHECK(j["changed"][4]["changes"] == nlohmann::ordered_json::array({"linkTarget"}));
  CHECK(j["slim"].is_null());
  r.slim.detected = true;
  r.slim.created_by = "pare slim";
  r.slim.planned = true;
  r.slim.kept = {{"/a", "folder"}};
  CHECK(
      to_json(r)["slim"].dump() ==
      R"({"createdBy":"pare slim","planned":true,"note":"","kept":[{"path":"/a","reason":"folder"}]})");
  // A report with nothing to compare from: no percentage.
  DiffReport empty;
  CHECK(to_json(empty)["size"]["percent"].is_null());
  CHECK(to_json(empty)["differ"] == false);
  CHECK(render_text(empty, 5, false).find("no differences: 0 paths the same\n") !=
        std::string::npos);
}
