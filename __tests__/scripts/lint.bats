#!/usr/bin/env bats
# The operations scripts are shellcheck-clean and all answer --help.

load helpers

@test "scripts are shellcheck-clean" {
  command -v shellcheck >/dev/null || {
    echo "shellcheck is not installed: apt-get install -y shellcheck" >&2
    return 1
  }
  run shellcheck -x "$REPO_ROOT"/scripts/*.sh "$REPO_ROOT"/scripts/lib/*.sh "$REPO_ROOT"/ml/*.sh "$REPO_ROOT/.ci/run" \
    "$BATS_TEST_DIRNAME"/fakes/* "$BATS_TEST_DIRNAME/helpers.bash"
  echo "$output"
  [ "$status" -eq 0 ]
}

@test "every script answers --help with its usage and exit status" {
  for script in deploy monitor destroy upgrade-check dr; do
    run "$REPO_ROOT/scripts/$script.sh" --help
    [ "$status" -eq 0 ]
    [[ "$output" == "Usage: scripts/$script.sh"* ]]
    [[ "$output" == *"Exit status"* ]]
  done
}
