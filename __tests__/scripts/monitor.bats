#!/usr/bin/env bats
# scripts/monitor.sh against a fake aws CLI: every subcommand, every exit code.

load helpers

STREAM=data-analytics-ml-analytics-events-use1
PROCESSOR=data-analytics-ml-analytics-stream-processor-use1
INFERENCE=data-analytics-ml-analytics-ml-inference-use1
QUEUE=data-analytics-ml-analytics-processor-failures-use1
ENDPOINT=data-analytics-ml-analytics-scoring-use1
CLUSTER=data-analytics-ml-analytics-warehouse-use1

metric() { respond aws 0 "*cloudwatch get-metric-statistics --region ${3:-us-east-1} --namespace $1 --metric-name $2 *" "${4:-}"; }

# Datapoints with their timestamps (the 5XX rate is computed per period): periods VALUE... -> "T1\tV1\nT2\tV2...".
periods() {
  local out="" minute=0 value
  for value in "$@"; do
    out+="${out:+\\n}2026-01-01T10:$(printf '%02d' "$minute"):00Z\\t$value"
    minute=$((minute + 5))
  done
  printf '%s' "$out"
}

# set_alarm ID KEY JSON: changes one setting of an alarm of the synthesized primary stack (delete: JSON "null").
set_alarm() {
  node -e '
    const fs = require("fs");
    const [file, id, key, value] = process.argv.slice(1);
    const stack = JSON.parse(fs.readFileSync(file, "utf8"));
    const alarm = stack.resource.aws_cloudwatch_metric_alarm[id];
    if (!alarm) throw new Error(`no alarm ${id}`);
    const parsed = JSON.parse(value);
    if (parsed === null) delete stack.resource.aws_cloudwatch_metric_alarm[id];
    else alarm[key] = parsed;
    fs.writeFileSync(file, JSON.stringify(stack));
  ' "$DAML_STACKS_DIR/$PRIMARY/cdk.tf.json" "$@"
}

setup() {
  common_setup
  # A healthy platform. CloudWatch answers "no datapoints" unless a test says otherwise.
  respond aws 0 '*cloudwatch get-metric-statistics*' ''
  respond aws 0 '*cloudwatch get-dashboard*' 'the-dashboard'
  respond aws 0 "*kinesis describe-stream-summary --region us-east-1 --stream-name $STREAM *" 'ACTIVE\t2'
  metric AWS/Kinesis GetRecords.IteratorAgeMilliseconds us-east-1 '0\t1200\t800'
  respond aws 0 '*lambda get-function-configuration*' 'Active'
  metric AWS/Lambda Invocations us-east-1 '100\t100\t100'
  metric AWS/Lambda Errors us-east-1 '0\t0\t0'
  metric AWS/Lambda Throttles us-east-1 '0\t0\t0'
  respond aws 0 "*sqs get-queue-url --region us-east-1 --queue-name $QUEUE *" "https://sqs.us-east-1.amazonaws.com/$ACCOUNT/$QUEUE"
  respond aws 0 '*sqs get-queue-attributes*' '0'
  respond aws 0 '*sagemaker describe-endpoint*' 'InService'
  respond aws 0 '*redshift describe-clusters*' 'available\tAvailable'
  metric AWS/Redshift CPUUtilization us-east-1 '12.5\t20'
  metric AWS/Redshift PercentageDiskSpaceUsed us-east-1 '31'
  respond aws 0 '*apigatewayv2 get-apis*' 'a1b2c3'
  metric AWS/ApiGateway Count us-east-1 "$(periods 500 500)"
  metric AWS/ApiGateway 5xx us-east-1 "$(periods 0 0)"
  metric AWS/ApiGateway Latency us-east-1 '180\t240'
}

@test "--help lists the subcommands, options and exit codes" {
  run "$REPO_ROOT/scripts/monitor.sh" --help
  [ "$status" -eq 0 ]
  for word in dashboard kinesis redshift sagemaker lambda api replication all --region --json "Exit status: 0 all OK; 1 a WARN; 2 a CRIT; 3"; do
    [[ "$output" == *"$word"* ]]
  done
  [ ! -s "$FAKE_CALLS" ]
}

@test "all healthy: every check OK, exit 0" {
  run "$REPO_ROOT/scripts/monitor.sh"
  [ "$status" -eq 0 ]
  [ -z "$(grep -vE '^OK ' <<<"$output" | grep -v '^monitor: OK')" ]
  for component in dashboard kinesis lambda sagemaker redshift api replication; do
    grep -qE "^OK +$component " <<<"$output"
  done
  grep -qE "^OK +kinesis +us-east-1 +$STREAM +iterator age +1200 ms max \(alarm at 60000 ms\)" <<<"$output"
  grep -qE "^OK +lambda +us-east-1 +$PROCESSOR +error rate +0.00 % \(0 errors / 300 invocations" <<<"$output"
  grep -qE "^OK +api .* 5XX rate +0.00 % \(0 of 1000 requests" <<<"$output"
  [[ "$output" == *"monitor: OK"* ]]
}

@test "kinesis: iterator age at 80 % of the alarm is WARN (exit 1), at the alarm CRIT (exit 2)" {
  metric AWS/Kinesis GetRecords.IteratorAgeMilliseconds us-east-1 '50000'
  run "$REPO_ROOT/scripts/monitor.sh" kinesis
  [ "$status" -eq 1 ]
  grep -qE "^WARN +kinesis .* iterator age +50000 ms max" <<<"$output"

  # The alarm fires on 5 of 5 one-minute periods at or above the threshold.
  metric AWS/Kinesis GetRecords.IteratorAgeMilliseconds us-east-1 '61000\t61000\t61000\t61000\t61000'
  run "$REPO_ROOT/scripts/monitor.sh" kinesis
  [ "$status" -eq 2 ]
  grep -qE "^CRIT +kinesis .* iterator age +61000 ms max \(alarm at 60000 ms\)" <<<"$output"
}

@test "kinesis: no GetRecords datapoints while a consumer is mapped is CRIT" {
  metric AWS/Kinesis GetRecords.IteratorAgeMilliseconds us-east-1 ''
  run "$REPO_ROOT/scripts/monitor.sh" kinesis
  [ "$status" -eq 2 ]
  [[ "$output" == *"the consumer is not polling"* ]]
}

@test "kinesis: throttled writes WARN, throttling in every period CRIT, stream status reported" {
  metric AWS/Kinesis WriteProvisionedThroughputExceeded us-east-1 '0\t4\t0'
  run "$REPO_ROOT/scripts/monitor.sh" kinesis
  [ "$status" -eq 1 ]
  grep -qE "^WARN +kinesis .* write throttling +4 throttled writes" <<<"$output"
  grep -qE "^OK +kinesis .* status +ACTIVE, 2 open shards" <<<"$output"
  metric AWS/Kinesis WriteProvisionedThroughputExceeded us-east-1 '3\t4\t9'
  run "$REPO_ROOT/scripts/monitor.sh" kinesis
  [ "$status" -eq 2 ]
  [[ "$output" == *"16 throttled writes, in every 5-minute period: add shards"* ]]
}

@test "lambda: errors at the alarm threshold are CRIT with the error rate" {
  metric AWS/Lambda Errors us-east-1 '0\t3\t0'
  run "$REPO_ROOT/scripts/monitor.sh" lambda
  [ "$status" -eq 2 ]
  grep -qE "^CRIT +lambda +us-east-1 +$PROCESSOR +error rate +1.00 % \(3 errors / 300 invocations; alarm at 1 per 5 min\)" <<<"$output"
}

@test "lambda: a message in the dead-letter queue is CRIT" {
  respond aws 0 '*sqs get-queue-attributes*' '5'
  run "$REPO_ROOT/scripts/monitor.sh" lambda
  [ "$status" -eq 2 ]
  grep -qE "^CRIT +lambda .* $QUEUE +DLQ depth +5 messages waiting for replay" <<<"$output"
}

@test "sagemaker: endpoint status and per-variant 5XX / p99 latency" {
  respond aws 0 '*sagemaker describe-endpoint*' 'Updating'
  run "$REPO_ROOT/scripts/monitor.sh" sagemaker
  [ "$status" -eq 1 ]
  grep -qE "^WARN +sagemaker .* $ENDPOINT +status +Updating" <<<"$output"
  grep -qE "^OK +sagemaker .* $ENDPOINT/champion +5XX errors" <<<"$output"
  grep -qE "^OK +sagemaker .* $ENDPOINT/challenger +model latency p99" <<<"$output"

  respond aws 0 '*sagemaker describe-endpoint*' 'InService'
  # The alarm fires on 2 of 3 five-minute periods above the threshold.
  metric AWS/SageMaker ModelLatency us-east-1 '650000\t650000'
  run "$REPO_ROOT/scripts/monitor.sh" sagemaker
  [ "$status" -eq 2 ]
  grep -qE "^CRIT +sagemaker .* model latency p99 +650.0 ms \(alarm at 500.0 ms\)" <<<"$output"

  respond aws 0 '*sagemaker describe-endpoint*' 'Failed'
  run "$REPO_ROOT/scripts/monitor.sh" sagemaker
  [ "$status" -eq 2 ]
  grep -qE "^CRIT +sagemaker .* status +Failed" <<<"$output"
}

@test "redshift: paused cluster WARN, CPU over the alarm CRIT" {
  respond aws 0 '*redshift describe-clusters*' 'paused\tUnavailable'
  run "$REPO_ROOT/scripts/monitor.sh" redshift
  [ "$status" -eq 1 ]
  grep -qE "^WARN +redshift .* $CLUSTER +status +paused \(Unavailable\)" <<<"$output"
  respond aws 0 '*redshift describe-clusters*' 'available\tAvailable'
  # The alarm fires on 3 of 3 five-minute periods above the threshold.
  metric AWS/Redshift CPUUtilization us-east-1 '91\t95.5\t93'
  run "$REPO_ROOT/scripts/monitor.sh" redshift
  [ "$status" -eq 2 ]
  grep -qE "^CRIT +redshift .* cpu +95.5 % \(alarm at 90 %\)" <<<"$output"
  grep -qE "^OK +redshift .* disk used +31.0 %" <<<"$output"
}

@test "api: 5XX rate over the alarm is CRIT; looks the API id up by name" {
  # 1.6 % and 1.4 %: the alarm fires on 2 of 3 five-minute periods above 1 %.
  metric AWS/ApiGateway 5xx us-east-1 "$(periods 8 7)"
  run "$REPO_ROOT/scripts/monitor.sh" api
  [ "$status" -eq 2 ]
  grep -qE "^CRIT +api .* 5XX rate +1.50 % \(15 of 1000 requests; alarm at 1.00 %\)" <<<"$output"
  [ -n "$(calls "get-apis --region us-east-1 --query Items\[\?Name=='data-analytics-ml-analytics-inference-use1'\]")" ]
  [ -n "$(calls 'Name=ApiId,Value=a1b2c3 Name=Stage,Value=\$default')" ]
}

@test "replication: latency beyond the RTC SLA and failed operations are CRIT, the backlog is shown" {
  metric AWS/S3 ReplicationLatency us-east-1 '120\t1000'
  metric AWS/S3 OperationsPendingReplication us-east-1 '42'
  run "$REPO_ROOT/scripts/monitor.sh" replication
  [ "$status" -eq 2 ]
  grep -qE "^CRIT +replication +us-east-1 +data-analytics-ml-analytics-lake-$ACCOUNT-use1 +latency +1000 s max to data-analytics-ml-analytics-lake-$ACCOUNT-usw2 \(RTC SLA 900 s\)" <<<"$output"
  grep -qE "^OK +replication .* backlog +42 operations pending, 0 failed" <<<"$output"
  [ -n "$(calls 'Name=SourceBucket,Value=data-analytics-ml-analytics-lake-123456789012-use1 Name=DestinationBucket,Value=data-analytics-ml-analytics-lake-123456789012-usw2 Name=RuleId,Value=lake-to-dr')" ]
  metric AWS/S3 ReplicationLatency us-east-1 '30'
  metric AWS/S3 OperationsFailedReplication us-east-1 '2'
  run "$REPO_ROOT/scripts/monitor.sh" replication
  [ "$status" -eq 2 ]
  grep -qE "^CRIT +replication .* backlog +42 operations pending, 2 failed" <<<"$output"
}

@test "dashboard prints the console URL of each region's dashboard" {
  run "$REPO_ROOT/scripts/monitor.sh" dashboard
  [ "$status" -eq 0 ]
  [[ "$output" == *"https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards/dashboard/data-analytics-ml-analytics-operations-use1"* ]]
  [[ "$output" == *"https://us-west-2.console.aws.amazon.com/cloudwatch/home?region=us-west-2#dashboards/dashboard/data-analytics-ml-analytics-operations-usw2"* ]]
}

@test "no region: reported as a missing region naming AWS_REGION and --region, not as credentials; exit 3" {
  respond aws 255 '*sts get-caller-identity*' 'You must specify a region. You can also configure your region by running "aws configure".'
  run "$REPO_ROOT/scripts/monitor.sh"
  [ "$status" -eq 3 ]
  grep -qE "^UNKNOWN +region .*no AWS region: pass --region REGION, export AWS_REGION=<region>" <<<"$output"
  [[ "$output" != *credentials* ]]
  [ "$(grep -c "^UNKNOWN" <<<"$output")" -eq 1 ]
  [ "$(wc -l <"$FAKE_CALLS")" -eq 1 ]
}

@test "--region also answers the account question, so no default region is needed" {
  respond aws 255 '*sts get-caller-identity*' 'You must specify a region.'
  respond aws 0 '*sts get-caller-identity --region us-west-2 *' "$ACCOUNT"
  run "$REPO_ROOT/scripts/monitor.sh" dashboard --region us-west-2
  [ "$status" -eq 0 ]
  grep -qE "^OK +dashboard +us-west-2" <<<"$output"
  [ -n "$(calls '^aws sts get-caller-identity --region us-west-2 ')" ]
}

@test "no credentials: exit 3 before any other call" {
  respond aws 255 '*sts get-caller-identity*' 'An error occurred (ExpiredToken) when calling the GetCallerIdentity operation'
  run "$REPO_ROOT/scripts/monitor.sh"
  [ "$status" -eq 3 ]
  grep -qE "^UNKNOWN +credentials .*ExpiredToken" <<<"$output"
  [ "$(wc -l <"$FAKE_CALLS")" -eq 1 ]
}

@test "a stack that was never synthesized: exit 3 naming it" {
  rm -r "${DAML_STACKS_DIR:?}/$DR"
  run "$REPO_ROOT/scripts/monitor.sh" dashboard
  [ "$status" -eq 3 ]
  grep -qE "^UNKNOWN +stack +- +$DR +synthesized +not found in" <<<"$output"
  grep -qE "^OK +dashboard +us-east-1" <<<"$output"
}

@test "a resource missing in AWS (stack not deployed): exit 3" {
  respond aws 254 '*kinesis describe-stream-summary*' 'An error occurred (ResourceNotFoundException) when calling the DescribeStreamSummary operation: Stream x not found'
  run "$REPO_ROOT/scripts/monitor.sh" kinesis
  [ "$status" -eq 3 ]
  grep -qE "^UNKNOWN +kinesis .* status +stream not found \(stack not deployed\?\)" <<<"$output"
}

@test "CRIT outranks could-not-run in the exit status" {
  rm -r "${DAML_STACKS_DIR:?}/$DR"
  metric AWS/Kinesis GetRecords.IteratorAgeMilliseconds us-east-1 '90000'
  run "$REPO_ROOT/scripts/monitor.sh" kinesis
  [ "$status" -eq 2 ]
}

@test "--region checks only that region's stack; a pilot-light DR without a stream says so" {
  run "$REPO_ROOT/scripts/monitor.sh" kinesis --region us-west-2
  [ "$status" -eq 0 ]
  grep -qE "^OK +kinesis +us-west-2 +- +presence +none in stack $DR" <<<"$output"
  [ -z "$(calls 'us-east-1')" ]
}

@test "--region naming no stack's region, or a bad argument: exit 3" {
  run "$REPO_ROOT/scripts/monitor.sh" all --region eu-west-1
  [ "$status" -eq 3 ]
  [[ "$output" == *"is in region eu-west-1"* ]]
  run "$REPO_ROOT/scripts/monitor.sh" kinesys
  [ "$status" -eq 3 ]
  [[ "$output" == *"unknown argument: kinesys"* ]]
}

@test "--json prints one JSON document with the overall status, exit code and every check" {
  metric AWS/Lambda Errors us-east-1 '2'
  run "$REPO_ROOT/scripts/monitor.sh" all --json
  [ "$status" -eq 2 ]
  summary="$(node -e '
    const doc = JSON.parse(require("fs").readFileSync(0, "utf8"));
    const crit = doc.checks.filter((c) => c.status === "CRIT").map((c) => `${c.component}/${c.check}`);
    console.log([doc.status, doc.exitCode, doc.counts.crit, doc.checks.length > 20, crit.join(",")].join(" "));
  ' <<<"$output")"
  [ "$summary" = "CRIT 2 2 true lambda/error rate,lambda/error rate" ]
}

@test "AWS_ENDPOINT_URL reaches every AWS CLI call, also as --endpoint-url (CLI v1 ignores the variable for SQS)" {
  AWS_ENDPOINT_URL=http://127.0.0.1:5000 run "$REPO_ROOT/scripts/monitor.sh" lambda
  [ "$status" -eq 0 ]
  total="$(calls '^aws ' | wc -l)"
  [ "$total" -gt 5 ]
  [ "$total" -eq "$(calls '^aws --endpoint-url http://127.0.0.1:5000 .*AWS_ENDPOINT_URL=http://127.0.0.1:5000\]$' | wc -l)" ]
  [ -n "$(calls '^aws --endpoint-url http://127.0.0.1:5000 sqs get-queue-attributes')" ]
}

# ------------------------------------------- judged by the synthesized alarms --

@test "kinesis: one minute over the threshold is WARN, not CRIT: the alarm needs 5 of 5" {
  metric AWS/Kinesis GetRecords.IteratorAgeMilliseconds us-east-1 '61000\t20\t20\t20\t20'
  run "$REPO_ROOT/scripts/monitor.sh" kinesis
  [ "$status" -eq 1 ]
  grep -qE "^WARN +kinesis .* iterator age +61000 ms max \(alarm at 60000 ms\)" <<<"$output"
}

@test "api: a 5XX rate over the threshold in one period is WARN: the alarm needs 2 of 3" {
  # 3 % in the first period, none in the second: 1.5 % overall, yet only one period breaches.
  metric AWS/ApiGateway 5xx us-east-1 "$(periods 15 0)"
  run "$REPO_ROOT/scripts/monitor.sh" api
  [ "$status" -eq 1 ]
  grep -qE "^WARN +api .* 5XX rate +1.50 % \(15 of 1000 requests; alarm at 1.00 %\)" <<<"$output"
}

@test "sagemaker: judged by the alerting alarm, not by the endpoint's deployment rollback guard" {
  # Above the fixture's rollback guard (200 ms, 1-minute periods), below 80 % of the alerting alarm (500 ms).
  metric AWS/SageMaker ModelLatency us-east-1 '300000\t300000\t300000'
  run "$REPO_ROOT/scripts/monitor.sh" sagemaker
  [ "$status" -eq 0 ]
  grep -qE "^OK +sagemaker .*/champion +model latency p99 +300.0 ms \(alarm at 500.0 ms\)" <<<"$output"
  [ -n "$(calls 'ModelLatency .*--period 300 --extended-statistics p99')" ]
  [ -z "$(calls 'ModelLatency .*--period 60 ')" ]
}

@test "the synthesized threshold, periods and missing-data rule are the ones monitor judges by" {
  set_alarm age threshold 30000
  set_alarm age period 120
  metric AWS/Kinesis GetRecords.IteratorAgeMilliseconds us-east-1 '35000\t35000\t35000\t35000\t35000'
  run "$REPO_ROOT/scripts/monitor.sh" kinesis --region us-east-1
  [ "$status" -eq 2 ]
  grep -qE "^CRIT +kinesis .* iterator age +35000 ms max \(alarm at 30000 ms\)" <<<"$output"
  # The alarm's statistic and period, over the 5 periods it evaluates (10 minutes).
  call="$(calls 'GetRecords.IteratorAgeMilliseconds')"
  [[ "$call" == *"--period 120 --statistics Maximum"* ]]
  start="$(sed -E 's/.*--start-time ([^ ]+) --end-time ([^ ]+) .*/\1 \2/' <<<"$call")"
  read -r from to <<<"$start"
  [ $(($(date -u -d "$to" +%s) - $(date -u -d "$from" +%s))) -eq 600 ]

  set_alarm age treat_missing_data '"notBreaching"'
  metric AWS/Kinesis GetRecords.IteratorAgeMilliseconds us-east-1 ''
  run "$REPO_ROOT/scripts/monitor.sh" kinesis --region us-east-1
  [ "$status" -eq 0 ]
  grep -qE "^OK +kinesis .* iterator age +no GetRecords datapoints in 10 min \(missing data: notBreaching\)" <<<"$output"

  set_alarm write-throttled datapoints_to_alarm 1
  metric AWS/Kinesis WriteProvisionedThroughputExceeded us-east-1 '0\t4\t0'
  run "$REPO_ROOT/scripts/monitor.sh" kinesis --region us-east-1
  [ "$status" -eq 2 ]
  grep -qE "^CRIT +kinesis .* write throttling +4 throttled writes, in 1 of the last 3 5-minute periods: add shards" <<<"$output"

  set_alarm dlq-depth threshold 10
  set_alarm dlq-depth comparison_operator '"GreaterThanOrEqualToThreshold"'
  respond aws 0 '*sqs get-queue-attributes*' '9'
  run "$REPO_ROOT/scripts/monitor.sh" lambda --region us-east-1
  [ "$status" -eq 1 ]
  grep -qE "^WARN +lambda .* $QUEUE +DLQ depth +9 messages" <<<"$output"
  respond aws 0 '*sqs get-queue-attributes*' '10'
  run "$REPO_ROOT/scripts/monitor.sh" lambda --region us-east-1
  [ "$status" -eq 2 ]
}

@test "a check whose alarm the synthesized stack lacks could not run (exit 3), naming the metric" {
  set_alarm throttles - null
  run "$REPO_ROOT/scripts/monitor.sh" lambda --region us-east-1
  [ "$status" -eq 3 ]
  grep -qE "^UNKNOWN +lambda +us-east-1 +$PROCESSOR +throttles +the synthesized stack has no alarm on Throttles for it" <<<"$output"
  grep -qE "^OK +lambda +us-east-1 +$INFERENCE +throttles " <<<"$output"
}
