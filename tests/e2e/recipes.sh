# contrib/'s recipes, each run for real on a fat image: the git pre-push hook in a repository
# with a bare remote (a failing gate blocks the push, a passing one lets it through quietly),
# the pre-commit hook through pre-commit itself, and the pare steps of the GitHub Actions
# workflow and of the GitLab CI job, read from their YAML (the build step replaced by a fixture):
# the job summary is written, under GitHub's 1024k, and a failed gate fails the job.
source "$(dirname "$0")/lib.sh"
need git python3 pre-commit gcc musl-gcc aarch64-linux-gnu-gcc qemu-aarch64-static
[ "$(id -u)" -eq 0 ] || skip "the fixture chroots and slim --check runs a sandbox, which needs root"
/usr/bin/python3 -c 'import yaml' 2>/dev/null || skip "python3-yaml is not installed"
slim_fixtures
FAT=$S/fat-static.tar

# `pare` and `sudo` as the recipes call them: this build, and sudo as root already is.
BIN=$WORK/bin
mkdir -p "$BIN"
ln -s "$PARE" "$BIN/pare"
printf '#!/bin/sh\nwhile [ "${1#-}" != "$1" ]; do shift; done\nexec "$@"\n' >"$BIN/sudo"
chmod +x "$BIN/sudo"
export PATH="$BIN:$PATH"
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@localhost GIT_COMMITTER_NAME=t
export GIT_COMMITTER_EMAIL=t@localhost GIT_CONFIG_NOSYSTEM=1 HOME=$WORK/home
mkdir -p "$HOME"
git config --global init.defaultBranch main
git config --global protocol.file.allow always
PASSING='{"analyze": {"maxSize": "1GB", "forbid": ["package-manager"]}}'
FAILING='{"analyze": {"maxSize": "1KB"}}'

# --- the git pre-push hook -------------------------------------------------------------------
git init -q --bare "$WORK/remote.git"
APP=$WORK/app
git init -q "$APP"
cp "$REPO/contrib/git-hooks/pre-push" "$APP/.git/hooks/pre-push"
cp "$FAT" "$APP/app.tar"
# The hook gates what pare.build makes: here a slim of the fat image.
git -C "$APP" config pare.build "pare slim -q app.tar -o app-slim.tar"
git -C "$APP" config pare.image app-slim.tar
git -C "$APP" remote add origin "$WORK/remote.git"
printf 'app.tar\napp-slim.tar\n' >"$APP/.gitignore"

echo "$PASSING" >"$APP/.pare.json"
git -C "$APP" add .gitignore .pare.json
git -C "$APP" commit -q -m pass
if git -C "$APP" push -q origin main >"$WORK/push.out" 2>&1; then
  if [ -s "$WORK/push.out" ]; then
    fail "pre-push: a passing gate is not quiet"; cat "$WORK/push.out"
  else
    pass "pre-push: passing gates let the push through, quietly"
  fi
else
  fail "pre-push: passing gates blocked the push"; cat "$WORK/push.out"
fi
[ "$(git -C "$WORK/remote.git" rev-parse main)" = "$(git -C "$APP" rev-parse HEAD)" ] &&
  pass "pre-push: the remote has the commit" || fail "pre-push: the remote lacks the commit"

# The fat image itself forbids a package manager: gating it (no build) fails.
git -C "$APP" config pare.image app.tar
git -C "$APP" config --unset pare.build
git -C "$APP" commit -q --allow-empty -m fat
if git -C "$APP" push -q origin main >"$WORK/push.out" 2>&1; then
  fail "pre-push: a failing gate let the push through"
elif grep -q 'FAIL .*package' "$WORK/push.out" && grep -q 'nothing pushed' "$WORK/push.out"; then
  pass "pre-push: a failing gate blocks the push and says which ($(grep -m1 FAIL "$WORK/push.out"))"
else
  fail "pre-push: blocked without naming the gate"; cat "$WORK/push.out"
fi
[ "$(git -C "$WORK/remote.git" rev-parse main)" != "$(git -C "$APP" rev-parse HEAD)" ] &&
  pass "pre-push: the remote kept its old commit" || fail "pre-push: the remote moved"

# A build that fails blocks the push too, with its output.
git -C "$APP" config pare.build "echo no compiler; exit 3"
if git -C "$APP" push -q origin main >"$WORK/push.out" 2>&1; then
  fail "pre-push: a failed build let the push through"
else
  grep -q 'no compiler' "$WORK/push.out" && pass "pre-push: a failed build blocks the push" ||
    fail "pre-push: the build's output is not shown"
fi

# --- pre-commit, with the hook of .pre-commit-hooks.yaml -------------------------------------
# The hook repository: pare's .pre-commit-hooks.yaml and its entry script, as committed here.
HOOKS=$WORK/hooks
mkdir -p "$HOOKS/contrib/pre-commit"
cp "$REPO/.pre-commit-hooks.yaml" "$HOOKS/"
cp "$REPO/contrib/pre-commit/pare-analyze" "$HOOKS/contrib/pre-commit/"
git init -q "$HOOKS"
git -C "$HOOKS" add -A
git -C "$HOOKS" commit -q -m hooks
export PRE_COMMIT_HOME=$WORK/pre-commit-cache
PC=$WORK/pc
git init -q "$PC"
cp "$FAT" "$PC/app.tar"
"$PARE" slim -q "$FAT" -o "$PC/app-slim.tar"
cat >"$PC/.pre-commit-config.yaml" <<EOF
repos:
  - repo: $HOOKS
    rev: $(git -C "$HOOKS" rev-parse HEAD)
    hooks:
      - id: pare-analyze
        args: [app-slim.tar]
EOF
printf 'app.tar\napp-slim.tar\n' >"$PC/.gitignore"
echo "$PASSING" >"$PC/.pare.json"
git -C "$PC" add -A
git -C "$PC" commit -q -m pass
git -C "$PC" remote add origin "$WORK/remote.git"
(cd "$PC" && pre-commit install -t pre-push >/dev/null)
if git -C "$PC" push -q -f origin main >"$WORK/pc.out" 2>&1; then
  pass "pre-commit: passing gates let the push through"
else
  fail "pre-commit: passing gates blocked the push"; cat "$WORK/pc.out"
fi
echo "$FAILING" >"$PC/.pare.json"
git -C "$PC" commit -q -am fail
if git -C "$PC" push -q -f origin main >"$WORK/pc.out" 2>&1; then
  fail "pre-commit: a failing gate let the push through"
elif grep -q 'FAIL .*size' "$WORK/pc.out"; then
  pass "pre-commit: a failing gate blocks the push ($(grep -m1 FAIL "$WORK/pc.out"))"
else
  fail "pre-commit: blocked without naming the gate"; cat "$WORK/pc.out"
fi

# --- the CI recipes: their pare steps, in order, in a job folder -----------------------------
# steps FILE KIND: the shell commands of the recipe's job that run pare, one per line.
steps() {
  /usr/bin/python3 - "$1" "$2" <<'PY'
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
if sys.argv[2] == "github":
    (job,) = doc["jobs"].values()
    commands = [s["run"] for s in job["steps"] if "run" in s]
    env = job.get("env", {})
else:
    (job,) = doc.values()
    commands = job["script"]
    env = job.get("variables", {})
for k, v in env.items():
    print(f"export {k}={v}")
for c in commands:
    if c.lstrip().startswith("pare ") or " pare " in c:
        print(c.strip())
PY
}

# run_job NAME FILE KIND GATES: runs the job's pare steps on the fat image as its build would
# have left it; prints the exit status.
run_job() {
  local dir=$WORK/job-$1
  mkdir -p "$dir"
  echo "$4" >"$dir/.pare.json"
  steps "$2" "$3" >"$dir/steps.sh"
  local image
  image=$(sed -n 's/^export IMAGE=//p' "$dir/steps.sh")
  cp "$FAT" "$dir/$image"
  (cd "$dir" && GITHUB_STEP_SUMMARY=$dir/summary.md bash -e steps.sh >"$dir/job.out" 2>&1) && echo 0 || echo $?
}

for kind in github gitlab; do
  file=$REPO/contrib/ci/$([ "$kind" = github ] && echo github-actions.yml || echo gitlab-ci.yml)
  n=$(steps "$file" "$kind" | grep -c 'pare ' || true)
  [ "$n" -eq 3 ] && pass "$kind: slim --check, verify and analyze are the recipe's pare steps" ||
    fail "$kind: $n pare steps"
  rc=$(run_job "$kind-pass" "$file" "$kind" "$PASSING")
  dir=$WORK/job-$kind-pass
  report=$([ "$kind" = github ] && echo "$dir/summary.md" || echo "$dir/pare-report.md")
  if [ "$rc" -eq 0 ] && grep -q '^#' "$report" && [ -s "$dir/app-slim.tar" ]; then
    pass "$kind: the job passes and writes the report ($(wc -c <"$report") bytes)"
  else
    fail "$kind: exit $rc"; tail -5 "$dir/job.out"
  fi
  [ "$(wc -c <"$report")" -lt 1048576 ] && pass "$kind: the report fits GitHub's 1024k" ||
    fail "$kind: the report is over 1024k"
  rc=$(run_job "$kind-fail" "$file" "$kind" "$FAILING")
  report=$([ "$kind" = github ] && echo "$WORK/job-$kind-fail/summary.md" || echo "$WORK/job-$kind-fail/pare-report.md")
  if [ "$rc" -eq 1 ] && grep -q 'FAIL\|fail' "$report"; then
    pass "$kind: a failed gate fails the job (exit 1) after the report is written"
  else
    fail "$kind: a failed gate gave exit $rc"; tail -5 "$WORK/job-$kind-fail/job.out"
  fi
done

echo "$CHECKS checks, $FAILURES failed"
[ "$FAILURES" -eq 0 ]
