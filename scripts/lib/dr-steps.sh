# shellcheck shell=bash disable=SC2034,SC2154  # dr.sh sets json and dry_run and reads the variables set here
# scripts/dr.sh's machinery: timed steps and their report (lines or one JSON document), AWS calls
# that change something (only printed with --dry-run), the failover state kept in SSM, and the
# manifest look-ups. Source it after common.sh and alarm-rules.sh; it defines functions and the
# variables below and runs nothing else. It reads
#   json, dry_run       0 or 1, from the command line
#   MANIFEST_PRIMARY, MANIFEST_DR   the stacks' manifests (scripts/lib/stack-manifest.js)

DR_POLL_SECONDS="${DAML_DR_POLL_SECONDS:-20}"
DR_PLANNED="$(mktemp "${TMPDIR:-/tmp}/dr-planned.XXXXXX")"
trap 'rm -f "$DR_PLANNED"' EXIT

now_ms() { date +%s%3N; }
secs() { awk -v ms="$1" 'BEGIN { printf "%.1f", ms / 1000 }'; }
iso_now() { date -u +%Y-%m-%dT%H:%M:%SZ; }
# epoch_of ISO-TIME: seconds since the epoch (the AWS CLI prints times as ISO 8601, with or without fractions).
epoch_of() { date -u -d "$1" +%s 2>/dev/null; }
short() { printf '%s' "$1" | tr '\n' ' ' | cut -c1-200; }

# json_number VALUE: VALUE when it is a number, null otherwise.
json_number() { if [[ "$1" =~ ^-?[0-9]+(\.[0-9]+)?$ ]]; then printf '%s' "$1"; else printf 'null'; fi; }

# ------------------------------------------------------------------ steps --
RUN_T0="$(now_ms)"
STEP_NAME=""
STEP_T0=0
STEP_STATUS=""
STEP_MS=0
steps_json=()
count_failed=0
count_warn=0

step_begin() {
  STEP_NAME="$1"
  STEP_T0="$(now_ms)"
  : >"$DR_PLANNED"
}

# step_end STATUS DETAIL: OK, WARN, FAILED, SKIPPED or PLANNED (what --dry-run would change); prints the
# step with the time since the command started and the step's own duration, and the calls --dry-run planned.
step_end() {
  local status="$1" detail="$2" end elapsed calls=() line joined=""
  end="$(now_ms)"
  STEP_MS=$((end - STEP_T0))
  STEP_STATUS="$status"
  elapsed=$((end - RUN_T0))
  case "$status" in
    FAILED) count_failed=$((count_failed + 1)) ;;
    WARN) count_warn=$((count_warn + 1)) ;;
  esac
  while IFS= read -r line; do calls+=("$line"); done <"$DR_PLANNED"
  if [ "$json" -eq 1 ]; then
    for line in "${calls[@]}"; do joined+="${joined:+,}$(daml_json_line "$line")"; done
    steps_json+=("{\"step\":$(daml_json_line "$STEP_NAME"),\"status\":$(daml_json_line "$status"),\"elapsedSeconds\":$(secs "$elapsed"),\"seconds\":$(secs "$STEP_MS"),\"detail\":$(daml_json_line "$detail"),\"plannedCalls\":[$joined]}")
  else
    printf '%-8s %8s %7s  %s: %s\n' "$status" "+$(secs "$elapsed")s" "$(secs "$STEP_MS")s" "$STEP_NAME" "$detail"
    for line in "${calls[@]}"; do printf '%27s %s\n' "would run:" "$line"; done
  fi
  [ "$status" != FAILED ]
}

# A line of the report that is not a step (lines mode only).
say() { if [ "$json" -eq 0 ]; then printf '%s\n' "$*"; fi; }

# change AWS-ARGUMENTS...: an AWS CLI call that changes something. With --dry-run it is recorded for the
# step's report and not run (and prints nothing); otherwise it runs.
change() {
  if [ "$dry_run" -eq 1 ]; then
    printf 'aws%s\n' "$(printf ' %q' "$@")" >>"$DR_PLANNED"
    return 0
  fi
  daml_aws "$@"
}
# plan TEXT: a planned action that is not one AWS call (a wait, a loop), for the --dry-run report.
plan() { if [ "$dry_run" -eq 1 ]; then printf '%s\n' "$*" >>"$DR_PLANNED"; fi; }

# ------------------------------------------------------------- manifests --
# field MANIFEST KIND N: field N (2 = the first after the kind) of the first line of KIND.
field() { awk -F'\t' -v kind="$2" -v n="$3" '$1 == kind { print $n; exit }' <<<"$1"; }
lines_of() { awk -F'\t' -v kind="$2" '$1 == kind' <<<"$1"; }
# output_value MANIFEST NAME: a Terraform output whose value the synth knows.
output_value() { awk -F'\t' -v name="$2" '$1 == "output" && $2 == name { print $3; exit }' <<<"$1"; }

# --------------------------------------------------------- failover state --
# What failback needs from the failover (its window start) is kept
# in an SSM parameter in the DR region: it survives the shell and the machine (another operator can
# fail back), it is reachable while the primary region is not, and it exists only during a failover.
state_parameter() { printf '/%s-%s/dr-failover-state' "$(daml_project_name)" "$(daml_environment)"; }

# ssm_value REGION NAME: the parameter's value; nothing when it does not exist; fails (the error on
# stderr) when it cannot be read.
ssm_value() {
  local out
  if out="$(daml_aws ssm get-parameter --region "$1" --name "$2" --query Parameter.Value --output text 2>&1)"; then
    printf '%s' "$out"
  elif grep -q 'ParameterNotFound' <<<"$out"; then
    return 0
  else
    printf '%s\n' "$out" >&2
    return 1
  fi
}

# state_read: prints the failover state (JSON), nothing when none is recorded; fails when SSM cannot be read.
state_read() { ssm_value "$DR_REGION" "$(state_parameter)"; }

# state_write JSON
state_write() {
  change ssm put-parameter --region "$DR_REGION" --name "$(state_parameter)" --type String --overwrite \
    --description "scripts/dr.sh: failover in progress (deleted by dr.sh failback)" --value "$1" >/dev/null
}

# json_get FIELD: a top-level field of the JSON object on stdin ("" when absent or null).
json_get() {
  node -e '
    let doc = {};
    try { doc = JSON.parse(require("fs").readFileSync(0, "utf8") || "{}"); } catch { process.exit(1); }
    const value = doc[process.argv[1]];
    if (value !== undefined && value !== null) process.stdout.write(typeof value === "object" ? JSON.stringify(value) : String(value));
  ' "$1"
}

# json_set JSON FIELD VALUE: JSON with FIELD set to the string VALUE ("" removes it).
json_set() {
  node -e '
    const [text, name, value] = process.argv.slice(1);
    const doc = text ? JSON.parse(text) : {};
    if (value === "") delete doc[name]; else doc[name] = value;
    process.stdout.write(JSON.stringify(doc));
  ' "$1" "$2" "$3"
}

# --------------------------------------------------------------- polling --
# wait_for DEADLINE-EPOCH COMMAND...: runs COMMAND every DR_POLL_SECONDS until it succeeds (0) or
# reports it never will (2), or the deadline passes (1).
wait_for() {
  local deadline="$1" rc
  shift
  while :; do
    rc=0
    "$@" || rc=$?
    [ "$rc" -eq 1 ] || return "$rc"
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep "$DR_POLL_SECONDS"
  done
}
