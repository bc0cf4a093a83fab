#!/usr/bin/env bats
# scripts/monitor.sh and destroy.sh's bucket report with the real AWS CLI against moto (a local AWS emulator on 127.0.0.1), through
# AWS_ENDPOINT_URL: the CLI's --query expressions, output parsing and error messages as the real
# tools produce them. Needs the aws CLI and moto_server (scripts/toolchain.sh --only moto installs
# moto); skipped, saying so, when either is missing.

PRIMARY=data-analytics-ml-analytics-primary
DR=data-analytics-ml-analytics-dr
STREAM=data-analytics-ml-analytics-events-use1
QUEUE=data-analytics-ml-analytics-processor-failures-use1

moto_server_path() {
  if [ -n "${DAML_MOTO_SERVER:-}" ]; then printf '%s' "$DAML_MOTO_SERVER"; return; fi
  printf '%s' "${DAML_TOOLCHAIN_DIR:-$HOME/.cache/data-analytics-ml/toolchain}/venv-moto/bin/moto_server"
}

iso_seconds_ago() { date -u -d "-$1 seconds" +%Y-%m-%dT%H:%M:%SZ; }

# put_metric NAMESPACE METRIC VALUE DIMENSION=VALUE...: one datapoint a minute ago
# (PUT_SECONDS_AGO="30 90 ..." puts one at each of those ages instead).
put_metric() {
  local namespace="$1" metric="$2" value="$3" dims="" pair age
  shift 3
  for pair in "$@"; do dims+="${dims:+,}{Name=${pair%%=*},Value=${pair#*=}}"; done
  for age in ${PUT_SECONDS_AGO:-60}; do
    aws cloudwatch put-metric-data --region us-east-1 --namespace "$namespace" \
      --metric-data "MetricName=$metric,Dimensions=[$dims],Value=$value,Timestamp=$(iso_seconds_ago "$age")"
  done
}

setup_file() {
  local moto
  moto="$(moto_server_path)"
  if ! command -v aws >/dev/null 2>&1 || [ ! -x "$moto" ]; then
    skip "needs the aws CLI and moto_server ($moto): scripts/toolchain.sh --only moto, or set DAML_MOTO_SERVER"
  fi
  export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1
  unset AWS_PROFILE AWS_SESSION_TOKEN LOCAL_AWS_ENDPOINT
  local port
  port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  export AWS_ENDPOINT_URL="http://127.0.0.1:$port"
  "$moto" -H 127.0.0.1 -p "$port" >"$BATS_FILE_TMPDIR/moto.log" 2>&1 &
  echo "$!" >"$BATS_FILE_TMPDIR/moto.pid"
  local tries=0
  until aws sts get-caller-identity --query Account --output text >/dev/null 2>&1; do
    tries=$((tries + 1))
    [ "$tries" -lt 60 ] || { cat "$BATS_FILE_TMPDIR/moto.log" >&2; return 1; }
    sleep 0.5
  done

  # The resources the primary fixture names, as deploy.sh would have created them.
  local role=arn:aws:iam::123456789012:role/platform-test
  aws iam create-role --role-name platform-test --assume-role-policy-document \
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}' >/dev/null
  python3 -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1], "w"); z.writestr("index.js", "exports.handler = async () => 1;"); z.close()' "$BATS_FILE_TMPDIR/fn.zip"
  aws kinesis create-stream --region us-east-1 --stream-name "$STREAM" --shard-count 2
  for fn in stream-processor ml-inference; do
    aws lambda create-function --region us-east-1 --function-name "data-analytics-ml-analytics-$fn-use1" --runtime nodejs22.x \
      --handler index.handler --role "$role" --zip-file "fileb://$BATS_FILE_TMPDIR/fn.zip" >/dev/null
  done
  aws --endpoint-url "$AWS_ENDPOINT_URL" sqs create-queue --region us-east-1 --queue-name "$QUEUE" >/dev/null
  aws sagemaker create-model --region us-east-1 --model-name scoring --execution-role-arn "$role" \
    --primary-container Image=123456789012.dkr.ecr.us-east-1.amazonaws.com/model:1 >/dev/null
  aws sagemaker create-endpoint-config --region us-east-1 --endpoint-config-name scoring \
    --production-variants VariantName=champion,ModelName=scoring,InitialInstanceCount=1,InstanceType=ml.m5.large \
    VariantName=challenger,ModelName=scoring,InitialInstanceCount=1,InstanceType=ml.m5.large >/dev/null
  aws sagemaker create-endpoint --region us-east-1 --endpoint-name data-analytics-ml-analytics-scoring-use1 --endpoint-config-name scoring >/dev/null
  aws redshift create-cluster --region us-east-1 --cluster-identifier data-analytics-ml-analytics-warehouse-use1 --node-type ra3.large \
    --master-username platform_admin --master-user-password Example-Passw0rd >/dev/null
  aws apigatewayv2 create-api --region us-east-1 --name data-analytics-ml-analytics-inference-use1 --protocol-type HTTP >/dev/null
  aws cloudwatch put-dashboard --region us-east-1 --dashboard-name data-analytics-ml-analytics-operations-use1 --dashboard-body '{"widgets":[]}' >/dev/null
  aws cloudwatch put-dashboard --region us-west-2 --dashboard-name data-analytics-ml-analytics-operations-usw2 --dashboard-body '{"widgets":[]}' >/dev/null
  # The consumer polls: iterator age datapoints exist.
  put_metric AWS/Kinesis GetRecords.IteratorAgeMilliseconds 1200 "StreamName=$STREAM"
}

teardown_file() {
  if [ -f "$BATS_FILE_TMPDIR/moto.pid" ]; then kill "$(cat "$BATS_FILE_TMPDIR/moto.pid")" 2>/dev/null || true; fi
}

setup() {
  REPO_ROOT="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
  export DAML_STACKS_DIR="$BATS_TEST_TMPDIR/stacks"
  mkdir -p "$DAML_STACKS_DIR/$PRIMARY" "$DAML_STACKS_DIR/$DR"
  cp "$BATS_TEST_DIRNAME/fixtures/primary.cdk.tf.json" "$DAML_STACKS_DIR/$PRIMARY/cdk.tf.json"
  cp "$BATS_TEST_DIRNAME/fixtures/dr.cdk.tf.json" "$DAML_STACKS_DIR/$DR/cdk.tf.json"
  export ENVIRONMENT=analytics
  unset PROJECT_NAME
}

@test "moto: a healthy deployment is all OK (exit 0) through the real CLI" {
  run "$REPO_ROOT/scripts/monitor.sh"
  echo "$output"
  [ "$status" -eq 0 ]
  grep -qE "^OK +kinesis +us-east-1 +$STREAM +status +ACTIVE, 2 open shards" <<<"$output"
  grep -qE "^OK +kinesis .* iterator age +1200 ms max" <<<"$output"
  grep -qE "^OK +lambda .* $QUEUE +DLQ depth +0 messages" <<<"$output"
  grep -qE "^OK +sagemaker .* status +InService" <<<"$output"
  grep -qE "^OK +redshift .* status +available" <<<"$output"
  grep -qE "^OK +dashboard +us-west-2 " <<<"$output"
}

@test "moto: iterator age above the alarm is CRIT (exit 2)" {
  # The alarm fires when each of the last 5 one-minute periods is at or above the threshold.
  PUT_SECONDS_AGO="30 90 150 210 270" put_metric AWS/Kinesis GetRecords.IteratorAgeMilliseconds 95000 "StreamName=$STREAM"
  run "$REPO_ROOT/scripts/monitor.sh" kinesis --region us-east-1
  echo "$output"
  [ "$status" -eq 2 ]
  grep -qE "^CRIT +kinesis .* iterator age +95000 ms max \(alarm at 60000 ms\)" <<<"$output"
}

@test "moto: a message in the dead-letter queue is CRIT (exit 2)" {
  url="$(aws --endpoint-url "$AWS_ENDPOINT_URL" sqs get-queue-url --region us-east-1 --queue-name "$QUEUE" --query QueueUrl --output text)"
  aws --endpoint-url "$AWS_ENDPOINT_URL" sqs send-message --region us-east-1 --queue-url "$url" --message-body '{"KinesisBatchInfo":{}}' >/dev/null
  run "$REPO_ROOT/scripts/monitor.sh" lambda --json
  echo "$output"
  [ "$status" -eq 2 ]
  node -e '
    const doc = JSON.parse(require("fs").readFileSync(0, "utf8"));
    const dlq = doc.checks.find((c) => c.check === "DLQ depth");
    if (doc.status !== "CRIT" || dlq.status !== "CRIT" || !dlq.figure.startsWith("1 messages")) process.exit(1);
  ' <<<"$output"
}

@test "moto: a deleted stream cannot be checked (exit 3)" {
  aws kinesis delete-stream --region us-east-1 --stream-name "$STREAM"
  run "$REPO_ROOT/scripts/monitor.sh" kinesis --region us-east-1
  echo "$output"
  [ "$status" -eq 3 ]
  grep -qE "^UNKNOWN +kinesis .* stream not found \(stack not deployed\?\)" <<<"$output"
}

@test "moto: destroy.sh reports which buckets hold data through the real CLI (list-object-versions pages)" {
  local lake=data-analytics-ml-analytics-lake-123456789012-use1 athena=data-analytics-ml-analytics-athena-123456789012-use1
  aws s3api create-bucket --region us-east-1 --bucket "$lake" >/dev/null
  aws s3api put-bucket-versioning --region us-east-1 --bucket "$lake" --versioning-configuration Status=Enabled
  echo '{"event_id":"e1"}' >"$BATS_TEST_TMPDIR/object.json"
  aws s3api put-object --region us-east-1 --bucket "$lake" --key curated/a.json --body "$BATS_TEST_TMPDIR/object.json" >/dev/null
  aws s3api delete-object --region us-east-1 --bucket "$lake" --key curated/a.json >/dev/null
  aws s3api create-bucket --region us-east-1 --bucket "$athena" >/dev/null
  # Terraform and the synth are faked; the AWS CLI is real.
  mkdir -p "$BATS_TEST_TMPDIR/bin"
  for tool in terraform npm; do ln -s "$BATS_TEST_DIRNAME/fakes/fake-command" "$BATS_TEST_TMPDIR/bin/$tool"; done
  export FAKE_CALLS="$BATS_TEST_TMPDIR/calls" FAKE_RESPONSES="$BATS_TEST_TMPDIR/responses"
  # AWS_ENDPOINT_URL names the emulator, so destroy.sh synthesizes the local variant.
  printf '%s\n' 'npm|0|run --silent synth:local|' 'terraform|0|*|' >"$FAKE_RESPONSES"
  echo '{}' >"$BATS_TEST_TMPDIR/config.json"
  PATH="$BATS_TEST_TMPDIR/bin:$PATH" PLATFORM_CONFIG_FILE="$BATS_TEST_TMPDIR/config.json" \
    run "$REPO_ROOT/scripts/destroy.sh" --yes --i-understand-data-loss
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"$lake: HOLDS DATA. force_destroy=false"* ]]
  [[ "$output" == *"$athena: empty; deleted with the stack"* ]]
  [[ "$output" == *"data-analytics-ml-analytics-lake-123456789012-usw2: does not exist"* ]]
  [ "$(grep -c ' destroy -input=false -auto-approve' "$FAKE_CALLS")" -eq 2 ]
}
