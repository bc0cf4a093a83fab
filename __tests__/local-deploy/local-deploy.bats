#!/usr/bin/env bats
# The whole local deployment (npm run test:local-deploy, about 4 minutes on 2 cores): both stacks
# applied into moto through deploy.sh, plan after apply without changes, monitor.sh against it.
# Not part of npm test; CI runs it after the main tests.

setup_file() {
  REPO_ROOT="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
  export REPO_ROOT
  export TMPDIR="$BATS_FILE_TMPDIR"
  unset PROJECT_NAME ENVIRONMENT PLATFORM_CONFIG_FILE
  local status=0
  "$REPO_ROOT/scripts/local-deploy.sh" --keep >"$BATS_FILE_TMPDIR/output" 2>&1 || status=$?
  echo "$status" >"$BATS_FILE_TMPDIR/status"
}

teardown_file() {
  rm -rf "$BATS_FILE_TMPDIR"/daml-local-deploy.*
}

setup() {
  output="$(cat "$BATS_FILE_TMPDIR/output")"
  status="$(cat "$BATS_FILE_TMPDIR/status")"
  WORK="$(sed -n 's/^local-deploy: working directory kept: \([^ ]*\) .*/\1/p' <<<"$output")"
  STACKS="$WORK/cdktf.out/stacks"
  export TF_CLI_CONFIG_FILE="${DAML_TOOLCHAIN_DIR:-$HOME/.cache/data-analytics-ml/toolchain}/terraformrc"
  TF="${DAML_TOOLCHAIN_DIR:-$HOME/.cache/data-analytics-ml/toolchain}/bin/terraform"
}

@test "both stacks are applied through deploy.sh, DR first, and the run succeeds" {
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"local-deploy: OK: both stacks applied and converged"* ]]
  dr_line="$(grep -n 'deploy.sh: deploying stack data-analytics-ml-analytics-dr' "$WORK/deploy.log" | cut -d: -f1)"
  primary_line="$(grep -n 'deploy.sh: deploying stack data-analytics-ml-analytics-primary' "$WORK/deploy.log" | cut -d: -f1)"
  [ -n "$dr_line" ] && [ -n "$primary_line" ] && [ "$dr_line" -lt "$primary_line" ]
  [ "$(grep -c 'Apply complete!' "$WORK/deploy.log")" -eq 2 ]
}

@test "terraform plan after apply shows no changes in either stack" {
  grep -qE '^local-deploy: plan after apply: data-analytics-ml-analytics-dr: no changes' <<<"$output"
  grep -qE '^local-deploy: plan after apply: data-analytics-ml-analytics-primary: no changes' <<<"$output"
}

@test "N of M: every resource kept in the local synth is in the state; kept plus excluded is the stack for AWS" {
  for role in dr primary; do
    line="$(grep -E "^  data-analytics-ml-analytics-$role: [0-9]+ of [0-9]+ resources applied; [0-9]+ excluded" <<<"$output")"
    echo "$line"
    read -r applied total excluded < <(sed -E 's/^[^:]+: ([0-9]+) of ([0-9]+) resources applied; ([0-9]+) excluded.*/\1 \2 \3/' <<<"$line")
    [ $((applied + excluded)) -eq "$total" ]
    in_state="$("$TF" -chdir="$STACKS/data-analytics-ml-analytics-$role" state list | grep -cv '^data\.')"
    [ "$in_state" -eq "$applied" ]
    # The core of the platform is really there.
    state="$("$TF" -chdir="$STACKS/data-analytics-ml-analytics-$role" state list)"
    for type in aws_kinesis_stream aws_lambda_function aws_sagemaker_endpoint aws_apigatewayv2_api aws_cloudwatch_dashboard aws_glue_catalog_table aws_kms_key; do
      grep -q "^$type\." <<<"$state" || { echo "no $type in the $role state"; return 1; }
    done
  done
}

@test "monitor.sh ran every check against the emulator; its figures are reported with its exit status" {
  grep -qE '^  monitor: (OK|WARN|CRIT) \([0-9]+ OK, [0-9]+ WARN, [0-9]+ CRIT, 0 could not run\)' <<<"$output"
  grep -qE '^  monitor.sh: exit [012] ' <<<"$output"
  grep -qE '^  +OK +sagemaker +us-east-1 .* status +InService' <<<"$output"
  grep -qE '^  +OK +dashboard +us-west-2 ' <<<"$output"
}

@test "moto is stopped at the end" {
  port="$(sed -n 's#^local-deploy: moto [^ ]* at http://127.0.0.1:\([0-9]*\);.*#\1#p' <<<"$output")"
  [ -n "$port" ]
  ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
}
