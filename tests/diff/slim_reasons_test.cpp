#include "pare/diff/slim_reasons.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "diff_test_trees.hpp"

// Telling a pare slim B from its history, the options that plan A as B was planned, and how
// each plan reason reaches the paths of the diff.

using namespace pare;
using pare::diff_testing::Layer;

namespace {

Config with_history(const std::vector<std::string>& created_by) {
  Config c;
  for (const auto& by : created_by) {
    HistoryEntry h;
    h.created_by = by;
    c.history.push_back(h);
  }
  return c;
}

PlanEntry entry(const std::string& path, const std::string& reason) {
  PlanEntry e;
  e.path = path;
  e.reason = reason;
  return e;
}

}  // namespace

TEST_CASE("diff: B is a pare slim when its last history entry says so") {
  CHECK(slim_created_by(with_history({"RUN make", "pare slim"})) == "pare slim");
  CHECK(slim_created_by(with_history({"COPY x", "pare slim (base)", "pare slim (app)"})) ==
        "pare slim (app)");
  CHECK_FALSE(slim_created_by(with_history({"pare slim", "RUN rm -rf /usr/share"})));
  CHECK_FALSE(slim_created_by(with_history({"pare pack"})));
  CHECK_FALSE(slim_created_by(Config{}));
}

TEST_CASE("diff: A is planned again with B's Entrypoint, Cmd, Env, User and WorkingDir") {
  Config b;
  b.config.entrypoint = {"/app/run"};
  b.config.cmd = {"--port", "80"};
  b.config.env = {"PATH=/bin", "MODE=slim"};
  b.config.user = "65532";
  b.config.working_dir = "/app";
  const SlimOptions o = replan_options(b);
  CHECK(o.entrypoint == std::vector<std::string>{"/app/run"});
  CHECK(o.cmd == std::vector<std::string>{"--port", "80"});
  CHECK(o.env == std::vector<std::string>{"PATH=/bin", "MODE=slim"});
  CHECK(o.user == "65532");
  CHECK(o.workdir == "/app");
  // Nothing else: the rules of that slim are not in B, the default plan is.
  CHECK(o.keep.empty());
  CHECK(o.drop.empty());
  CHECK_FALSE(o.trace);
  // An empty Cmd in B is an empty Cmd for the plan, not A's.
  Config none;
  CHECK(replan_options(none).cmd == std::vector<std::string>{});
}

TEST_CASE("diff: each kept path gets its plan reason, or says the default plan lacks it") {
  ImageTree a = Layer()
                    .dir("app")
                    .file("app/run", 10, 1)
                    .file("app/extra", 3, 2)
                    .file("etc/passwd", 50, 3)
                    .file("junk", 1, 4)
                    .build();
  ImageTree b = Layer()
                    .dir("app")
                    .file("app/run", 10, 1)
                    .file("app/extra", 3, 2)
                    .file("etc/passwd", 60, 5)
                    .file("etc/nsswitch.conf", 9, 6)
                    .file("etc/unknown", 1, 7)
                    .build();
  TreeDiff d = compare_trees(a, b, {.list_common = true});
  const std::vector<PlanEntry> plan{entry("/app", "folder"), entry("/app/run", "entrypoint"),
                                    entry("/etc", "folder"),
                                    entry("/etc/nsswitch.conf", "base: files-only NSS"),
                                    entry("/etc/passwd", "base: users root, nobody, nonroot")};
  const std::vector<KeptPath> kept = attach_reasons(d, plan);
  REQUIRE(kept.size() == 5);
  CHECK(kept[0].path == "/app");
  CHECK(kept[0].reason == "folder");
  CHECK(kept[1].path == "/app/extra");
  CHECK(kept[1].reason == kNotInDefaultPlan);
  CHECK(kept[2].path == "/app/run");
  CHECK(kept[2].reason == "entrypoint");
  CHECK(kept[3].path == "/etc");
  CHECK(kept[4].path == "/etc/passwd");
  CHECK(kept[4].reason == "base: users root, nobody, nonroot");
  // What pare wrote: the reason when the plan has the path, none when it does not.
  REQUIRE(d.added.size() == 2);
  CHECK(d.added[0].path == "/etc/nsswitch.conf");
  CHECK(d.added[0].reason == "base: files-only NSS");
  CHECK(d.added[1].reason.empty());
  // A changed path that was kept carries the reason in its row too.
  REQUIRE(d.changed.size() == 1);
  CHECK(d.changed[0].reason == "base: users root, nobody, nonroot");
  CHECK(d.removed[0].reason.empty());
}

TEST_CASE("diff: an A whose program cannot be planned is a note, not an error") {
  ImageTree a = Layer().file("bin/true", 1, 1).build();
  TreeDiff d = compare_trees(a, a, {.list_common = true});
  Image image_a;
  image_a.config.architecture = "amd64";
  image_a.config.os = "linux";
  Image image_b = image_a;
  image_b.config.config.entrypoint = {"/bin/missing"};
  image_b.config.history = with_history({"pare slim"}).history;
  const SlimReasons s = explain_slim(a, image_a, image_b, d, "a.tar");
  CHECK(s.detected);
  CHECK(s.created_by == "pare slim");
  CHECK_FALSE(s.planned);
  CHECK(s.kept.empty());
  CHECK(s.note.starts_with("A's program cannot be planned (B may not be a slim of A): "));
  CHECK(s.note.find("/bin/missing") != std::string::npos);
  CHECK(s.note.find('\n') == std::string::npos);
  // Not a slim: nothing is planned, nothing said.
  image_b.config.history.clear();
  const SlimReasons none = explain_slim(a, image_a, image_b, d, "a.tar");
  CHECK_FALSE(none.detected);
  CHECK(none.note.empty());
}
