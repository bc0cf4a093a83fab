#!/usr/bin/env bash
# Destroys the platform's stacks, primary first and DR last, after saying which buckets still hold
# data and what happens to it, and after the environment name has been typed back.
set -euo pipefail

usage() {
  cat <<EOF
Usage: scripts/destroy.sh [primary|dr|all] [--yes --i-understand-data-loss] [--help]

Destroys the regional stacks
$(daml_stack_names_help),
primary first and DR last (the reverse of deploy.sh: the primary's replication
looks up the DR lake, so the DR stack must outlive it).

Before anything is destroyed it
  - refuses an environment whose config/<ENVIRONMENT>.json says "protected": true;
  - lists every bucket of the stacks: whether it still holds data, and what
    force_destroy (dataLake.forceDestroy) and its lifecycle rules will do with it;
  - asks for the environment name to be typed back, on a terminal only: when
    standard input is not a terminal (a pipe, a file, CI) it refuses unless
    both --yes and --i-understand-data-loss are given instead.
Then, per stack: npm run synth (once), terraform init, terraform destroy -auto-approve.

Arguments:
  primary|dr|all            which stacks (default: all; one target only)
  --yes                     do not ask (only together with the next flag)
  --i-understand-data-loss  acknowledge that bucket contents, the warehouse and
                            logs are deleted
  -h, --help                show this help

Exit status: 0 destroyed; 1 synth or a stack failed; 2 bad arguments (also:
no terminal to confirm on and not both flags); 3 a prerequisite is missing;
4 refused (protected environment, or a wrong confirmation).
EOF
}

# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

target=""
yes=0
acknowledged=0
while [ $# -gt 0 ]; do
  case "$1" in
    primary | dr | all)
      [ -z "$target" ] || daml_die 2 "more than one target: $target and $1 (give one of primary, dr, all); nothing was destroyed"
      target="$1"
      ;;
    --yes) yes=1 ;;
    --i-understand-data-loss) acknowledged=1 ;;
    -h | --help) usage; exit 0 ;;
    *) daml_die 2 "unknown argument: $1 (expected primary, dr, all, --yes, --i-understand-data-loss or --help)" ;;
  esac
  shift
done
target="${target:-all}"
if [ "$yes" -ne "$acknowledged" ]; then
  daml_die 4 "refused: --yes and --i-understand-data-loss go together (non-interactive destroy needs both); nothing was destroyed"
fi
# A confirmation is only what a person typed: text arriving on a pipe or from a file proves nothing.
if [ "$yes" -eq 0 ] && ! [ -t 0 ]; then
  daml_die 2 "refused: standard input is not a terminal, so the environment name cannot be typed back; non-interactive destroy needs both --yes and --i-understand-data-loss; nothing was destroyed"
fi
daml_check_names 2

environment="$(daml_environment)"
missing="$(daml_missing_prerequisites node)"
[ -z "$missing" ] || daml_die 3 "missing prerequisite: $missing"
protected="$(daml_config_flag protected)" || daml_die 4 "refused: cannot read whether environment $environment is protected ($(daml_config_file)); nothing was destroyed"
if [ "$protected" = true ]; then
  daml_die 4 "refused: environment $environment is protected (\"protected\": true in $(daml_config_file)); set it to false in a reviewed change before destroying it"
fi

missing="$(daml_missing_prerequisites terraform aws credentials)"
if [ -n "$missing" ]; then
  while IFS= read -r line; do daml_log "missing prerequisite: $line"; done <<<"$missing"
  daml_die 3 "cannot destroy until the prerequisites above are fixed"
fi
account="$(daml_account_id)"

daml_follow_local_endpoint
daml_synth || daml_die 1 "build or synth failed (npm run synth); nothing was destroyed"

read -r -a roles <<<"$(daml_roles "$target" primary dr)"

# bucket_contents REGION BUCKET: "data", "empty", "absent", or "unknown <error>".
bucket_contents() {
  local out
  # shellcheck disable=SC2016  # backticks are JMESPath literals, not command substitution
  if ! out="$(daml_aws s3api list-object-versions --region "$1" --bucket "$2" --max-items 1 \
    --query '[length(Versions || `[]`), length(DeleteMarkers || `[]`)]' --output text 2>&1)"; then
    if grep -qE 'NoSuchBucket|Not Found|404' <<<"$out"; then echo absent; else echo "unknown $(printf '%s' "$out" | tr '\n' ' ' | cut -c1-160)"; fi
  elif awk '{ n += $1 + $2 } END { exit !(n > 0) }' <<<"$out"; then  # one line per page the CLI fetched
    echo data
  else
    echo empty
  fi
}

echo "Destroying $(for r in "${roles[@]}"; do printf '%s ' "$(daml_stack_name "$r")"; done)in account $account."
blocked=0
for role in "${roles[@]}"; do
  stack="$(daml_stack_name "$role")"
  manifest="$(daml_manifest "$role" "$account")" || daml_die 1 "FAILED: stack $stack was not synthesized in $DAML_STACKS_DIR"
  region="$(awk -F'\t' '$1 == "region" { print $2; exit }' <<<"$manifest")"
  echo "== $stack ($region): buckets"
  while IFS=$'\t' read -r _ bucket force lifecycle; do
    contents="$(bucket_contents "$region" "$bucket")"
    case "$contents" in
      absent) echo "  $bucket: does not exist (never deployed or already deleted)" ;;
      unknown*) echo "  $bucket: cannot tell whether it holds data (${contents#unknown }); terraform destroy will find out" ;;
      empty) echo "  $bucket: empty; deleted with the stack" ;;
      data)
        if [ "$force" = true ]; then
          echo "  $bucket: HOLDS DATA. force_destroy=true: terraform destroy deletes every object and every old version in it, permanently"
        else
          blocked=$((blocked + 1))
          echo "  $bucket: HOLDS DATA. force_destroy=false: terraform destroy stops at this bucket (BucketNotEmpty) and the data stays;"
          echo "      left alone, its lifecycle rules keep deleting it over time: $lifecycle."
          echo "      To delete it: empty the bucket (every version), or set dataLake.forceDestroy=true, deploy, then destroy"
        fi
        ;;
    esac
  done < <(awk -F'\t' '$1 == "bucket"' <<<"$manifest")
  if [ "$role" = primary ] && [[ " ${roles[*]} " != *" dr "* ]]; then
    echo "  the DR stack stays: its lake keeps the replica of the primary lake"
  fi
  if [ "$role" = dr ] && [[ " ${roles[*]} " != *" primary "* ]]; then
    echo "  WARNING: the primary stack stays and replicates into the DR lake: replication fails from now on, and"
    echo "  the primary's next plan fails on the DR lake lookup until the DR stack is deployed again"
  fi
done
if [ "$blocked" -gt 0 ]; then
  echo "$blocked bucket(s) with data and force_destroy=false: terraform destroy will fail on them (see above)."
fi

if [ "$yes" -eq 0 ]; then
  printf 'Everything above is deleted. Type the environment name (%s) to confirm: ' "$environment" >&2
  answer=""
  read -r answer || true
  if [ "$answer" != "$environment" ]; then
    daml_die 4 "refused: confirmation \"$answer\" does not match the environment name \"$environment\"; nothing was destroyed"
  fi
fi

destroyed=()
for role in "${roles[@]}"; do
  stack="$(daml_stack_name "$role")"
  dir="$(daml_stack_dir "$role")"
  daml_check_former_state "$role"
  daml_log "destroying stack $stack"
  if ! "$DAML_TERRAFORM" -chdir="$dir" init -input=false; then
    daml_die 1 "FAILED: stack $stack: terraform init failed${destroyed[0]:+ (already destroyed: ${destroyed[*]})}"
  fi
  if ! "$DAML_TERRAFORM" -chdir="$dir" destroy -input=false -auto-approve; then
    daml_die 1 "FAILED: stack $stack: terraform destroy failed${destroyed[0]:+ (already destroyed: ${destroyed[*]})}"
  fi
  destroyed+=("$stack")
done
daml_log "destroyed: ${destroyed[*]}"
