#!/usr/bin/env bats
# scripts/deploy.sh against fake aws / terraform / npm.

load helpers

setup() {
  common_setup
  respond npm 0 'run --silent synth' ''
  respond terraform 0 '-chdir=* init -input=false' ''
  respond terraform 0 '-chdir=* apply -input=false*' ''
  respond terraform 0 "-chdir=*$DR output" 'lake_bucket = "dr-lake"'
  respond terraform 0 "-chdir=*$PRIMARY output" 'lake_bucket = "primary-lake"'
}

@test "--help describes arguments, order and exit codes" {
  run "$REPO_ROOT/scripts/deploy.sh" --help
  [ "$status" -eq 0 ]
  [[ "$output" == *"Usage: scripts/deploy.sh [primary|dr|all] [--auto-approve]"* ]]
  [[ "$output" == *"DR first and then primary"* ]]
  [[ "$output" == *"Exit status"* ]]
  [ ! -s "$FAKE_CALLS" ]
}

@test "an unknown argument exits 2 and names it" {
  run "$REPO_ROOT/scripts/deploy.sh" everything
  [ "$status" -eq 2 ]
  [[ "$output" == *"unknown argument: everything"* ]]
  [ ! -s "$FAKE_CALLS" ]
}

@test "all: synthesizes once, then init + apply + output for DR before primary" {
  run "$REPO_ROOT/scripts/deploy.sh"
  [ "$status" -eq 0 ]
  sequence="$(grep -vE '^aws ' "$FAKE_CALLS")"
  expected="npm run --silent synth
terraform -chdir=$DAML_STACKS_DIR/$DR init -input=false
terraform -chdir=$DAML_STACKS_DIR/$DR apply -input=false
terraform -chdir=$DAML_STACKS_DIR/$DR output
terraform -chdir=$DAML_STACKS_DIR/$PRIMARY init -input=false
terraform -chdir=$DAML_STACKS_DIR/$PRIMARY apply -input=false
terraform -chdir=$DAML_STACKS_DIR/$PRIMARY output"
  [ "$sequence" = "$expected" ]
  [[ "$output" == *"== outputs of $DR"*'lake_bucket = "dr-lake"'*"== outputs of $PRIMARY"*'lake_bucket = "primary-lake"'* ]]
  [[ "$output" == *"deployed: $DR $PRIMARY"* ]]
}

@test "--auto-approve is passed to terraform apply" {
  run "$REPO_ROOT/scripts/deploy.sh" all --auto-approve
  [ "$status" -eq 0 ]
  [ "$(calls ' apply -input=false -auto-approve$' | wc -l)" -eq 2 ]
}

@test "primary or dr alone deploys only that stack" {
  run "$REPO_ROOT/scripts/deploy.sh" primary
  [ "$status" -eq 0 ]
  [ -z "$(calls "$DR")" ]
  [ "$(calls "$PRIMARY apply")" != "" ]
  : >"$FAKE_CALLS"
  run "$REPO_ROOT/scripts/deploy.sh" dr
  [ "$status" -eq 0 ]
  [ -z "$(calls "$PRIMARY")" ]
}

@test "a failing DR apply stops before the primary, names the stack and exits 1" {
  respond terraform 1 "-chdir=*$DR apply*" 'Error: creating S3 Bucket: BucketAlreadyExists'
  run "$REPO_ROOT/scripts/deploy.sh" --auto-approve
  [ "$status" -eq 1 ]
  [[ "$output" == *"FAILED: stack $DR: terraform apply failed"* ]]
  [ -z "$(calls "$PRIMARY")" ]
}

@test "a failing primary apply names the primary, the DR prerequisite and what was already deployed" {
  respond terraform 1 "-chdir=*$PRIMARY apply*" 'Error: reading S3 Bucket: NotFound'
  run "$REPO_ROOT/scripts/deploy.sh" --auto-approve
  [ "$status" -eq 1 ]
  [[ "$output" == *"FAILED: stack $PRIMARY: terraform apply failed; the primary needs the DR stack deployed first"* ]]
  [[ "$output" == *"already deployed: $DR"* ]]
}

@test "a failing init or synth exits 1 without applying" {
  respond terraform 1 "-chdir=*$DR init*" 'Error: Failed to query available provider packages'
  run "$REPO_ROOT/scripts/deploy.sh"
  [ "$status" -eq 1 ]
  [[ "$output" == *"FAILED: stack $DR: terraform init failed"* ]]
  [ -z "$(calls ' apply ')" ]

  : >"$FAKE_CALLS"
  respond npm 1 'run --silent synth' 'config error: kinesis.shardCount = 0'
  run "$REPO_ROOT/scripts/deploy.sh"
  [ "$status" -eq 1 ]
  [[ "$output" == *"build or synth failed"* ]]
  [ -z "$(calls '^terraform')" ]
}

@test "missing AWS credentials: exit 3 with a clear message, nothing built" {
  respond aws 255 '*sts get-caller-identity*' 'Unable to locate credentials. You can configure credentials by running "aws configure".'
  run "$REPO_ROOT/scripts/deploy.sh"
  [ "$status" -eq 3 ]
  [[ "$output" == *"AWS credentials not usable"*"Unable to locate credentials"* ]]
  [ -z "$(calls '^(npm|terraform)')" ]
}

@test "missing terraform and node are each named, exit 3" {
  restricted="$(path_without terraform node)"
  PATH="$restricted" run "$REPO_ROOT/scripts/deploy.sh"
  [ "$status" -eq 3 ]
  [[ "$output" == *"missing prerequisite: node not found"* ]]
  [[ "$output" == *"missing prerequisite: terraform not found"* ]]
  [ -z "$(calls '^npm')" ]
}

@test "missing aws CLI is named, exit 3" {
  restricted="$(path_without aws)"
  PATH="$restricted" run "$REPO_ROOT/scripts/deploy.sh"
  [ "$status" -eq 3 ]
  [[ "$output" == *"aws CLI not found"* ]]
}

@test "AWS_ENDPOINT_URL is followed by the synth (LOCAL_AWS_ENDPOINT, the local entry point)" {
  respond npm 0 'run --silent synth:local' ''
  AWS_ENDPOINT_URL=http://127.0.0.1:5000 run "$REPO_ROOT/scripts/deploy.sh" dr
  [ "$status" -eq 0 ]
  [[ "$output" == *"LOCAL_AWS_ENDPOINT=http://127.0.0.1:5000"* ]]
  [ "$(calls '^npm ')" = "npm run --silent synth:local [AWS_ENDPOINT_URL=http://127.0.0.1:5000]" ]
}
