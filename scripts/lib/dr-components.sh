# shellcheck shell=bash disable=SC2034,SC2154  # dr.sh sets json and dry_run and reads the variables set here
# scripts/dr.sh's reads and actions per component: active region, lake and endpoint. Source it
# after dr-steps.sh; it defines functions and runs nothing else. Every
# name comes from the manifests dr.sh loaded (PRIMARY_*, DR_* variables set by its load_stacks).

# ---------------------------------------------------------- active region --
# active_region REGION: the parameter's value in REGION; "" when it does not exist there; fails when unreadable.
active_region() { ssm_value "$1" "$ACTIVE_PARAM"; }

# switch_active_region TARGET REQUIRED-REGION OPTIONAL-REGION: writes TARGET into the parameter in both
# regions; only a failure in REQUIRED-REGION fails the step (the other may be the region that is down).
switch_active_region() {
  local target="$1" required="$2" optional="$3" out
  step_begin "active region -> $target"
  if ! out="$(change ssm put-parameter --region "$required" --name "$ACTIVE_PARAM" --type String --overwrite --value "$target" 2>&1)"; then
    step_end FAILED "cannot write $ACTIVE_PARAM in $required: $(short "$out")"
    return 1
  fi
  if ! out="$(change ssm put-parameter --region "$optional" --name "$ACTIVE_PARAM" --type String --overwrite --value "$target" 2>&1)"; then
    step_end WARN "$ACTIVE_PARAM = $target in $required; $optional not reachable ($(short "$out")): write it there when it is back (re-run this command)"
    return 0
  fi
  step_end "$(done_or_planned)" "$ACTIVE_PARAM = $target in $required and $optional"
}

done_or_planned() { if [ "$dry_run" -eq 1 ]; then printf PLANNED; else printf OK; fi; }

# ------------------------------------------------------------------- lake --
# lake_figures: LAKE_LATENCY (s, max over the last 15 min, "" without datapoints), LAKE_PENDING_OPS,
# LAKE_PENDING_BYTES (latest maxima, "" without datapoints); fails when CloudWatch cannot be read.
lake_figures() {
  local dims=("SourceBucket=$PRIMARY_LAKE" "DestinationBucket=$DR_LAKE" "RuleId=$REPLICATION_RULE")
  NOW="$(date -u +%s)"
  END_TIME="$(epoch_to_iso "$NOW")"
  LAKE_LATENCY="$(datapoints "$PRIMARY_REGION" AWS/S3 ReplicationLatency Maximum 60 900 "${dims[@]}" | max_of)" || return 1
  LAKE_PENDING_OPS="$(datapoints "$PRIMARY_REGION" AWS/S3 OperationsPendingReplication Maximum 60 900 "${dims[@]}" | max_of)" || return 1
  LAKE_PENDING_BYTES="$(datapoints "$PRIMARY_REGION" AWS/S3 BytesPendingReplication Maximum 60 900 "${dims[@]}" | max_of)" || return 1
}

# lake_objects REGION BUCKET [SINCE-ISO]: "KEY<TAB>SIZE<TAB>ETAG" per object (LastModified at or after SINCE).
lake_objects() {
  local since="${3:-}"
  daml_aws s3api list-objects-v2 --region "$1" --bucket "$2" --query 'Contents[].[Key,Size,ETag,LastModified]' --output text |
    awk -F'\t' -v since="${since:0:19}" 'NF >= 4 && $1 != "None" && substr($4, 1, 19) >= since { gsub(/"/, "", $3); print $1 "\t" $2 "\t" $3 }'
}

# lake_count REGION BUCKET: the number of objects in the bucket.
lake_count() { lake_objects "$1" "$2" | wc -l | tr -d ' '; }

# copy_window SINCE: copies the DR lake's objects written at or after SINCE to the primary lake, skipping those the primary holds at the same size:
# a re-run copies nothing new. Sets COPIED, SKIPPED_SAME; fails on the first failed copy.
copy_window() {
  local since="$1" key size held out
  COPIED=0 SKIPPED_SAME=0
  local objects
  objects="$(lake_objects "$DR_REGION" "$DR_LAKE" "$since" 2>&1)" || { COPY_ERROR="cannot list s3://$DR_LAKE: $(short "$objects")"; return 1; }
  while IFS=$'\t' read -r key size _; do
    [ -n "$key" ] || continue
    held="$(daml_aws s3api head-object --region "$PRIMARY_REGION" --bucket "$PRIMARY_LAKE" --key "$key" --query ContentLength --output text 2>/dev/null)" || held=""
    if [ "$held" = "$size" ]; then
      SKIPPED_SAME=$((SKIPPED_SAME + 1))
      continue
    fi
    if ! out="$(change s3 cp "s3://$DR_LAKE/$key" "s3://$PRIMARY_LAKE/$key" --source-region "$DR_REGION" --region "$PRIMARY_REGION" --only-show-errors 2>&1)"; then
      COPY_ERROR="copy of s3://$DR_LAKE/$key failed: $(short "$out")"
      return 1
    fi
    COPIED=$((COPIED + 1))
  done <<<"$objects"
}

# ------------------------------------------------------------- endpoint --
# endpoint_state REGION NAME: the endpoint's status; "missing" when it does not exist; fails when unreadable.
endpoint_state() {
  local out
  if out="$(daml_aws sagemaker describe-endpoint --region "$1" --endpoint-name "$2" --query EndpointStatus --output text 2>&1)"; then
    printf '%s' "$out"
  elif grep -qiE 'Could not find|ValidationException|NotFound' <<<"$out"; then
    printf 'missing'
  else
    printf '%s\n' "$out" >&2
    return 1
  fi
}

# endpoint_counts REGION NAME: "variant=count,..." as the endpoint runs now.
endpoint_counts() {
  daml_aws sagemaker describe-endpoint --region "$1" --endpoint-name "$2" \
    --query 'ProductionVariants[].[VariantName,CurrentInstanceCount]' --output text | awk -F'\t' 'NF == 2 { printf "%s%s=%s", sep, $1, $2; sep = "," }'
}

endpoint_in_service() {
  case "$(endpoint_state "$1" "$2")" in
    InService) return 0 ;;
    Failed | missing | OutOfService) return 2 ;;
    *) return 1 ;;
  esac
}

# failover_capacity: sets CAPACITY to the DR endpoint's failover capacity, "variant=count" per line, from the DR stack's
# output inference_failover_capacity as synthesized. Fails with CAPACITY_ERROR "" when the stack has no
# such output (or its value is only known at apply time), with the reason when the value is malformed.
failover_capacity() {
  local value out
  CAPACITY="" CAPACITY_ERROR=""
  value="$(output_value "$MANIFEST_DR" inference_failover_capacity)"
  [ -n "$value" ] || return 1
  # shellcheck disable=SC2016  # JavaScript template literal
  if ! out="$(node -e '
    let doc;
    try { doc = JSON.parse(process.argv[1]); } catch (error) { console.log(`not JSON: ${process.argv[1]}`); process.exit(1); }
    const entries = Object.entries(doc ?? {});
    const bad = entries.filter(([, n]) => !Number.isInteger(n) || n < 1);
    if (typeof doc !== "object" || Array.isArray(doc) || entries.length === 0 || bad.length > 0) {
      console.log(`must be {"<variant>": <instances, 1 or more>, ...}, got ${process.argv[1]}`);
      process.exit(1);
    }
    for (const [variant, count] of entries) console.log(`${variant}=${count}`);
  ' "$value" 2>&1)"; then
    CAPACITY_ERROR="output inference_failover_capacity: $out"
    return 1
  fi
  CAPACITY="$out"
}

# scale_endpoint STEP-NAME DEADLINE VARIANT=COUNT...: sets the DR endpoint's instance counts and waits until it is InService.
scale_endpoint() {
  local name="$1" deadline="$2" pair args=() out variant rc=0
  shift 2
  step_begin "$name"
  for pair in "$@"; do
    variant="${pair%%=*}"
    if [[ ",$DR_VARIANTS," != *",$variant,"* ]]; then
      step_end FAILED "variant $variant is not one of the endpoint's ($DR_VARIANTS)"
      return 1
    fi
    args+=("VariantName=$variant,DesiredInstanceCount=${pair#*=}")
  done
  if ! out="$(change sagemaker update-endpoint-weights-and-capacities --region "$DR_REGION" --endpoint-name "$DR_ENDPOINT" \
    --desired-weights-and-capacities "${args[@]}" 2>&1)"; then
    step_end FAILED "update-endpoint-weights-and-capacities: $(short "$out")"
    return 1
  fi
  if [ "$dry_run" -eq 1 ]; then
    plan "wait until $DR_ENDPOINT is InService (describe-endpoint every ${DR_POLL_SECONDS}s, deadline $(epoch_to_iso "$deadline"))"
    step_end PLANNED "$DR_ENDPOINT to $(IFS=,; printf '%s' "$*")"
    return 0
  fi
  wait_for "$deadline" endpoint_in_service "$DR_REGION" "$DR_ENDPOINT" || rc=$?
  case "$rc" in
    0) step_end OK "$DR_ENDPOINT InService with $(endpoint_counts "$DR_REGION" "$DR_ENDPOINT")" ;;
    1) step_end FAILED "$DR_ENDPOINT not InService by the deadline ($(endpoint_state "$DR_REGION" "$DR_ENDPOINT")): re-run to keep waiting" ;;
    *) step_end FAILED "$DR_ENDPOINT is $(endpoint_state "$DR_REGION" "$DR_ENDPOINT")" ;;
  esac
}
