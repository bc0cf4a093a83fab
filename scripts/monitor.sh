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

Figures cover the last 15 minutes. CRIT: the figure is at or beyond the threshold
of the matching CloudWatch alarm (read from the synthesized stack, i.e. from
config.observability.alarms); WARN: at 80 % of it, or a transitional state
(updating, paused, ...). Resource names come from the synthesized stacks
(cdktf.out/stacks/<stack>/cdk.tf.json; run npm run synth or deploy.sh first).

Options:
  --region REGION  check only the stack deployed in REGION
  --json           print one JSON document instead of lines
  -h, --help       show this help

Environment: AWS_PROFILE / credentials as for the AWS CLI; AWS_ENDPOINT_URL to
check a local emulator; PROJECT_NAME, ENVIRONMENT as for the synth.

Exit status: 0 all OK; 1 a WARN; 2 a CRIT; 3 a check could not run (no
credentials, stack not synthesized or not deployed, bad arguments). With mixed
results the most severe known status wins: CRIT, then could-not-run, then WARN.
EOF
}

# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

WINDOW_MINUTES=15
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

# ---------------------------------------------------------------- results --
results_json=()
count_ok=0 count_warn=0 count_crit=0 count_unknown=0

json_string() {
  local s="$1"
  s="${s//\\/\\\\}"
  s="${s//\"/\\\"}"
  s="${s//$'\t'/ }"
  s="${s//$'\n'/ }"
  printf '"%s"' "$s"
}

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
    results_json+=("{\"status\":$(json_string "$status"),\"component\":$(json_string "$comp"),\"region\":$(json_string "$region"),\"resource\":$(json_string "$resource"),\"check\":$(json_string "$check"),\"figure\":$(json_string "$figure")}")
  else
    printf '%-7s %-11s %-9s %-48s %-22s %s\n' "$status" "$comp" "$region" "$resource" "$check" "$figure"
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

# ------------------------------------------------------------ arithmetic --
# judge_high VALUE CRIT_THRESHOLD: CRIT at or above the threshold, WARN at WARN_FRACTION of it.
judge_high() {
  awk -v v="$1" -v t="$2" -v f="$WARN_FRACTION" 'BEGIN { if (v >= t) print "CRIT"; else if (v >= t * f) print "WARN"; else print "OK" }'
}
calc() { awk "BEGIN { printf \"%.${2:-2}f\", ($1) }"; }

# ------------------------------------------------------------- AWS access --
epoch_to_iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ 2>/dev/null || date -u -r "$1" +%Y-%m-%dT%H:%M:%SZ; }
NOW="$(date -u +%s)"
END_TIME="$(epoch_to_iso "$NOW")"
START_TIME="$(epoch_to_iso $((NOW - WINDOW_MINUTES * 60)))"

# datapoints REGION NAMESPACE METRIC STAT PERIOD DIMENSION=VALUE...: one value per line (none when
# CloudWatch has no datapoints); fails when the call fails. STAT may be a percentile (p99).
datapoints() {
  local region="$1" namespace="$2" metric="$3" stat="$4" period="$5"
  shift 5
  local dims=() pair statistic_args query out
  for pair in "$@"; do dims+=("Name=${pair%%=*},Value=${pair#*=}"); done
  if [[ "$stat" =~ ^p[0-9] ]]; then
    statistic_args=(--extended-statistics "$stat")
    query="Datapoints[].ExtendedStatistics.\"$stat\""
  else
    statistic_args=(--statistics "$stat")
    query="Datapoints[].$stat"
  fi
  out="$(daml_aws cloudwatch get-metric-statistics --region "$region" --namespace "$namespace" --metric-name "$metric" \
    --dimensions "${dims[@]}" --start-time "$START_TIME" --end-time "$END_TIME" --period "$period" \
    "${statistic_args[@]}" --query "$query" --output text)" || return 1
  printf '%s\n' "$out" | tr -s '\t ' '\n' | grep -E '^-?[0-9.]+(e[-+]?[0-9]+)?$' || true
}

max_of() { awk 'BEGIN { m = "" } { if (m == "" || $1 > m) m = $1 } END { print m }'; }
sum_of() { awk '{ s += $1 } END { printf "%g\n", s + 0 }'; }
count_of() { awk 'END { print NR }'; }

# Alarm thresholds of the stack being checked (manifest "alarm" lines): alarm_threshold METRIC [DIMENSION_VALUE] DEFAULT.
alarm_threshold() {
  local metric="$1" dimension="$2" fallback="$3" found
  found="$(awk -F'\t' -v m="$metric" -v d="$dimension" '$1 == "alarm" && $2 == m && (d == "" || $3 == d) { print $4; exit }' <<<"$MANIFEST")"
  if [ -z "$found" ]; then found="$(awk -F'\t' -v m="$metric" '$1 == "alarm" && $2 == m { print $4; exit }' <<<"$MANIFEST")"; fi
  printf '%s' "${found:-$fallback}"
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
  local region="$1" name consumed out status shards threshold age throttles periods throttled_periods
  while IFS=$'\t' read -r _ name consumed; do
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

    threshold="$(alarm_threshold GetRecords.IteratorAgeMilliseconds "$name" 60000)"
    if ! age="$(datapoints "$region" AWS/Kinesis GetRecords.IteratorAgeMilliseconds Maximum 60 "StreamName=$name" | max_of)"; then
      report UNKNOWN kinesis "$region" "$name" "iterator age" "cannot read CloudWatch metrics"
    elif [ -z "$age" ]; then
      if [ "$consumed" = yes ]; then
        report CRIT kinesis "$region" "$name" "iterator age" "no GetRecords datapoints in ${WINDOW_MINUTES} min: the consumer is not polling"
      else
        report OK kinesis "$region" "$name" "iterator age" "no consumer in this region"
      fi
    else
      report "$(judge_high "$age" "$threshold")" kinesis "$region" "$name" "iterator age" "$(calc "$age" 0) ms max (alarm at $threshold ms)"
    fi

    if ! periods="$(datapoints "$region" AWS/Kinesis WriteProvisionedThroughputExceeded Sum 300 "StreamName=$name")"; then
      report UNKNOWN kinesis "$region" "$name" "write throttling" "cannot read CloudWatch metrics"
      continue
    fi
    throttles="$(sum_of <<<"$periods")"
    throttled_periods="$(awk '$1 > 0' <<<"$periods" | count_of)"
    if [ "$throttled_periods" -ge 3 ]; then
      report CRIT kinesis "$region" "$name" "write throttling" "$throttles throttled writes, in every 5-minute period: add shards"
    elif [ "$(calc "$throttles > 0" 0)" = 1 ]; then
      report WARN kinesis "$region" "$name" "write throttling" "$throttles throttled writes in ${WINDOW_MINUTES} min"
    else
      report OK kinesis "$region" "$name" "write throttling" "0 throttled writes in ${WINDOW_MINUTES} min"
    fi
  done < <(manifest_lines stream)
}

# lambda_count REGION FUNCTION METRIC: "<sum> <largest 5-minute sum>", or fails.
lambda_count() {
  local periods
  periods="$(datapoints "$1" AWS/Lambda "$3" Sum 300 "FunctionName=$2")" || return 1
  printf '%s %s' "$(sum_of <<<"$periods")" "$(max_of <<<"$periods")"
}

check_lambda() {
  local region="$1" name dead url depth out errors errors_peak invocations throttles throttles_peak threshold rate status
  while IFS=$'\t' read -r _ name; do
    if ! out="$(daml_aws lambda get-function-configuration --region "$region" --function-name "$name" --query State --output text 2>&1)"; then
      if [ "$(aws_error_kind "$out")" = notfound ]; then
        report UNKNOWN lambda "$region" "$name" "error rate" "function not found (stack not deployed?)"
      else
        report UNKNOWN lambda "$region" "$name" "error rate" "cannot read function: $(short "$out")"
      fi
      continue
    fi
    if ! out="$(lambda_count "$region" "$name" Errors)" || ! invocations="$(lambda_count "$region" "$name" Invocations)"; then
      report UNKNOWN lambda "$region" "$name" "error rate" "cannot read CloudWatch metrics"
      continue
    fi
    read -r errors errors_peak <<<"$out"
    invocations="${invocations%% *}"
    threshold="$(alarm_threshold Errors "$name" 1)"
    if [ "$(calc "${invocations:-0} > 0" 0)" = 1 ]; then rate="$(calc "100 * ${errors:-0} / $invocations" 2)"; else rate="0.00"; fi
    status="$(judge_high "${errors_peak:-0}" "$threshold")"
    report "$status" lambda "$region" "$name" "error rate" "${rate} % (${errors:-0} errors / ${invocations:-0} invocations; alarm at $threshold per 5 min)"

    if ! out="$(lambda_count "$region" "$name" Throttles)"; then
      report UNKNOWN lambda "$region" "$name" throttles "cannot read CloudWatch metrics"
      continue
    fi
    read -r throttles throttles_peak <<<"$out"
    threshold="$(alarm_threshold Throttles "$name" 1)"
    report "$(judge_high "${throttles_peak:-0}" "$threshold")" lambda "$region" "$name" throttles "${throttles:-0} throttles in ${WINDOW_MINUTES} min (alarm at $threshold per 5 min)"
  done < <(manifest_lines function)

  while IFS=$'\t' read -r _ name dead; do
    [ "$dead" = yes ] || continue
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
    if [ "${depth:-0}" -gt 0 ]; then
      report CRIT lambda "$region" "$name" "DLQ depth" "$depth messages waiting for replay (runbook: dlq-depth)"
    else
      report OK lambda "$region" "$name" "DLQ depth" "0 messages"
    fi
  done < <(manifest_lines queue)
}

check_sagemaker() {
  local region="$1" name variants variant out threshold errors latency list
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
      threshold="$(alarm_threshold Invocation5XXErrors "$name" 1)"
      if ! errors="$(datapoints "$region" AWS/SageMaker Invocation5XXErrors Sum 300 "EndpointName=$name" "VariantName=$variant" | max_of)"; then
        report UNKNOWN sagemaker "$region" "$name/$variant" "5XX errors" "cannot read CloudWatch metrics"
        continue
      fi
      report "$(judge_high "${errors:-0}" "$threshold")" sagemaker "$region" "$name/$variant" "5XX errors" "${errors:-0} max per 5 min (alarm at $threshold)"
      threshold="$(alarm_threshold ModelLatency "$name" 500000)"
      if ! latency="$(datapoints "$region" AWS/SageMaker ModelLatency p99 300 "EndpointName=$name" "VariantName=$variant" | max_of)"; then
        report UNKNOWN sagemaker "$region" "$name/$variant" "model latency p99" "cannot read CloudWatch metrics"
      elif [ -z "$latency" ]; then
        report OK sagemaker "$region" "$name/$variant" "model latency p99" "no invocations in ${WINDOW_MINUTES} min"
      else
        report "$(judge_high "$latency" "$threshold")" sagemaker "$region" "$name/$variant" "model latency p99" "$(calc "$latency / 1000" 1) ms (alarm at $(calc "$threshold / 1000" 1) ms)"
      fi
    done
  done < <(manifest_lines endpoint)
}

check_redshift() {
  local region="$1" id out status availability threshold cpu disk
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
    threshold="$(alarm_threshold CPUUtilization "$id" 90)"
    if ! cpu="$(datapoints "$region" AWS/Redshift CPUUtilization Average 300 "ClusterIdentifier=$id" | max_of)"; then
      report UNKNOWN redshift "$region" "$id" cpu "cannot read CloudWatch metrics"
    elif [ -z "$cpu" ]; then
      report OK redshift "$region" "$id" cpu "no datapoints in ${WINDOW_MINUTES} min"
    else
      report "$(judge_high "$cpu" "$threshold")" redshift "$region" "$id" cpu "$(calc "$cpu" 1) % (alarm at $threshold %)"
    fi
    threshold="$(alarm_threshold PercentageDiskSpaceUsed "$id" 80)"
    if ! disk="$(datapoints "$region" AWS/Redshift PercentageDiskSpaceUsed Maximum 300 "ClusterIdentifier=$id" | max_of)"; then
      report UNKNOWN redshift "$region" "$id" "disk used" "cannot read CloudWatch metrics"
    elif [ -z "$disk" ]; then
      report OK redshift "$region" "$id" "disk used" "no datapoints in ${WINDOW_MINUTES} min"
    else
      report "$(judge_high "$disk" "$threshold")" redshift "$region" "$id" "disk used" "$(calc "$disk" 1) % (alarm at $threshold %)"
    fi
  done < <(manifest_lines cluster)
}

check_api() {
  local region="$1" name stage id errors requests rate threshold latency
  while IFS=$'\t' read -r _ name stage; do
    if ! id="$(daml_aws apigatewayv2 get-apis --region "$region" --query "Items[?Name=='$name'].ApiId | [0]" --output text 2>&1)"; then
      report UNKNOWN api "$region" "$name" "5XX rate" "cannot list APIs: $(short "$id")"
      continue
    fi
    if [ -z "$id" ] || [ "$id" = None ]; then
      report UNKNOWN api "$region" "$name" "5XX rate" "API not found (stack not deployed?)"
      continue
    fi
    if ! errors="$(datapoints "$region" AWS/ApiGateway 5xx Sum 300 "ApiId=$id" "Stage=$stage" | sum_of)" ||
      ! requests="$(datapoints "$region" AWS/ApiGateway Count Sum 300 "ApiId=$id" "Stage=$stage" | sum_of)"; then
      report UNKNOWN api "$region" "$name" "5XX rate" "cannot read CloudWatch metrics"
      continue
    fi
    threshold="$(alarm_threshold "rate(5xx)" "$name" 0.01)"
    if [ "$(calc "$requests > 0" 0)" = 1 ]; then
      rate="$(calc "$errors / $requests" 4)"
      report "$(judge_high "$rate" "$threshold")" api "$region" "$name" "5XX rate" "$(calc "100 * $rate" 2) % ($errors of $requests requests; alarm at $(calc "100 * $threshold" 2) %)"
    else
      report OK api "$region" "$name" "5XX rate" "no requests in ${WINDOW_MINUTES} min"
    fi
    threshold="$(alarm_threshold Latency "$name" 1000)"
    if ! latency="$(datapoints "$region" AWS/ApiGateway Latency p99 300 "ApiId=$id" "Stage=$stage" | max_of)"; then
      report UNKNOWN api "$region" "$name" "latency p99" "cannot read CloudWatch metrics"
    elif [ -z "$latency" ]; then
      report OK api "$region" "$name" "latency p99" "no requests in ${WINDOW_MINUTES} min"
    else
      report "$(judge_high "$latency" "$threshold")" api "$region" "$name" "latency p99" "$(calc "$latency" 0) ms (alarm at $threshold ms)"
    fi
  done < <(manifest_lines api)
}

check_replication() {
  local region="$1" source destination rule dims latency threshold pending failed
  while IFS=$'\t' read -r _ source destination rule; do
    dims=("SourceBucket=$source" "DestinationBucket=$destination" "RuleId=$rule")
    threshold="$(alarm_threshold ReplicationLatency "$destination" 900)"
    if ! latency="$(datapoints "$region" AWS/S3 ReplicationLatency Maximum 60 "${dims[@]}" | max_of)"; then
      report UNKNOWN replication "$region" "$source" latency "cannot read CloudWatch metrics"
      continue
    fi
    if [ -z "$latency" ]; then
      report OK replication "$region" "$source" latency "nothing replicated in ${WINDOW_MINUTES} min"
    else
      report "$(judge_high "$latency" "$threshold")" replication "$region" "$source" latency "$(calc "$latency" 0) s max to $destination (RTC SLA $threshold s)"
    fi
    if ! pending="$(datapoints "$region" AWS/S3 OperationsPendingReplication Maximum 60 "${dims[@]}" | max_of)" ||
      ! failed="$(datapoints "$region" AWS/S3 OperationsFailedReplication Sum 300 "${dims[@]}" | sum_of)"; then
      report UNKNOWN replication "$region" "$source" backlog "cannot read CloudWatch metrics"
      continue
    fi
    if [ "$(calc "$failed > 0" 0)" = 1 ]; then
      report CRIT replication "$region" "$source" backlog "${pending:-0} operations pending, $failed failed in ${WINDOW_MINUTES} min (runbook: replication-failed)"
    else
      report OK replication "$region" "$source" backlog "${pending:-0} operations pending, 0 failed in ${WINDOW_MINUTES} min"
    fi
  done < <(manifest_lines replication)
}

# ------------------------------------------------------------------- main --
missing="$(daml_missing_prerequisites node aws)"
if [ -n "$missing" ]; then
  while IFS= read -r line; do report UNKNOWN prerequisite - - - "$line"; done <<<"$missing"
  finish
fi
if ! ACCOUNT="$(daml_account_id 2>&1)"; then
  report UNKNOWN credentials - - "aws sts" "no usable AWS credentials: $(short "$ACCOUNT")"
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
