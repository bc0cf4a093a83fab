#!/usr/bin/env bats
# scripts/scan.sh reads every block a synthesized stack can hold: a "moved" array (an upgrade's
# renamed addresses) and terraform.required_version made checkov 3.3.30 report "Failed to parse"
# and check nothing. The copy it scans keeps every resource on its original line.

load helpers

stack_with_moved_block() {
  cat >"$1" <<'JSON'
{
  "terraform": {
    "required_version": ">= 1.11.0",
    "required_providers": {
      "aws": {
        "source": "aws",
        "version": "6.25.0"
      }
    }
  },
  "moved": [
    {
      "from": "aws_sqs_queue.old_name",
      "to": "aws_sqs_queue.queue"
    }
  ],
  "resource": {
    "aws_sqs_queue": {
      "queue": {
        "name": "orders",
        "sqs_managed_sse_enabled": true
      }
    }
  }
}
JSON
}

@test "checkov-normalize.py: moved arrays and terraform scalars become {}, every other line is unchanged" {
  stack_with_moved_block "$BATS_TEST_TMPDIR/in.json"
  python3 "$REPO_ROOT/scripts/lib/checkov-normalize.py" "$BATS_TEST_TMPDIR/in.json" "$BATS_TEST_TMPDIR/out.json"
  [ "$(wc -l <"$BATS_TEST_TMPDIR/in.json")" -eq "$(wc -l <"$BATS_TEST_TMPDIR/out.json")" ]
  run python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["moved"], d["terraform"]["required_version"], d["resource"]["aws_sqs_queue"]["queue"]["name"])' "$BATS_TEST_TMPDIR/out.json"
  [ "$output" = "{} {} orders" ]
  # The resource block sits on the same lines as in the source.
  [ "$(grep -n '"orders"' "$BATS_TEST_TMPDIR/in.json")" = "$(grep -n '"orders"' "$BATS_TEST_TMPDIR/out.json")" ]
}

@test "scan.sh --toolchain path: the checkov on PATH, named in the summary, parses a stack with a moved block and checks it" {
  stacks="$BATS_TEST_TMPDIR/scan-stacks"
  mkdir -p "$stacks/upgraded"
  stack_with_moved_block "$stacks/upgraded/cdk.tf.json"
  # Through --toolchain path with the pinned checkov on PATH: one checkov run covers both.
  mkdir -p "$BATS_TEST_TMPDIR/bin"
  eval "$(bash "$REPO_ROOT/scripts/toolchain.sh" --only checkov --print-env 2>/dev/null)"
  ln -sf "$DAML_CHECKOV" "$BATS_TEST_TMPDIR/bin/checkov"
  PATH="$BATS_TEST_TMPDIR/bin:$PATH" run bash "$REPO_ROOT/scripts/scan.sh" --stacks-dir "$stacks" --toolchain path
  [[ "$output" == *"scan: toolchain path: checkov 3.3.30 (on PATH: $BATS_TEST_TMPDIR/bin/checkov), config"* ]]
  [[ "$output" != *"NOTE"* ]]
  [[ "$output" != *"PARSING ERRORS"* ]]
  [[ "$output" != *"Failed to parse"* ]]
  # The queue was checked: its row counts at least one passed or failed check.
  row=$(grep -E '^upgraded ' <<<"$output")
  read -r _ passed failed _ <<<"$row"
  [ $((passed + failed)) -gt 0 ]
}

@test "scan.sh --toolchain path without a checkov on PATH: one line, exit 3; a bad value: exit 2" {
  stacks="$BATS_TEST_TMPDIR/scan-stacks"
  mkdir -p "$stacks/upgraded"
  stack_with_moved_block "$stacks/upgraded/cdk.tf.json"
  PATH="$(path_without checkov)" run bash "$REPO_ROOT/scripts/scan.sh" --stacks-dir "$stacks" --toolchain path
  [ "$status" -eq 3 ]
  [ "$output" = "scan.sh: --toolchain path: no checkov on PATH (pip install checkov==3.3.30, or use --toolchain build)" ]
  run bash "$REPO_ROOT/scripts/scan.sh" --stacks-dir "$stacks" --toolchain pip
  [ "$status" -eq 2 ]
  [ "$output" = "scan.sh: --toolchain must be auto, path or build, got 'pip'" ]
}
