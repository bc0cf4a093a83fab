#!/usr/bin/env bash
# Health checks of the deployed platform through the AWS CLI: one line per check with its status
# and the figure behind it; the exit status is the worst status.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/monitor.sh [dashboard|kinesis|redshift|sagemaker|lambda|api|replication|all]
                          [--region REGION] [--json] [--help]

Checks the deployed stacks (both regions unless --region picks one) and prints one
line per check: STATUS, component, resource, check, figure.

  dashboard    the CloudWatch dashboard of each region exists; prints its URL
  kinesis      stream status, iterator age (consumer lag), throttled writes
  lambda       error rate and throttles of every function; dead-letter queue depth
  sagemaker    endpoint status; 5XX errors and p99 model latency per variant
  redshift     cluster status, CPU, disk used
  api          inference API 5XX rate and p99 latency
  replication  lake replication latency to the DR region and its backlog
  all          everything above (default)

Each metric check is judged by the CloudWatch alarm on that metric in the
synthesized stack (its threshold, comparison, statistic, period, "M of N"
evaluation periods and treatment of missing data, i.e. config.observability.alarms),
over the periods that alarm evaluates: CRIT when the alarm's condition holds (M of
the last N periods breach; a period without data counts when the alarm treats
missing data as breaching); WARN when a period breaches but fewer than M do, a
figure reaches 80 % of a high threshold, or a transitional state (updating,
paused, ...). A check whose alarm the stack lacks could not run. Resource names
and alarms come from the synthesized stacks (cdktf.out/stacks/<stack>/cdk.tf.json;
run npm run synth or deploy.sh first).

Options:
  --region REGION  check only the stack deployed in REGION
  --json           print one JSON document instead of lines
  -h, --help       show this help

Environment: AWS_PROFILE / credentials as for the AWS CLI; AWS_ENDPOINT_URL to
check a local emulator; PROJECT_NAME, ENVIRONMENT as for the synth.

Exit status: 0 all OK; 1 a WARN; 2 a CRIT; 3 a check could not run (no
region or credentials, stack not synthesized or not deployed, bad arguments). With mixed
results the most severe known status wins: CRIT, then could-not-run, then WARN.
EOF
}

# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=scripts/lib/alarm-rules.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/alarm-rules.sh"

WARN_FRACTION=0.8

component=all
region_filter=""
json=0
while [ $# -gt 0 ]; do
  case "$1" in
    dashboard | kinesis | redshift | sagemaker | lambda | api | replication | all) component="$1" ;;
    --region)
      [ $# -ge 2 ] || daml_die 3 "--region needs a region name"
      region_filter="$2"
      shift
      ;;
    --region=*) region_filter="${1#--region=}" ;;
    --json) json=1 ;;
    -h | --help) usage; exit 0 ;;
    *) daml_die 3 "unknown argument: $1 (see --help)" ;;
  esac
  shift
done
daml_check_names 3

# ---------------------------------------------------------------- results --
results_json=()
count_ok=0 count_warn=0 count_crit=0 count_unknown=0


# report STATUS COMPONENT REGION RESOURCE CHECK FIGURE
report() {
  local status="$1" comp="$2" region="$3" resource="$4" check="$5" figure="$6"
  case "$status" in
    OK) count_ok=$((count_ok + 1)) ;;
    WARN) count_warn=$((count_warn + 1)) ;;
    CRIT) count_crit=$((count_crit + 1)) ;;
    *) status=UNKNOWN; count_unknown=$((count_unknown + 1)) ;;
  esac
  if [ "$json" -eq 1 ]; then
    results_json+=("{\"status\":$(daml_json_line "$status"),\"component\":$(daml_json_line "$comp"),\"region\":$(daml_json_line "$region"),\"resource\":$(daml_json_line "$resource"),\"check\":$(daml_json_line "$check"),\"figure\":$(daml_json_line "$figure")}")
  else
    printf '%-7s %-11s %-9s %-48s %-22s %s\n' "$status" "$comp" "$region" "$resource" "$check" "$figure"
  fi
}

# judged_values COMPONENT REGION RESOURCE CHECK NAMESPACE METRIC DIMENSION...: loads the synthesized alarm
# on METRIC for DIMENSION... and reads its datapoints into `values` (the caller's); reports UNKNOWN and
# returns 1 when the stack has no such alarm or CloudWatch cannot be read.
judged_values() {
  local comp="$1" region="$2" resource="$3" check="$4" namespace="$5" metric="$6"
  shift 6
  if ! load_rule "$metric" "$@"; then
    report UNKNOWN "$comp" "$region" "$resource" "$check" "$(no_alarm "$metric")"
    return 1
  fi
  if ! values="$(rule_values "$region" "$namespace" "$metric" "$@")"; then
    report UNKNOWN "$comp" "$region" "$resource" "$check" "cannot read CloudWatch metrics"
    return 1
  fi
}

finish() {
  local code=0 overall=OK
  if [ "$count_crit" -gt 0 ]; then code=2; overall=CRIT
  elif [ "$count_unknown" -gt 0 ]; then code=3; overall=UNKNOWN
  elif [ "$count_warn" -gt 0 ]; then code=1; overall=WARN
  fi
  if [ "$json" -eq 1 ]; then
    local joined=""
    if [ "${#results_json[@]}" -gt 0 ]; then joined="$(IFS=,; printf '%s' "${results_json[*]}")"; fi
    printf '{"status":"%s","exitCode":%d,"counts":{"ok":%d,"warn":%d,"crit":%d,"unknown":%d},"checks":[%s]}\n' \
      "$overall" "$code" "$count_ok" "$count_warn" "$count_crit" "$count_unknown" "$joined"
  else
    printf 'monitor: %s (%d OK, %d WARN, %d CRIT, %d could not run)\n' "$overall" "$count_ok" "$count_warn" "$count_crit" "$count_unknown"
  fi
  exit "$code"
}

# aws_error_kind MESSAGE: notfound | other
aws_error_kind() {
  if grep -qiE 'ResourceNotFound|NotFound|does not exist|Could not find|NonExistentQueue|ClusterNotFound|NoSuchBucket' <<<"$1"; then echo notfound; else echo other; fi
}
short() { printf '%s' "$1" | tr '\n' ' ' | cut -c1-160; }

# manifest_lines KIND: the manifest lines of one kind (stream, function, ...).
manifest_lines() { awk -F'\t' -v kind="$1" '$1 == kind' <<<"$MANIFEST"; }

# ----------------------------------------------------------------- checks --
check_dashboard() {
  local region="$1" name url out
  while IFS=$'\t' read -r _ name; do
    url="https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards/dashboard/${name}"
    if out="$(daml_aws cloudwatch get-dashboard --region "$region" --dashboard-name "$name" --query DashboardName --output text 2>&1)"; then
      report OK dashboard "$region" "$name" url "$url"
    elif [ "$(aws_error_kind "$out")" = notfound ]; then
      report UNKNOWN dashboard "$region" "$name" url "dashboard not found (stack not deployed?): $url"
    else
      report UNKNOWN dashboard "$region" "$name" url "cannot read dashboard: $(short "$out")"
    fi
  done < <(manifest_lines dashboard)
}

check_kinesis() {
  local region="$1" name out status shards values verdict breaching present throttles period when
  while IFS=$'\t' read -r _ name _; do
    if ! out="$(daml_aws kinesis describe-stream-summary --region "$region" --stream-name "$name" \
      --query 'StreamDescriptionSummary.[StreamStatus,OpenShardCount]' --output text 2>&1)"; then
      if [ "$(aws_error_kind "$out")" = notfound ]; then
        report UNKNOWN kinesis "$region" "$name" status "stream not found (stack not deployed?)"
      else
        report UNKNOWN kinesis "$region" "$name" status "cannot describe stream: $(short "$out")"
      fi
      continue
    fi
    read -r status shards <<<"$out"
    case "$status" in
      ACTIVE) report OK kinesis "$region" "$name" status "ACTIVE, ${shards:-?} open shards" ;;
      CREATING | UPDATING) report WARN kinesis "$region" "$name" status "$status, ${shards:-?} open shards" ;;
      *) report CRIT kinesis "$region" "$name" status "$status" ;;
    esac

    if judged_values kinesis "$region" "$name" "iterator age" AWS/Kinesis GetRecords.IteratorAgeMilliseconds "StreamName=$name"; then
      read -r verdict breaching present <<<"$(judge "$rule_evaluation" "$rule_datapoints" <<<"$values")"
      if [ "$present" -gt 0 ]; then
        report "$verdict" kinesis "$region" "$name" "iterator age" "$(calc "$(max_of <<<"$values")" 0) ms max (alarm at $rule_threshold ms)"
      elif [ "$rule_missing" = breaching ]; then
        # The alarm treats silence as breaching where a consumer polls: no GetRecords call, no datapoint.
        report "$verdict" kinesis "$region" "$name" "iterator age" "no GetRecords datapoints in $(minutes "$rule_range") min: the consumer is not polling"
      else
        report "$verdict" kinesis "$region" "$name" "iterator age" "no GetRecords datapoints in $(minutes "$rule_range") min (missing data: $rule_missing)"
      fi
    fi

    if ! load_rule WriteProvisionedThroughputExceeded "StreamName=$name"; then
      report UNKNOWN kinesis "$region" "$name" "write throttling" "$(no_alarm WriteProvisionedThroughputExceeded)"
      continue
    fi
    if ! values="$(rule_values "$region" AWS/Kinesis WriteProvisionedThroughputExceeded "StreamName=$name")"; then
      report UNKNOWN kinesis "$region" "$name" "write throttling" "cannot read CloudWatch metrics"
      continue
    fi
    read -r verdict breaching present <<<"$(judge "$rule_evaluation" "$rule_datapoints" <<<"$values")"
    throttles="$(sum_of <<<"$values")"
    period="$(minutes "$rule_period")-minute"
    case "$verdict" in
      CRIT)
        if [ "$rule_datapoints" -eq "$rule_evaluation" ]; then when="in every $period period"; else when="in $breaching of the last $rule_evaluation $period periods"; fi
        report CRIT kinesis "$region" "$name" "write throttling" "$throttles throttled writes, $when: add shards"
        ;;
      WARN) report WARN kinesis "$region" "$name" "write throttling" "$throttles throttled writes in $(minutes "$rule_range") min (alarm: $rule_datapoints of $rule_evaluation $period periods)" ;;
      *) report OK kinesis "$region" "$name" "write throttling" "$throttles throttled writes in $(minutes "$rule_range") min" ;;
    esac
  done < <(manifest_lines stream)
}

check_lambda() {
  local region="$1" name dead url depth out values errors invocations throttles rate verdict
  while IFS=$'\t' read -r _ name; do
    if ! out="$(daml_aws lambda get-function-configuration --region "$region" --function-name "$name" --query State --output text 2>&1)"; then
      if [ "$(aws_error_kind "$out")" = notfound ]; then
        report UNKNOWN lambda "$region" "$name" "error rate" "function not found (stack not deployed?)"
      else
        report UNKNOWN lambda "$region" "$name" "error rate" "cannot read function: $(short "$out")"
      fi
      continue
    fi
    if ! load_rule Errors "FunctionName=$name"; then
      report UNKNOWN lambda "$region" "$name" "error rate" "$(no_alarm Errors)"
    elif ! values="$(rule_values "$region" AWS/Lambda Errors "FunctionName=$name")" ||
      ! invocations="$(rule_values "$region" AWS/Lambda Invocations "FunctionName=$name" | sum_of)"; then
      report UNKNOWN lambda "$region" "$name" "error rate" "cannot read CloudWatch metrics"
    else
      read -r verdict _ <<<"$(judge "$rule_evaluation" "$rule_datapoints" <<<"$values")"
      errors="$(sum_of <<<"$values")"
      if [ "$(calc "$invocations > 0" 0)" = 1 ]; then rate="$(calc "100 * $errors / $invocations" 2)"; else rate="0.00"; fi
      report "$verdict" lambda "$region" "$name" "error rate" "${rate} % ($errors errors / $invocations invocations; alarm at $rule_threshold per $(minutes "$rule_period") min)"
    fi

    if judged_values lambda "$region" "$name" throttles AWS/Lambda Throttles "FunctionName=$name"; then
      read -r verdict _ <<<"$(judge "$rule_evaluation" "$rule_datapoints" <<<"$values")"
      throttles="$(sum_of <<<"$values")"
      report "$verdict" lambda "$region" "$name" throttles "$throttles throttles in $(minutes "$rule_range") min (alarm at $rule_threshold per $(minutes "$rule_period") min)"
    fi
  done < <(manifest_lines function)

  while IFS=$'\t' read -r _ name dead; do
    [ "$dead" = yes ] || continue
    if ! load_rule ApproximateNumberOfMessagesVisible "QueueName=$name"; then
      report UNKNOWN lambda "$region" "$name" "DLQ depth" "$(no_alarm ApproximateNumberOfMessagesVisible)"
      continue
    fi
    if ! url="$(daml_aws sqs get-queue-url --region "$region" --queue-name "$name" --query QueueUrl --output text 2>&1)"; then
      if [ "$(aws_error_kind "$url")" = notfound ]; then
        report UNKNOWN lambda "$region" "$name" "DLQ depth" "queue not found (stack not deployed?)"
      else
        report UNKNOWN lambda "$region" "$name" "DLQ depth" "cannot find queue: $(short "$url")"
      fi
      continue
    fi
    if ! depth="$(daml_aws sqs get-queue-attributes --region "$region" --queue-url "$url" --attribute-names ApproximateNumberOfMessages \
      --query Attributes.ApproximateNumberOfMessages --output text 2>&1)"; then
      report UNKNOWN lambda "$region" "$name" "DLQ depth" "cannot read queue: $(short "$depth")"
      continue
    fi
    # The queue's depth now is one datapoint of the alarm's metric.
    read -r verdict _ <<<"$(judge 1 1 <<<"${depth:-0}")"
    case "$verdict" in
      CRIT) report CRIT lambda "$region" "$name" "DLQ depth" "$depth messages waiting for replay (runbook: dlq-depth)" ;;
      *) report "$verdict" lambda "$region" "$name" "DLQ depth" "${depth:-0} messages" ;;
    esac
  done < <(manifest_lines queue)
}

check_sagemaker() {
  local region="$1" name variants variant out list values verdict present
  while IFS=$'\t' read -r _ name variants; do
    if ! out="$(daml_aws sagemaker describe-endpoint --region "$region" --endpoint-name "$name" --query EndpointStatus --output text 2>&1)"; then
      if [ "$(aws_error_kind "$out")" = notfound ]; then
        report UNKNOWN sagemaker "$region" "$name" status "endpoint not found (stack not deployed?)"
      else
        report UNKNOWN sagemaker "$region" "$name" status "cannot describe endpoint: $(short "$out")"
      fi
      continue
    fi
    case "$out" in
      InService) report OK sagemaker "$region" "$name" status "$out" ;;
      Creating | Updating | SystemUpdating | RollingBack | UpdateRollbackFailed) report WARN sagemaker "$region" "$name" status "$out" ;;
      *) report CRIT sagemaker "$region" "$name" status "$out" ;;
    esac
    IFS=, read -r -a list <<<"$variants"
    for variant in "${list[@]}"; do
      if judged_values sagemaker "$region" "$name/$variant" "5XX errors" AWS/SageMaker Invocation5XXErrors "EndpointName=$name" "VariantName=$variant"; then
        read -r verdict _ <<<"$(judge "$rule_evaluation" "$rule_datapoints" <<<"$values")"
        report "$verdict" sagemaker "$region" "$name/$variant" "5XX errors" "$(max_of <<<"$values" | sed 's/^$/0/') max per $(minutes "$rule_period") min (alarm at $rule_threshold)"
      fi
      if judged_values sagemaker "$region" "$name/$variant" "model latency p99" AWS/SageMaker ModelLatency "EndpointName=$name" "VariantName=$variant"; then
        read -r verdict _ present <<<"$(judge "$rule_evaluation" "$rule_datapoints" <<<"$values")"
        if [ "$present" -eq 0 ]; then
          report "$verdict" sagemaker "$region" "$name/$variant" "model latency p99" "no invocations in $(minutes "$rule_range") min"
        else
          report "$verdict" sagemaker "$region" "$name/$variant" "model latency p99" "$(calc "$(max_of <<<"$values") / 1000" 1) ms (alarm at $(calc "$rule_threshold / 1000" 1) ms)"
        fi
      fi
    done
  done < <(manifest_lines endpoint)
}

# check_cluster_metric REGION CLUSTER METRIC CHECK UNIT: one Redshift metric judged by its alarm.
check_cluster_metric() {
  local region="$1" id="$2" metric="$3" check="$4" unit="$5" values verdict present
  if judged_values redshift "$region" "$id" "$check" AWS/Redshift "$metric" "ClusterIdentifier=$id"; then
    read -r verdict _ present <<<"$(judge "$rule_evaluation" "$rule_datapoints" <<<"$values")"
    if [ "$present" -eq 0 ]; then
      report "$verdict" redshift "$region" "$id" "$check" "no datapoints in $(minutes "$rule_range") min"
    else
      report "$verdict" redshift "$region" "$id" "$check" "$(calc "$(max_of <<<"$values")" 1) $unit (alarm at $rule_threshold $unit)"
    fi
  fi
}

check_redshift() {
  local region="$1" id out status availability
  while IFS=$'\t' read -r _ id; do
    if ! out="$(daml_aws redshift describe-clusters --region "$region" --cluster-identifier "$id" \
      --query 'Clusters[0].[ClusterStatus,ClusterAvailabilityStatus]' --output text 2>&1)"; then
      if [ "$(aws_error_kind "$out")" = notfound ]; then
        report UNKNOWN redshift "$region" "$id" status "cluster not found (stack not deployed?)"
      else
        report UNKNOWN redshift "$region" "$id" status "cannot describe cluster: $(short "$out")"
      fi
      continue
    fi
    read -r status availability <<<"$out"
    case "$status" in
      available) report OK redshift "$region" "$id" status "available (${availability:-?})" ;;
      paused | pausing | resuming | modifying | resizing | rebooting | renaming | creating | final-snapshot | updating-hsm | cancelling-resize)
        report WARN redshift "$region" "$id" status "$status (${availability:-?})" ;;
      *) report CRIT redshift "$region" "$id" status "$status (${availability:-?})" ;;
    esac
    check_cluster_metric "$region" "$id" CPUUtilization cpu %
    check_cluster_metric "$region" "$id" PercentageDiskSpaceUsed "disk used" %
  done < <(manifest_lines cluster)
}

check_api() {
  local region="$1" name stage id errors requests total_errors total_requests rate values verdict present
  while IFS=$'\t' read -r _ name stage; do
    if ! id="$(daml_aws apigatewayv2 get-apis --region "$region" --query "Items[?Name=='$name'].ApiId | [0]" --output text 2>&1)"; then
      report UNKNOWN api "$region" "$name" "5XX rate" "cannot list APIs: $(short "$id")"
      continue
    fi
    if [ -z "$id" ] || [ "$id" = None ]; then
      report UNKNOWN api "$region" "$name" "5XX rate" "API not found (stack not deployed?)"
      continue
    fi
    # The manifest names the API by its name (what the alarm's ApiId reference stands for); CloudWatch wants its id.
    if ! load_rule "rate(5xx)" "ApiId=$name" "Stage=$stage"; then
      report UNKNOWN api "$region" "$name" "5XX rate" "$(no_alarm 'the 5xx / Count ratio')"
    elif ! errors="$(timed_datapoints "$region" AWS/ApiGateway 5xx "$rule_stat" "$rule_period" "$rule_range" "ApiId=$id" "Stage=$stage")" ||
      ! requests="$(timed_datapoints "$region" AWS/ApiGateway Count "$rule_stat" "$rule_period" "$rule_range" "ApiId=$id" "Stage=$stage")"; then
      report UNKNOWN api "$region" "$name" "5XX rate" "cannot read CloudWatch metrics"
    else
      total_errors="$(cut -d' ' -f2 <<<"$errors" | sum_of)"
      total_requests="$(cut -d' ' -f2 <<<"$requests" | sum_of)"
      if [ "$(calc "$total_requests > 0" 0)" = 1 ]; then
        read -r verdict _ <<<"$(ratio_per_period "$errors" "$requests" | judge "$rule_evaluation" "$rule_datapoints")"
        rate="$(calc "$total_errors / $total_requests" 4)"
        report "$verdict" api "$region" "$name" "5XX rate" "$(calc "100 * $rate" 2) % ($total_errors of $total_requests requests; alarm at $(calc "100 * $rule_threshold" 2) %)"
      else
        report OK api "$region" "$name" "5XX rate" "no requests in $(minutes "$rule_range") min"
      fi
    fi
    if ! load_rule Latency "ApiId=$name" "Stage=$stage"; then
      report UNKNOWN api "$region" "$name" "latency p99" "$(no_alarm Latency)"
    elif ! values="$(rule_values "$region" AWS/ApiGateway Latency "ApiId=$id" "Stage=$stage")"; then
      report UNKNOWN api "$region" "$name" "latency p99" "cannot read CloudWatch metrics"
    else
      read -r verdict _ present <<<"$(judge "$rule_evaluation" "$rule_datapoints" <<<"$values")"
      if [ "$present" -eq 0 ]; then
        report "$verdict" api "$region" "$name" "latency p99" "no requests in $(minutes "$rule_range") min"
      else
        report "$verdict" api "$region" "$name" "latency p99" "$(calc "$(max_of <<<"$values")" 0) ms (alarm at $rule_threshold ms)"
      fi
    fi
  done < <(manifest_lines api)
}

check_replication() {
  local region="$1" source destination rule dims values verdict present pending failed
  while IFS=$'\t' read -r _ source destination rule; do
    dims=("SourceBucket=$source" "DestinationBucket=$destination" "RuleId=$rule")
    if judged_values replication "$region" "$source" latency AWS/S3 ReplicationLatency "${dims[@]}"; then
      read -r verdict _ present <<<"$(judge "$rule_evaluation" "$rule_datapoints" <<<"$values")"
      if [ "$present" -eq 0 ]; then
        report "$verdict" replication "$region" "$source" latency "nothing replicated in $(minutes "$rule_range") min"
      else
        report "$verdict" replication "$region" "$source" latency "$(calc "$(max_of <<<"$values")" 0) s max to $destination (RTC SLA $rule_threshold s)"
      fi
    fi
    if ! load_rule OperationsFailedReplication "${dims[@]}"; then
      report UNKNOWN replication "$region" "$source" backlog "$(no_alarm OperationsFailedReplication)"
      continue
    fi
    if ! values="$(rule_values "$region" AWS/S3 OperationsFailedReplication "${dims[@]}")" ||
      ! pending="$(datapoints "$region" AWS/S3 OperationsPendingReplication Maximum "$rule_period" "$rule_range" "${dims[@]}" | max_of)"; then
      report UNKNOWN replication "$region" "$source" backlog "cannot read CloudWatch metrics"
      continue
    fi
    read -r verdict _ <<<"$(judge "$rule_evaluation" "$rule_datapoints" <<<"$values")"
    failed="$(sum_of <<<"$values")"
    case "$verdict" in
      CRIT) report CRIT replication "$region" "$source" backlog "${pending:-0} operations pending, $failed failed in $(minutes "$rule_range") min (runbook: replication-failed)" ;;
      *) report "$verdict" replication "$region" "$source" backlog "${pending:-0} operations pending, $failed failed in $(minutes "$rule_range") min" ;;
    esac
  done < <(manifest_lines replication)
}

# ------------------------------------------------------------------- main --
missing="$(daml_missing_prerequisites node aws)"
if [ -n "$missing" ]; then
  while IFS= read -r line; do report UNKNOWN prerequisite - - - "$line"; done <<<"$missing"
  finish
fi
# Asked in the --region region when given, so that no default region is needed.
if ! ACCOUNT="$(daml_aws sts get-caller-identity ${region_filter:+--region "$region_filter"} --query Account --output text 2>&1)"; then
  if daml_region_missing "$ACCOUNT"; then
    report UNKNOWN region - - "aws sts" "${DAML_REGION_MISSING/#no AWS region for the AWS CLI:/no AWS region: pass --region REGION,}"
  else
    report UNKNOWN credentials - - "aws sts" "no usable AWS credentials: $(short "$ACCOUNT")"
  fi
  finish
fi

checked=0
for role in primary dr; do
  stack="$(daml_stack_name "$role")"
  if ! MANIFEST="$(daml_manifest "$role" "$ACCOUNT" 2>&1)"; then
    if [ -z "$region_filter" ]; then
      report UNKNOWN stack - "$stack" synthesized "not found in $DAML_STACKS_DIR: run npm run synth (or scripts/deploy.sh) first"
    fi
    continue
  fi
  region="$(awk -F'\t' '$1 == "region" { print $2; exit }' <<<"$MANIFEST")"
  if [ -n "$region_filter" ] && [ "$region" != "$region_filter" ]; then continue; fi
  checked=$((checked + 1))
  case "$component" in
    all)
      check_dashboard "$region"
      check_kinesis "$region"
      check_lambda "$region"
      check_sagemaker "$region"
      check_redshift "$region"
      check_api "$region"
      check_replication "$region"
      ;;
    *)
      before=$((count_ok + count_warn + count_crit + count_unknown))
      "check_$component" "$region"
      if [ $((count_ok + count_warn + count_crit + count_unknown)) -eq "$before" ]; then
        report OK "$component" "$region" - presence "none in stack $stack"
      fi
      ;;
  esac
done

if [ -n "$region_filter" ] && [ "$checked" -eq 0 ]; then
  report UNKNOWN stack "$region_filter" - synthesized "no synthesized stack of $(daml_stack_name primary | sed 's/-primary$//') is in region $region_filter"
fi
finish
