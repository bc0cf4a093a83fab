#!/usr/bin/env bats
# The operations scripts are shellcheck-clean and all answer --help.

load helpers

@test "scripts are shellcheck-clean" {
  command -v shellcheck >/dev/null || {
    echo "shellcheck is not installed: apt-get install -y shellcheck" >&2
    return 1
  }
  run shellcheck -x "$REPO_ROOT/scripts/deploy.sh" "$REPO_ROOT/scripts/monitor.sh" "$REPO_ROOT/scripts/destroy.sh" "$REPO_ROOT/scripts/upgrade-check.sh" \
    "$REPO_ROOT"/scripts/lib/*.sh "$BATS_TEST_DIRNAME/fakes/fake-command" "$BATS_TEST_DIRNAME/helpers.bash"
  echo "$output"
  [ "$status" -eq 0 ]
}

@test "every script answers --help with its usage and exit status" {
  for script in deploy monitor destroy upgrade-check; do
    run "$REPO_ROOT/scripts/$script.sh" --help
    [ "$status" -eq 0 ]
    [[ "$output" == "Usage: scripts/$script.sh"* ]]
    [[ "$output" == *"Exit status"* ]]
  done
}
