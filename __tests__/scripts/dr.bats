#!/usr/bin/env bats
# scripts/dr.sh against a fake aws CLI: arguments, environment, status, failover and failback.

load helpers

ACTIVE=/data-analytics-ml-analytics/active-region
RECORD=/data-analytics-ml-analytics/dr-failover-state
DR_ENDPOINT=data-analytics-ml-analytics-scoring-usw2
DR_STREAM=data-analytics-ml-analytics-events-usw2
PRIMARY_LAKE=data-analytics-ml-analytics-lake-$ACCOUNT-use1
DR_LAKE=data-analytics-ml-analytics-lake-$ACCOUNT-usw2
WINDOW=2026-03-20T10:00:00Z

# The DR stack: the primary fixture moved to us-west-2 (its own stream, endpoint and lake).
dr_stack() {
  sed 's/use1/usw2/g; s/"region": "us-east-1"/"region": "us-west-2"/' "$BATS_TEST_DIRNAME/fixtures/primary.cdk.tf.json" >"$DAML_STACKS_DIR/$DR/cdk.tf.json"
}

# failover_capacity JSON: gives the DR stack an output inference_failover_capacity with that value.
failover_capacity() {
  node -e '
    const fs = require("fs");
    const [file, value] = process.argv.slice(1);
    const stack = JSON.parse(fs.readFileSync(file, "utf8"));
    stack.output = { inference_failover_capacity: { value } };
    fs.writeFileSync(file, JSON.stringify(stack));
  ' "$DAML_STACKS_DIR/$DR/cdk.tf.json" "$1"
}

not_found() { respond aws 254 "*ssm get-parameter --region $1 --name $2 *" "An error occurred (ParameterNotFound) when calling the GetParameter operation: Parameter $2 not found."; }
recorded() { respond aws 0 "*ssm get-parameter --region us-west-2 --name $RECORD *" "{\"windowStart\":\"$WINDOW\",\"primaryRegion\":\"us-east-1\",\"drRegion\":\"us-west-2\"}"; }
changes() { calls 'put-parameter|delete-parameter|update-endpoint|s3 cp'; }

setup() {
  common_setup
  dr_stack
  export DAML_DR_POLL_SECONDS=0
  # A ready DR region before any failover: the active-region parameter not created yet, no record.
  not_found us-east-1 "$ACTIVE"
  not_found us-west-2 "$ACTIVE"
  not_found us-west-2 "$RECORD"
  respond aws 0 '*cloudwatch get-metric-statistics*' ''
  respond aws 0 '*sagemaker describe-endpoint*EndpointStatus*' 'InService'
  respond aws 0 '*sagemaker describe-endpoint*ProductionVariants*' 'champion\t1\nchallenger\t1'
  respond aws 0 "*kinesis describe-stream-summary --region us-west-2 --stream-name $DR_STREAM *" 'ACTIVE'
  respond aws 0 '*ssm put-parameter*' '{"Version": 1}'
  respond aws 0 '*ssm delete-parameter*' ''
  respond aws 0 '*sagemaker update-endpoint-weights-and-capacities*' "{\"EndpointArn\": \"arn:aws:sagemaker:us-west-2:$ACCOUNT:endpoint/$DR_ENDPOINT\"}"
  respond aws 0 '*s3api head-bucket*' ''
  respond aws 0 "*s3api list-objects-v2 --region us-west-2 --bucket $DR_LAKE *" \
    "raw/old.json\t10\t\"e0\"\t2026-03-19T09:00:00.000Z\ncurated/a.parquet\t100\t\"e1\"\t2026-03-20T10:05:00.000Z\ncurated/b.parquet\t200\t\"e2\"\t2026-03-20T11:00:00.000Z"
  respond aws 254 '*s3api head-object*' 'An error occurred (404) when calling the HeadObject operation: Not Found'
  respond aws 0 '*s3 cp*' ''
}

@test "--help lists the subcommands, options and exit codes, and calls nothing" {
  run "$REPO_ROOT/scripts/dr.sh" --help
  [ "$status" -eq 0 ]
  for word in status failover failback --dry-run --json --deadline --since inference_failover_capacity /\<project\>-\<environment\>/active-region "Exit status: 0"; do
    [[ "$output" == *"$word"* ]]
  done
  [[ "$output" != *drill* ]]
  [ ! -s "$FAKE_CALLS" ]
}

@test "bad arguments exit 2 with a message naming them, before any AWS call" {
  for args in "" "bogus" "status failover" "status --dry-run" "failover --since $WINDOW" "failback --since yesterday-ish" \
    "failover --deadline 0" "failover --deadline soon" "failback --since" "drill"; do
    # shellcheck disable=SC2086  # one word per argument
    run "$REPO_ROOT/scripts/dr.sh" $args
    echo "$args -> $status: $output"
    [ "$status" -eq 2 ]
    [[ "$output" == *"dr.sh: "* ]]
  done
  run "$REPO_ROOT/scripts/dr.sh" failover --deadline soon
  [[ "$output" == *'--deadline "soon": a whole number of minutes'* ]]
  [ ! -s "$FAKE_CALLS" ]
}

@test "a stack not synthesized exits 3 naming it, and changes nothing" {
  rm "$DAML_STACKS_DIR/$DR/cdk.tf.json"
  run "$REPO_ROOT/scripts/dr.sh" failover
  [ "$status" -eq 3 ]
  [[ "$output" == *"stack $DR not found"*"npm run synth"* ]]
  [ -z "$(changes)" ]
}

@test "no aws CLI exits 3" {
  PATH="$(path_without aws)" run "$REPO_ROOT/scripts/dr.sh" status
  [ "$status" -eq 3 ]
  [[ "$output" == *aws* ]]
}

@test "status: active region per region, no failover, lake, endpoint and stream lines; exit 0 when ready" {
  respond aws 0 "*ssm get-parameter --region us-east-1 --name $ACTIVE *" 'us-east-1'
  respond aws 0 '*cloudwatch get-metric-statistics*--metric-name ReplicationLatency*' '30\n90'
  run "$REPO_ROOT/scripts/dr.sh" status
  echo "$output"
  [ "$status" -eq 0 ]
  grep -qx 'active region per us-east-1: us-east-1' <<<"$output"
  grep -qx 'active region per us-west-2: (not set)' <<<"$output"
  grep -qx 'no failover in progress' <<<"$output"
  grep -qE "^OK +lake +RPO 1.5 min +replication $PRIMARY_LAKE -> $DR_LAKE: latency 90 s" <<<"$output"
  grep -qE "^OK +endpoint .*$DR_ENDPOINT InService \(champion=1,challenger=1\)" <<<"$output"
  grep -qE "^OK +stream .*$DR_STREAM ACTIVE" <<<"$output"
  [ -n "$(calls "cloudwatch get-metric-statistics --region us-east-1 --namespace AWS/S3 --metric-name ReplicationLatency --dimensions Name=SourceBucket,Value=$PRIMARY_LAKE Name=DestinationBucket,Value=$DR_LAKE Name=RuleId,Value=lake-to-dr ")" ]
  [ -z "$(changes)" ]
}

@test "status: a DR endpoint not InService is CRIT and exit 1; --json carries the same" {
  respond aws 0 '*sagemaker describe-endpoint*EndpointStatus*' 'Updating'
  recorded
  run "$REPO_ROOT/scripts/dr.sh" status
  [ "$status" -eq 1 ]
  grep -qE "^CRIT +endpoint .*$DR_ENDPOINT Updating" <<<"$output"
  grep -qx "failover in progress since $WINDOW ($RECORD in us-west-2)" <<<"$output"
  run "$REPO_ROOT/scripts/dr.sh" status --json
  [ "$status" -eq 1 ]
  node -e '
    const doc = JSON.parse(process.argv[1]);
    const by = Object.fromEntries(doc.components.map((c) => [c.component, c.status]));
    const ok = doc.command === "status" && doc.exitCode === 1 && doc.drRegion === "us-west-2" && doc.activeRegion["us-west-2"] === "(not set)" &&
      doc.failover.windowStart === process.argv[2] && by.endpoint === "CRIT" && by.stream === "OK" && by.lake === "OK";
    if (!ok) { console.error(JSON.stringify(doc)); process.exit(1); }
  ' "$output" "$WINDOW"
}

@test "status --json: a failover record that is not JSON is carried as a string, the document stays valid" {
  respond aws 0 "*ssm get-parameter --region us-west-2 --name $RECORD *" 'started by hand "Tuesday"'
  run "$REPO_ROOT/scripts/dr.sh" status --json
  [ "$status" -eq 0 ]
  node -e 'const doc = JSON.parse(process.argv[1]); if (doc.failover !== "started by hand \"Tuesday\"") process.exit(1);' "$output"
}

@test "failover --dry-run prints every step and the calls it would make, and changes nothing" {
  failover_capacity '{"champion":3,"challenger":1}'
  run "$REPO_ROOT/scripts/dr.sh" failover --dry-run
  echo "$output"
  [ "$status" -eq 0 ]
  grep -qE '^OK .*DR readiness in us-west-2: endpoint InService, stream ACTIVE' <<<"$output"
  grep -qE "^PLANNED .*record the failover in $RECORD" <<<"$output"
  grep -qE '^PLANNED .*active region -> us-west-2' <<<"$output"
  grep -qE "^PLANNED .*scale $DR_ENDPOINT to its failover capacity: $DR_ENDPOINT to champion=3,challenger=1" <<<"$output"
  grep -qE "would run: aws ssm put-parameter --region us-west-2 --name $ACTIVE .*--value us-west-2" <<<"$output"
  grep -qE "would run: aws sagemaker update-endpoint-weights-and-capacities .*VariantName=champion\\\\,DesiredInstanceCount=3 " <<<"$output"
  [ -z "$(changes)" ]
}

@test "failover: records the window, switches both regions, scales to the failover capacity; exit 0" {
  failover_capacity '{"champion":3,"challenger":1}'
  run "$REPO_ROOT/scripts/dr.sh" failover
  echo "$output"
  [ "$status" -eq 0 ]
  [ -n "$(calls "ssm put-parameter --region us-west-2 --name $RECORD .*windowStart")" ]
  [ -n "$(calls "ssm put-parameter --region us-west-2 --name $ACTIVE .*--value us-west-2")" ]
  [ -n "$(calls "ssm put-parameter --region us-east-1 --name $ACTIVE .*--value us-west-2")" ]
  [ -n "$(calls "update-endpoint-weights-and-capacities --region us-west-2 --endpoint-name $DR_ENDPOINT --desired-weights-and-capacities VariantName=champion,DesiredInstanceCount=3 VariantName=challenger,DesiredInstanceCount=1")" ]
  grep -qE "^OK .*scale $DR_ENDPOINT to its failover capacity: $DR_ENDPOINT InService" <<<"$output"
}

@test "failover re-run keeps the recorded window start" {
  recorded
  run "$REPO_ROOT/scripts/dr.sh" failover
  [ "$status" -eq 0 ]
  grep -qE "record the failover .*window start $WINDOW" <<<"$output"
  [ -n "$(calls "ssm put-parameter --region us-west-2 --name $RECORD .*$WINDOW")" ]
}

@test "failover without inference_failover_capacity skips the scaling; a malformed one fails the step" {
  run "$REPO_ROOT/scripts/dr.sh" failover
  [ "$status" -eq 0 ]
  grep -qE "^SKIPPED .*no output inference_failover_capacity" <<<"$output"
  [ -z "$(calls update-endpoint)" ]
  failover_capacity '{"champion":0}'
  run "$REPO_ROOT/scripts/dr.sh" failover
  [ "$status" -eq 1 ]
  grep -qE '^FAILED .*failover capacity: output inference_failover_capacity: must be' <<<"$output"
}

@test "failover: DR not ready fails the first step and changes nothing" {
  respond aws 0 "*kinesis describe-stream-summary*" 'CREATING'
  run "$REPO_ROOT/scripts/dr.sh" failover --json
  [ "$status" -eq 1 ]
  node -e '
    const doc = JSON.parse(process.argv[1]);
    const [step] = doc.steps;
    if (doc.exitCode !== 1 || doc.steps.length !== 1 || step.status !== "FAILED" || !step.detail.includes("is CREATING")) process.exit(1);
  ' "$output"
  [ -z "$(changes)" ]
}

@test "failover: a failed write of the active region in DR names the step, exit 1; in the primary it is a WARN" {
  respond aws 255 "*ssm put-parameter --region us-west-2 --name $ACTIVE *" 'An error occurred (AccessDeniedException)'
  run "$REPO_ROOT/scripts/dr.sh" failover
  [ "$status" -eq 1 ]
  grep -qE "^FAILED .*active region -> us-west-2: cannot write $ACTIVE in us-west-2: An error occurred \(AccessDeniedException\)" <<<"$output"
  [ -z "$(calls update-endpoint)" ]
  respond aws 0 "*ssm put-parameter --region us-west-2 --name $ACTIVE *" ''
  respond aws 255 "*ssm put-parameter --region us-east-1 --name $ACTIVE *" 'Could not connect to the endpoint URL'
  run "$REPO_ROOT/scripts/dr.sh" failover
  [ "$status" -eq 0 ]
  grep -qE "^WARN .*active region -> us-west-2: .*us-east-1 not reachable" <<<"$output"
}

@test "failback: copies the window back, switches to the primary, scales down, closes the record" {
  recorded
  run "$REPO_ROOT/scripts/dr.sh" failback
  echo "$output"
  [ "$status" -eq 0 ]
  [ -n "$(calls "s3 cp s3://$DR_LAKE/curated/a.parquet s3://$PRIMARY_LAKE/curated/a.parquet")" ]
  [ -n "$(calls "s3 cp s3://$DR_LAKE/curated/b.parquet s3://$PRIMARY_LAKE/curated/b.parquet")" ]
  [ -z "$(calls "s3 cp .*raw/old.json")" ]
  [ -n "$(calls "ssm put-parameter --region us-east-1 --name $ACTIVE .*--value us-east-1")" ]
  [ -n "$(calls "update-endpoint-weights-and-capacities .*VariantName=champion,DesiredInstanceCount=1 VariantName=challenger,DesiredInstanceCount=1")" ]
  [ -n "$(calls "ssm delete-parameter --region us-west-2 --name $RECORD")" ]
  grep -qE "^OK .*copy the DR lake's window back to the primary: 2 objects written since $WINDOW copied" <<<"$output"
}

@test "failback re-run: what the primary holds at the same size is not copied again; no record means nothing to do" {
  recorded
  respond aws 0 '*s3api head-object --region us-east-1 --bucket * --key curated/a.parquet *' '100'
  respond aws 0 '*s3api head-object --region us-east-1 --bucket * --key curated/b.parquet *' '200'
  run "$REPO_ROOT/scripts/dr.sh" failback
  [ "$status" -eq 0 ]
  [ -z "$(calls 's3 cp')" ]
  grep -qE "copy the DR lake's window back to the primary: 0 objects .*, 2 already there" <<<"$output"
  : >"$FAKE_CALLS"
  not_found us-west-2 "$RECORD"
  run "$REPO_ROOT/scripts/dr.sh" failback
  [ "$status" -eq 0 ]
  grep -qE "^SKIPPED .*no failover recorded in us-west-2: nothing to fail back" <<<"$output"
  [ -z "$(changes)" ]
}

@test "failback: a failed copy names the step and the object, exit 1, and the record stays" {
  recorded
  respond aws 1 "*s3 cp s3://$DR_LAKE/curated/b.parquet *" 'upload failed: AccessDenied'
  run "$REPO_ROOT/scripts/dr.sh" failback
  [ "$status" -eq 1 ]
  grep -qE "^FAILED .*copy the DR lake's window back to the primary: copy of s3://$DR_LAKE/curated/b.parquet failed: upload failed: AccessDenied \(1 copied before it\)" <<<"$output"
  [ -z "$(calls 'delete-parameter|put-parameter')" ]
}

@test "failback --dry-run changes nothing" {
  recorded
  run "$REPO_ROOT/scripts/dr.sh" failback --dry-run
  echo "$output"
  [ "$status" -eq 0 ]
  grep -qE "would run: aws s3 cp s3://$DR_LAKE/curated/a.parquet" <<<"$output"
  grep -qE "would run: aws ssm delete-parameter --region us-west-2 --name $RECORD" <<<"$output"
  [ -z "$(changes)" ]
}
