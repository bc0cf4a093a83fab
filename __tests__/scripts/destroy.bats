#!/usr/bin/env bats
# scripts/destroy.sh against fake aws / terraform / npm: confirmation rules, protection, order.

load helpers

LAKE=data-analytics-ml-analytics-lake-123456789012-use1
ATHENA=data-analytics-ml-analytics-athena-123456789012-use1
DR_LAKE=data-analytics-ml-analytics-lake-123456789012-usw2

setup() {
  common_setup
  respond npm 0 'run --silent synth' ''
  respond terraform 0 '-chdir=* init -input=false' ''
  respond terraform 0 '-chdir=* destroy -input=false -auto-approve' ''
  respond aws 0 '*s3api list-object-versions*' '0\t0'
}

destroys() { calls '^terraform .* destroy ' | sed -E 's/^terraform -chdir=[^ ]*\/([^/ ]+) destroy.*/\1/' | tr '\n' ' '; }

@test "--help explains the order, the confirmation and the exit codes" {
  run "$REPO_ROOT/scripts/destroy.sh" --help
  [ "$status" -eq 0 ]
  [[ "$output" == *"primary first and DR last"* ]]
  [[ "$output" == *"--yes and --i-understand-data-loss"* ]]
  [[ "$output" == *"4 refused"* ]]
  [ ! -s "$FAKE_CALLS" ]
}

@test "--help names the stacks it would destroy, expanded from PROJECT_NAME and ENVIRONMENT" {
  run "$REPO_ROOT/scripts/destroy.sh" --help
  [ "$status" -eq 0 ]
  [[ "$output" == *"$PRIMARY and $DR"* ]]
  [[ "$output" == *"PROJECT_NAME=data-analytics-ml and ENVIRONMENT=analytics"* ]]
  [[ "$output" != *'${'* ]]
  PROJECT_NAME=shop ENVIRONMENT=staging run "$REPO_ROOT/scripts/destroy.sh" --help
  [ "$status" -eq 0 ]
  [[ "$output" == *"shop-staging-primary and shop-staging-dr"* ]]
  [ ! -s "$FAKE_CALLS" ]
}

@test "typing the environment name back on a terminal destroys primary first, then DR" {
  run in_terminal analytics "$REPO_ROOT/scripts/destroy.sh"
  [ "$status" -eq 0 ]
  [ "$(destroys)" = "$PRIMARY $DR " ]
  [[ "$output" == *"Type the environment name (analytics) to confirm"* ]]
  [[ "$output" == *"destroyed: $PRIMARY $DR"* ]]
}

@test "a wrong or empty confirmation on a terminal destroys nothing (exit 4)" {
  run in_terminal production "$REPO_ROOT/scripts/destroy.sh"
  [ "$status" -eq 4 ]
  [[ "$output" == *'confirmation "production" does not match the environment name "analytics"; nothing was destroyed'* ]]
  [ -z "$(calls '^terraform')" ]
  run in_terminal "" "$REPO_ROOT/scripts/destroy.sh"
  [ "$status" -eq 4 ]
  [ -z "$(calls '^terraform')" ]
}

@test "the environment name arriving on a pipe or from a file is no confirmation: exit 2, nothing runs" {
  run bash -c "printf 'analytics\n' | '$REPO_ROOT/scripts/destroy.sh' all"
  [ "$status" -eq 2 ]
  [[ "$output" == *"refused: standard input is not a terminal, so the environment name cannot be typed back; non-interactive destroy needs both --yes and --i-understand-data-loss; nothing was destroyed"* ]]
  [ "$(grep -c . <<<"$output")" -eq 1 ]
  [ ! -s "$FAKE_CALLS" ]
  echo analytics >"$BATS_TEST_TMPDIR/answer"
  run "$REPO_ROOT/scripts/destroy.sh" primary <"$BATS_TEST_TMPDIR/answer"
  [ "$status" -eq 2 ]
  [ ! -s "$FAKE_CALLS" ]
}

@test "more than one target is an error naming both, before anything runs" {
  run "$REPO_ROOT/scripts/destroy.sh" dr primary --yes --i-understand-data-loss
  [ "$status" -eq 2 ]
  [[ "$output" == *"more than one target: dr and primary (give one of primary, dr, all); nothing was destroyed"* ]]
  [ ! -s "$FAKE_CALLS" ]
  run "$REPO_ROOT/scripts/destroy.sh" all all --yes --i-understand-data-loss
  [ "$status" -eq 2 ]
  [[ "$output" == *"more than one target: all and all"* ]]
}

@test "an ENVIRONMENT that is not a name is refused before it is used as a path" {
  unset PLATFORM_CONFIG_FILE
  ENVIRONMENT=../package run "$REPO_ROOT/scripts/destroy.sh" --yes --i-understand-data-loss
  [ "$status" -eq 2 ]
  [ "$output" = 'destroy.sh: config error: ENVIRONMENT = "../package": lowercase letters, digits and single hyphens, 2+ characters (S3 bucket and IAM naming rules)' ]
  [ ! -s "$FAKE_CALLS" ]
}

@test "--yes alone, or --i-understand-data-loss alone, is refused before anything runs" {
  run "$REPO_ROOT/scripts/destroy.sh" --yes </dev/null
  [ "$status" -eq 4 ]
  [[ "$output" == *"--yes and --i-understand-data-loss go together"* ]]
  run "$REPO_ROOT/scripts/destroy.sh" --i-understand-data-loss </dev/null
  [ "$status" -eq 4 ]
  [ ! -s "$FAKE_CALLS" ]
}

@test "--yes --i-understand-data-loss destroys without asking" {
  run "$REPO_ROOT/scripts/destroy.sh" all --yes --i-understand-data-loss </dev/null
  [ "$status" -eq 0 ]
  [ "$(destroys)" = "$PRIMARY $DR " ]
  [[ "$output" != *"Type the environment name"* ]]
}

@test "a protected environment is refused even with both flags" {
  echo '{ "protected": true }' >"$PLATFORM_CONFIG_FILE"
  run "$REPO_ROOT/scripts/destroy.sh" --yes --i-understand-data-loss
  [ "$status" -eq 4 ]
  [[ "$output" == *"environment analytics is protected"* ]]
  [ ! -s "$FAKE_CALLS" ]
}

@test "an unreadable protection flag refuses too (a typo never unprotects)" {
  echo '{ "protected": "yes" }' >"$PLATFORM_CONFIG_FILE"
  run "$REPO_ROOT/scripts/destroy.sh" --yes --i-understand-data-loss
  [ "$status" -eq 4 ]
  [[ "$output" == *'"protected" must be true or false'* ]]
  echo '{ "protected": ' >"$PLATFORM_CONFIG_FILE"
  run "$REPO_ROOT/scripts/destroy.sh" --yes --i-understand-data-loss
  [ "$status" -eq 4 ]
  [ ! -s "$FAKE_CALLS" ]
}

@test "reads protection from config/<ENVIRONMENT>.json when no PLATFORM_CONFIG_FILE is given" {
  unset PLATFORM_CONFIG_FILE
  ENVIRONMENT=no-such-environment-file run "$REPO_ROOT/scripts/destroy.sh" --yes --i-understand-data-loss
  # No file: the default (unprotected) applies; the stacks of that environment were not synthesized.
  [ "$status" -eq 1 ]
  [[ "$output" == *"data-analytics-ml-no-such-environment-file-primary was not synthesized"* ]]
}

@test "says which buckets hold data and what force_destroy and the lifecycle do with it" {
  respond aws 0 "*s3api list-object-versions --region us-east-1 --bucket $LAKE *" '1\t0'
  respond aws 0 "*s3api list-object-versions --region us-east-1 --bucket $ATHENA *" '1\t1'
  respond aws 254 "*s3api list-object-versions --region us-west-2 --bucket $DR_LAKE *" 'An error occurred (NoSuchBucket) when calling the ListObjectVersions operation'
  run in_terminal analytics "$REPO_ROOT/scripts/destroy.sh"
  [ "$status" -eq 0 ]
  [[ "$output" == *"$LAKE: HOLDS DATA. force_destroy=false: terraform destroy stops at this bucket (BucketNotEmpty)"* ]]
  [[ "$output" == *"its lifecycle rules keep deleting it over time: quarantine/ objects expire after 90 d; old versions after 30 d."* ]]
  [[ "$output" == *"$ATHENA: HOLDS DATA. force_destroy=true: terraform destroy deletes every object and every old version in it, permanently"* ]]
  [[ "$output" == *"$DR_LAKE: does not exist"* ]]
  [[ "$output" == *"1 bucket(s) with data and force_destroy=false"* ]]
}

@test "primary alone keeps the DR replica; dr alone warns about the primary's replication" {
  run "$REPO_ROOT/scripts/destroy.sh" primary --yes --i-understand-data-loss
  [ "$status" -eq 0 ]
  [ "$(destroys)" = "$PRIMARY " ]
  [[ "$output" == *"its lake keeps the replica of the primary lake"* ]]
  : >"$FAKE_CALLS"
  run "$REPO_ROOT/scripts/destroy.sh" dr --yes --i-understand-data-loss
  [ "$status" -eq 0 ]
  [ "$(destroys)" = "$DR " ]
  [[ "$output" == *"WARNING: the primary stack stays and replicates into the DR lake"* ]]
}

@test "a failing primary destroy stops before DR, names the stack, exit 1" {
  respond terraform 1 "-chdir=*$PRIMARY destroy*" 'Error: deleting S3 Bucket: BucketNotEmpty'
  run "$REPO_ROOT/scripts/destroy.sh" --yes --i-understand-data-loss
  [ "$status" -eq 1 ]
  [[ "$output" == *"FAILED: stack $PRIMARY: terraform destroy failed"* ]]
  [ "$(destroys)" = "$PRIMARY " ]
}

@test "missing credentials exit 3 before anything is synthesized" {
  respond aws 255 '*sts get-caller-identity*' 'Unable to locate credentials'
  run "$REPO_ROOT/scripts/destroy.sh" --yes --i-understand-data-loss
  [ "$status" -eq 3 ]
  [[ "$output" == *"AWS credentials not usable"* ]]
  [ -z "$(calls '^(npm|terraform)')" ]
}

@test "an unknown argument exits 2" {
  run "$REPO_ROOT/scripts/destroy.sh" everything
  [ "$status" -eq 2 ]
  [[ "$output" == *"unknown argument: everything"* ]]
}
