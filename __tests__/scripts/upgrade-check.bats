#!/usr/bin/env bats
# scripts/upgrade-check.sh's interface: every bad argument is exit 2 with one line naming it, before
# any toolchain or emulator work (the whole check runs in CI through npm run upgrade-check).

load helpers

@test "upgrade-check.sh: no revision, two revisions, an unknown option or an unknown revision is exit 2, named" {
  run "$REPO_ROOT/scripts/upgrade-check.sh"
  [ "$status" -eq 2 ]
  [[ "$output" == *"missing <git-revision>"* ]]
  run "$REPO_ROOT/scripts/upgrade-check.sh" HEAD HEAD~1
  [ "$status" -eq 2 ]
  [[ "$output" == *"one revision only, got 'HEAD' and 'HEAD~1'"* ]]
  run "$REPO_ROOT/scripts/upgrade-check.sh" HEAD --kep
  [ "$status" -eq 2 ]
  [[ "$output" == *"unknown option: --kep"* ]]
  run "$REPO_ROOT/scripts/upgrade-check.sh" no-such-revision-anywhere
  [ "$status" -eq 2 ]
  [[ "$output" == *"unknown git revision: no-such-revision-anywhere"* ]]
}
