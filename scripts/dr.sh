#!/usr/bin/env bash
# Disaster recovery of the platform through the AWS CLI: where the DR region stands (status), moving
# the platform to it (failover) and back (failback).
# shellcheck disable=SC2317  # the cmd_* functions are called by name: "cmd_$command"
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: scripts/dr.sh status|failover|failback [options]

  status    the active region (SSM parameter /<project>-<environment>/active-region
            in each region, "(not set)" before the first failover), a failover in
            progress, the lake's replication to DR (ReplicationLatency as RPO,
            OperationsPendingReplication, BytesPendingReplication), and the DR
            endpoint's and stream's state
  failover  1. checks the DR region is ready: endpoint InService, stream ACTIVE;
               changes nothing if not
            2. records the failover (window start) in the DR region's SSM parameter
               /<project>-<environment>/dr-failover-state (a re-run keeps it)
            3. active region -> DR in both regions (the primary may be unreachable:
               a failed write there is a WARN)
            4. scales the DR endpoint to the DR stack's output
               inference_failover_capacity ({"variant": count}); skipped when the
               synthesized stack has no such output
  failback  1. reads the failover record; none (and no --since): nothing to do, exit 0
            2. checks the primary lake is reachable; changes nothing if not
            3. copies the objects written to the DR lake since the window start to
               the primary lake (those the primary holds at the same size are
               skipped: a re-run copies nothing new)
            4. active region -> primary in both regions, then copies once more what
               was written until the switch
            5. scales the DR endpoint back to 1 instance per variant
            6. deletes the failover record

Options:
  --dry-run           print every step and the AWS calls that would change something,
                      without making them (reads still run)
  --json              one JSON document instead of lines
  --deadline MINUTES  how long to wait for the endpoint to be InService (default 90)
  --since ISO-TIME    failback: the window start, when no failover is recorded
  -h, --help          show this help

Names come from the synthesized stacks (cdktf.out/stacks/<stack>/cdk.tf.json; run
npm run synth or deploy.sh first). Environment: AWS_PROFILE / credentials as for the
AWS CLI; AWS_ENDPOINT_URL for a local emulator; PROJECT_NAME, ENVIRONMENT as for the
synth; DAML_DR_POLL_SECONDS between endpoint polls (default 20).

Exit status: 0 done (status: everything read and the DR region ready); 1 a step
failed (the report names it), or status found the DR region not ready or could not
read it; 2 bad arguments; 3 environment problem (no region or credentials, stack not
synthesized, a missing tool).
USAGE
}

# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=scripts/lib/alarm-rules.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/alarm-rules.sh"
# shellcheck source=scripts/lib/dr-steps.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/dr-steps.sh"
# shellcheck source=scripts/lib/dr-components.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/dr-components.sh"

command=""
json=0
dry_run=0
deadline_minutes=90
since=""
need_value() { [ "$2" -ge 2 ] || daml_die 2 "$1 needs a value (see --help)"; }
while [ $# -gt 0 ]; do
  case "$1" in
    status | failover | failback)
      [ -z "$command" ] || daml_die 2 "more than one command: $command and $1 (give one of status, failover, failback)"
      command="$1"
      ;;
    --json) json=1 ;;
    --dry-run) dry_run=1 ;;
    --deadline) need_value "$1" $#; deadline_minutes="$2"; shift ;;
    --since) need_value "$1" $#; since="$2"; shift ;;
    -h | --help) usage; exit 0 ;;
    *) daml_die 2 "unknown argument: $1 (see --help)" ;;
  esac
  shift
done
[ -n "$command" ] || daml_die 2 "no command: give one of status, failover, failback (see --help)"
[[ "$deadline_minutes" =~ ^[1-9][0-9]*$ ]] || daml_die 2 "--deadline $(daml_json_line "$deadline_minutes"): a whole number of minutes, 1 or more"
if [ -n "$since" ] && ! epoch_of "$since" >/dev/null; then daml_die 2 "--since $(daml_json_line "$since"): an ISO 8601 time such as 2026-03-20T10:00:00Z"; fi
if [ -n "$since" ] && [ "$command" != failback ]; then daml_die 2 "--since is a failback option"; fi
if [ "$command" = status ] && [ "$dry_run" -eq 1 ]; then daml_die 2 "status changes nothing: --dry-run does not apply"; fi
daml_check_names 2

# ----------------------------------------------------------------- stacks --
load_stacks() {
  local missing role line
  missing="$(daml_missing_prerequisites node aws credentials)"
  if [ -n "$missing" ]; then
    while IFS= read -r line; do daml_log "$line"; done <<<"$missing"
    daml_die 3 "cannot run until the problems above are fixed; nothing was changed"
  fi
  ACCOUNT="$(daml_account_id)"
  for role in primary dr; do
    if ! line="$(daml_manifest "$role" "$ACCOUNT" 2>&1)"; then
      daml_die 3 "stack $(daml_stack_name "$role") not found in $DAML_STACKS_DIR: run npm run synth (or scripts/deploy.sh) first"
    fi
    if [ "$role" = primary ]; then MANIFEST_PRIMARY="$line"; else MANIFEST_DR="$line"; fi
  done
  PRIMARY_REGION="$(field "$MANIFEST_PRIMARY" region 2)"
  DR_REGION="$(field "$MANIFEST_DR" region 2)"
  ACTIVE_PARAM="$(printf '/%s-%s/active-region' "$(daml_project_name)" "$(daml_environment)")"
  PRIMARY_LAKE="$(field "$MANIFEST_PRIMARY" replication 2)"
  DR_LAKE="$(field "$MANIFEST_PRIMARY" replication 3)"
  REPLICATION_RULE="$(field "$MANIFEST_PRIMARY" replication 4)"
  [ -n "$PRIMARY_LAKE" ] || daml_die 3 "the synthesized primary stack replicates no lake to the DR region: nothing to fail over to"
  DR_ENDPOINT="$(field "$MANIFEST_DR" endpoint 2)"
  DR_VARIANTS="$(field "$MANIFEST_DR" endpoint 3)"
  DR_STREAM="$(field "$MANIFEST_DR" stream 2)"
  if [ -z "$DR_ENDPOINT" ] || [ -z "$DR_STREAM" ]; then daml_die 3 "the synthesized DR stack $(daml_stack_name dr) has no inference endpoint or no stream: nothing to fail over to"; fi
}

finished_word() { if [ "$dry_run" -eq 1 ]; then printf planned; else printf finished; fi; }
deadline_epoch() { printf '%s' $(($(date +%s) + deadline_minutes * 60)); }

# ----------------------------------------------------------------- status --
status_component() {
  local component="$1" state="$2" rpo="$3" detail="$4"
  if [ "$state" != OK ]; then count_failed=$((count_failed + 1)); fi
  if [ "$json" -eq 1 ]; then
    components_json+=("{\"component\":$(daml_json_line "$component"),\"status\":$(daml_json_line "$state"),\"rpoMinutes\":$(json_number "$rpo"),\"detail\":$(daml_json_line "$detail")}")
  else
    printf '%-8s %-10s RPO %-9s %s\n' "$state" "$component" "$([[ "$rpo" =~ ^[0-9.]+$ ]] && echo "$rpo min" || echo "$rpo")" "$detail"
  fi
}

# failover_json RECORD: the record as JSON (null when none; a string when it is not a JSON object).
failover_json() {
  if [ -z "$1" ]; then printf null
  elif json_get windowStart <<<"$1" >/dev/null 2>&1; then printf '%s' "$1"
  else daml_json_line "$1"
  fi
}

cmd_status() {
  local region value active_json="" failover state counts rpo
  components_json=()
  for region in "$PRIMARY_REGION" "$DR_REGION"; do
    if ! value="$(active_region "$region" 2>/dev/null)"; then value="(unreadable)"; count_failed=$((count_failed + 1))
    elif [ -z "$value" ]; then value="(not set)"
    fi
    active_json+="${active_json:+,}$(daml_json_line "$region"):$(daml_json_line "$value")"
    say "active region per $region: $value"
  done
  failover="$(state_read 2>/dev/null)" || { failover=""; count_failed=$((count_failed + 1)); say "failover state: unreadable in $DR_REGION"; }
  if [ -n "$failover" ]; then say "failover in progress since $(json_get windowStart <<<"$failover") ($(state_parameter) in $DR_REGION)"; else say "no failover in progress"; fi

  if lake_figures 2>/dev/null; then
    if [ -n "$LAKE_LATENCY" ]; then rpo="$(calc "$LAKE_LATENCY / 60" 1)"; else rpo="0.0"; fi
    status_component lake OK "$rpo" "replication $PRIMARY_LAKE -> $DR_LAKE: latency ${LAKE_LATENCY:-no datapoints (nothing replicated)} s max in 15 min; ${LAKE_PENDING_OPS:-0} operations, ${LAKE_PENDING_BYTES:-0} bytes pending"
  else
    status_component lake UNKNOWN n/a "cannot read the replication metrics in $PRIMARY_REGION"
  fi

  if ! state="$(endpoint_state "$DR_REGION" "$DR_ENDPOINT" 2>/dev/null)"; then
    status_component endpoint UNKNOWN n/a "cannot describe $DR_ENDPOINT"
  else
    counts="$(endpoint_counts "$DR_REGION" "$DR_ENDPOINT" 2>/dev/null)" || counts=""
    status_component endpoint "$([ "$state" = InService ] && echo OK || echo CRIT)" n/a "$DR_ENDPOINT $state${counts:+ ($counts)}: stateless"
  fi

  if ! state="$(daml_aws kinesis describe-stream-summary --region "$DR_REGION" --stream-name "$DR_STREAM" --query StreamDescriptionSummary.StreamStatus --output text 2>/dev/null)"; then
    status_component stream UNKNOWN n/a "cannot describe $DR_STREAM"
  else
    status_component stream "$([ "$state" = ACTIVE ] && echo OK || echo CRIT)" n/a "$DR_STREAM $state: not replicated; records the primary had not processed stay in its stream"
  fi
  if [ "$json" -eq 1 ]; then
    printf '{"command":"status","exitCode":%d,"primaryRegion":%s,"drRegion":%s,"activeRegion":{%s},"failover":%s,"components":[%s]}\n' \
      "$([ "$count_failed" -eq 0 ] && echo 0 || echo 1)" "$(daml_json_line "$PRIMARY_REGION")" "$(daml_json_line "$DR_REGION")" "$active_json" \
      "$(failover_json "$failover")" "$(IFS=,; printf '%s' "${components_json[*]}")"
  fi
  [ "$count_failed" -eq 0 ]
}

# --------------------------------------------------------------- failover --
cmd_failover() {
  local state started problems=() s
  FAILOVER_T0="$(now_ms)"
  step_begin "DR readiness in $DR_REGION"
  s="$(endpoint_state "$DR_REGION" "$DR_ENDPOINT" 2>&1)" || s="unreadable"
  [ "$s" = InService ] || problems+=("endpoint $DR_ENDPOINT is $(short "$s")")
  s="$(daml_aws kinesis describe-stream-summary --region "$DR_REGION" --stream-name "$DR_STREAM" --query StreamDescriptionSummary.StreamStatus --output text 2>&1)" || s="unreadable"
  [ "$s" = ACTIVE ] || problems+=("stream $DR_STREAM is $(short "$s")")
  if ! state="$(state_read 2>&1)"; then problems+=("cannot read $(state_parameter) in $DR_REGION: $(short "$state")"); fi
  if [ "${#problems[@]}" -gt 0 ]; then
    step_end FAILED "not ready, nothing changed: $(IFS=';'; printf '%s' "${problems[*]}" | sed 's/;/; /g')"
    return 1
  fi
  step_end OK "endpoint InService, stream ACTIVE"

  # A re-run continues the recorded failover: same window start.
  step_begin "record the failover in $(state_parameter)"
  started="$(json_get windowStart <<<"$state")"
  if [ -z "$started" ]; then
    started="$(iso_now)"
    state="$(json_set "" windowStart "$started")"
    state="$(json_set "$state" primaryRegion "$PRIMARY_REGION")"
    state="$(json_set "$state" drRegion "$DR_REGION")"
  fi
  s="$(state_write "$state" 2>&1)" || { step_end FAILED "cannot write $(state_parameter) in $DR_REGION: $(short "$s")"; return 1; }
  step_end "$(done_or_planned)" "window start $started"

  switch_active_region "$DR_REGION" "$DR_REGION" "$PRIMARY_REGION" || return 1

  if ! failover_capacity; then
    step_begin "scale $DR_ENDPOINT to its failover capacity"
    if [ -n "$CAPACITY_ERROR" ]; then
      step_end FAILED "$CAPACITY_ERROR"
      return 1
    fi
    step_end SKIPPED "the synthesized DR stack has no output inference_failover_capacity: the endpoint serves with what it runs"
  else
    # shellcheck disable=SC2086  # one argument per variant
    scale_endpoint "scale $DR_ENDPOINT to its failover capacity" "$(deadline_epoch)" $CAPACITY || return 1
  fi
  say "failover $(finished_word) in $(secs $(($(now_ms) - FAILOVER_T0))) s; point producers at $DR_STREAM; fail back with: scripts/dr.sh failback"
}

# --------------------------------------------------------------- failback --
cmd_failback() {
  local state window out pairs=() variant variants
  FAILBACK_T0="$(now_ms)"
  step_begin "failover record in $(state_parameter)"
  if ! state="$(state_read 2>&1)"; then
    step_end FAILED "cannot read it in $DR_REGION: $(short "$state")"
    return 1
  fi
  window="$(json_get windowStart <<<"$state")"
  window="${since:-$window}"
  if [ -z "$window" ]; then
    # The record is deleted last: without one, the last failback finished (or there was no failover).
    step_end SKIPPED "no failover recorded in $DR_REGION: nothing to fail back (--since <ISO time> for a failover made without dr.sh)"
    return 0
  fi
  step_end OK "window since $window"

  step_begin "primary readiness in $PRIMARY_REGION"
  if ! out="$(daml_aws s3api head-bucket --region "$PRIMARY_REGION" --bucket "$PRIMARY_LAKE" 2>&1)"; then
    step_end FAILED "primary lake $PRIMARY_LAKE not reachable, nothing changed: $(short "$out")"
    return 1
  fi
  step_end OK "lake $PRIMARY_LAKE reachable"

  copy_pass "copy the DR lake's window back to the primary" "$window" || return 1
  switch_active_region "$PRIMARY_REGION" "$PRIMARY_REGION" "$DR_REGION" || return 1
  # What producers wrote to DR until they followed the switch.
  if [ "$dry_run" -eq 1 ]; then
    step_begin "copy what DR received until the switch"
    step_end PLANNED "the copy above once more: objects written to $DR_LAKE after that listing"
  else
    copy_pass "copy what DR received until the switch" "$window" || return 1
  fi
  IFS=, read -r -a variants <<<"$DR_VARIANTS"
  for variant in "${variants[@]}"; do pairs+=("$variant=1"); done
  scale_endpoint "scale $DR_ENDPOINT back to the pilot light" "$(deadline_epoch)" "${pairs[@]}" || return 1

  step_begin "close the failover record"
  if [ -n "$state" ]; then
    out="$(change ssm delete-parameter --region "$DR_REGION" --name "$(state_parameter)" 2>&1)" || { step_end FAILED "delete-parameter: $(short "$out")"; return 1; }
    step_end "$(done_or_planned)" "$(state_parameter) deleted"
  else
    step_end SKIPPED "none was recorded (--since)"
  fi
  say "failback $(finished_word) in $(secs $(($(now_ms) - FAILBACK_T0))) s; point producers at the primary stream once $DR_STREAM is drained"
}

# copy_pass STEP-NAME SINCE
copy_pass() {
  step_begin "$1"
  if ! copy_window "$2"; then
    step_end FAILED "$COPY_ERROR ($COPIED copied before it)"
    return 1
  fi
  step_end "$([ "$dry_run" -eq 1 ] && [ "$COPIED" -gt 0 ] && echo PLANNED || echo OK)" \
    "$COPIED objects written since $2 copied to $PRIMARY_LAKE, $SKIPPED_SAME already there"
}

# ------------------------------------------------------------------- main --
finish() {
  local code="$1"
  if [ "$json" -eq 1 ] && [ "$command" != status ]; then
    printf '{"command":%s,"dryRun":%s,"exitCode":%d,"primaryRegion":%s,"drRegion":%s,"steps":[%s]}\n' "$(daml_json_line "$command")" \
      "$([ "$dry_run" -eq 1 ] && echo true || echo false)" "$code" "$(daml_json_line "${PRIMARY_REGION:-}")" "$(daml_json_line "${DR_REGION:-}")" \
      "$(IFS=,; printf '%s' "${steps_json[*]}")"
  fi
  exit "$code"
}

load_stacks
rc=0
"cmd_$command" || rc=1
[ "$count_failed" -eq 0 ] || rc=1
finish "$rc"
