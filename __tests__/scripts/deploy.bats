#!/usr/bin/env bats
# scripts/deploy.sh against fake aws / terraform / npm.

load helpers

setup() {
  common_setup
  # Most tests deploy a development environment, which may keep its state locally.
  echo '{ "development": true }' >"$PLATFORM_CONFIG_FILE"
  respond npm 0 'run --silent synth' ''
  respond terraform 0 '-chdir=* init -input=false' ''
  respond terraform 0 '-chdir=* apply -input=false*' ''
  respond terraform 0 "-chdir=*$DR output" 'lake_bucket = "dr-lake"'
  respond terraform 0 "-chdir=*$PRIMARY output" 'lake_bucket = "primary-lake"'
}

@test "--help describes arguments, order and exit codes" {
  run "$REPO_ROOT/scripts/deploy.sh" --help
  [ "$status" -eq 0 ]
  [[ "$output" == *"Usage: scripts/deploy.sh [primary|dr|all] [--auto-approve] [--allow-local-state]"* ]]
  [[ "$output" == *"DR first and then primary"* ]]
  [[ "$output" == *"Exit status"* ]]
  [ ! -s "$FAKE_CALLS" ]
}

@test "--help names the stacks it would deploy, expanded from PROJECT_NAME and ENVIRONMENT" {
  run "$REPO_ROOT/scripts/deploy.sh" --help
  [ "$status" -eq 0 ]
  [[ "$output" == *"$PRIMARY and $DR"* ]]
  [[ "$output" == *"PROJECT_NAME=data-analytics-ml and ENVIRONMENT=analytics"* ]]
  [[ "$output" != *'${'* ]]
  PROJECT_NAME=shop ENVIRONMENT=staging run "$REPO_ROOT/scripts/deploy.sh" --help
  [ "$status" -eq 0 ]
  [[ "$output" == *"shop-staging-primary and shop-staging-dr"* ]]
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

@test "no AWS region: named as a missing region with how to set it, not as credentials; exit 3" {
  respond aws 255 '*sts get-caller-identity*' 'You must specify a region. You can also configure your region by running "aws configure".'
  run "$REPO_ROOT/scripts/deploy.sh"
  [ "$status" -eq 3 ]
  [[ "$output" == *"missing prerequisite: no AWS region for the AWS CLI: export AWS_REGION=<region>"* ]]
  [[ "$output" != *"credentials not usable"* ]]
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

@test "local state for an environment that is not a development one is refused (exit 4) before anything is built" {
  echo '{}' >"$PLATFORM_CONFIG_FILE"
  run "$REPO_ROOT/scripts/deploy.sh" --auto-approve
  [ "$status" -eq 4 ]
  [[ "$output" == *"refused: environment analytics is not a development one and TF_STATE_BUCKET is not set, so its Terraform state would exist only on this machine; set TF_STATE_BUCKET (remote state), mark it \"development\": true in $PLATFORM_CONFIG_FILE, or pass --allow-local-state; nothing was deployed"* ]]
  [ -z "$(calls '^(npm|terraform)')" ]
  echo '{ "development": false }' >"$PLATFORM_CONFIG_FILE"
  run "$REPO_ROOT/scripts/deploy.sh" --auto-approve
  [ "$status" -eq 4 ]
  echo '{ "development": "yes" }' >"$PLATFORM_CONFIG_FILE"
  run "$REPO_ROOT/scripts/deploy.sh" --auto-approve
  [ "$status" -eq 4 ]
  [[ "$output" == *'"development" must be true or false, got "yes"'* ]]
  echo 'null' >"$PLATFORM_CONFIG_FILE"
  run "$REPO_ROOT/scripts/deploy.sh" --auto-approve
  [ "$status" -eq 4 ]
  [[ "$output" == *"must hold a JSON object, got null"* ]]
  [ -z "$(calls '^(npm|terraform)')" ]
}

@test "--allow-local-state deploys such an environment, warning loudly" {
  echo '{}' >"$PLATFORM_CONFIG_FILE"
  run "$REPO_ROOT/scripts/deploy.sh" --auto-approve --allow-local-state
  [ "$status" -eq 0 ]
  [[ "$output" == *"WARNING: environment analytics is NOT a development environment and TF_STATE_BUCKET is not set."* ]]
  [ "$(grep -c 'WARNING' <<<"$output")" -ge 4 ]
  [[ "$output" == *"deployed: $DR $PRIMARY"* ]]
}

@test "with TF_STATE_BUCKET, or for a development environment, nothing is refused or warned about" {
  echo '{}' >"$PLATFORM_CONFIG_FILE"
  TF_STATE_BUCKET=team-state run "$REPO_ROOT/scripts/deploy.sh" --auto-approve
  [ "$status" -eq 0 ]
  [[ "$output" != *"WARNING"* ]]
  echo '{ "development": true }' >"$PLATFORM_CONFIG_FILE"
  run "$REPO_ROOT/scripts/deploy.sh" --auto-approve
  [ "$status" -eq 0 ]
  [[ "$output" != *"WARNING"* ]]
}

@test "says where each stack's local state lives: state/<stack>.tfstate beside the output directory" {
  for stack in "$DR" "$PRIMARY"; do
    node -e 'const f = process.argv[1]; const j = JSON.parse(require("fs").readFileSync(f, "utf8")); j.terraform = { ...j.terraform, backend: { local: { path: `../../../state/${process.argv[2]}.tfstate` } } }; require("fs").writeFileSync(f, JSON.stringify(j))' "$DAML_STACKS_DIR/$stack/cdk.tf.json" "$stack"
  done
  # The stacks directory stands for <outdir>/stacks: the state folder is beside <outdir>.
  beside="$(cd "$DAML_STACKS_DIR/../.." && pwd)/state"
  run "$REPO_ROOT/scripts/deploy.sh" --auto-approve
  [ "$status" -eq 0 ]
  [[ "$output" == *"stack $DR: local Terraform state in $beside/$DR.tfstate"* ]]
  [[ "$output" == *"stack $PRIMARY: local Terraform state in $beside/$PRIMARY.tfstate"* ]]
}

@test "state still where earlier versions kept it (inside the stack folder) is named with how to move it, and nothing is applied" {
  for stack in "$DR" "$PRIMARY"; do
    node -e 'const f = process.argv[1]; const j = JSON.parse(require("fs").readFileSync(f, "utf8")); j.terraform = { ...j.terraform, backend: { local: { path: `../../../state/${process.argv[2]}.tfstate` } } }; require("fs").writeFileSync(f, JSON.stringify(j))' "$DAML_STACKS_DIR/$stack/cdk.tf.json" "$stack"
  done
  echo '{"version": 4, "serial": 7}' >"$DAML_STACKS_DIR/$DR/terraform.$DR.tfstate"
  run "$REPO_ROOT/scripts/deploy.sh" --auto-approve
  [ "$status" -eq 1 ]
  [[ "$output" == *"stack $DR: its Terraform state is still at $DAML_STACKS_DIR/$DR/terraform.$DR.tfstate"* ]]
  [[ "$output" == *"init -migrate-state -force-copy"* ]]
  [ -z "$(calls ' (init|apply) ')" ]
  # Once moved, the deployment goes ahead.
  beside="$(cd "$DAML_STACKS_DIR/../.." && pwd)/state"
  mkdir -p "$beside" && mv "$DAML_STACKS_DIR/$DR/terraform.$DR.tfstate" "$beside/$DR.tfstate"
  run "$REPO_ROOT/scripts/deploy.sh" --auto-approve
  [ "$status" -eq 0 ]
}

@test "more than one target, or an ENVIRONMENT that is not a name, exits 2 before anything runs" {
  run "$REPO_ROOT/scripts/deploy.sh" dr primary
  [ "$status" -eq 2 ]
  [[ "$output" == *"more than one target: dr and primary (give one of primary, dr, all)"* ]]
  unset PLATFORM_CONFIG_FILE
  ENVIRONMENT=../package run "$REPO_ROOT/scripts/deploy.sh"
  [ "$status" -eq 2 ]
  [ "$output" = 'deploy.sh: config error: ENVIRONMENT = "../package": lowercase letters, digits and single hyphens, 2+ characters (S3 bucket and IAM naming rules)' ]
  PROJECT_NAME=../x run "$REPO_ROOT/scripts/deploy.sh"
  [ "$status" -eq 2 ]
  [[ "$output" == *'config error: PROJECT_NAME = "../x"'* ]]
  [ ! -s "$FAKE_CALLS" ]
}
