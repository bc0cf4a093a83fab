#!/usr/bin/env bash
# Deploys the platform: checks where the Terraform state will live and the prerequisites, builds and
# synthesizes, applies the DR stack and then the primary stack, prints each stack's outputs.
set -euo pipefail

usage() {
  cat <<EOF
Usage: scripts/deploy.sh [primary|dr|all] [--auto-approve] [--allow-local-state] [--help]

Deploys the regional stacks
$(daml_stack_names_help):
  0. checks where the Terraform state will live: without TF_STATE_BUCKET it is a
     local file, state/<stack>.tfstate beside cdktf.out (the project root).
     That is refused for an environment that is not a development one
     ("development": true in config/<ENVIRONMENT>.json) unless
     --allow-local-state is given, and then warned about loudly;
  1. checks the prerequisites: node, terraform, the aws CLI and working AWS
     credentials (aws sts get-caller-identity), naming every one that is missing;
  2. builds the Lambda bundles and synthesizes both stacks (npm run synth);
  3. for each stack, DR first and then primary (the primary's lake replication
     looks up the DR lake bucket and key, so the DR stack must exist first):
       terraform -chdir=cdktf.out/stacks/<stack> init -input=false
       terraform -chdir=cdktf.out/stacks/<stack> apply -input=false [-auto-approve]
       terraform -chdir=cdktf.out/stacks/<stack> output
Stops at the first failing stack and names it.

Arguments:
  primary|dr|all   which stacks (default: all)
  --auto-approve   apply without Terraform's interactive approval
  --allow-local-state
                   deploy a non-development environment with local state anyway
                   (its state then exists only on this machine)
  -h, --help       show this help

Environment:
  PROJECT_NAME, ENVIRONMENT, AWS_REGION, SECONDARY_REGION, TF_STATE_BUCKET ...
                   as for the synth (docs/configuration.md)
  AWS_ENDPOINT_URL a local AWS emulator: also used as LOCAL_AWS_ENDPOINT for the synth
  DAML_TERRAFORM   Terraform CLI to run (default: terraform on PATH)

Exit status: 0 deployed; 1 build, synth or a stack failed; 2 bad arguments;
3 a prerequisite is missing; 4 refused (local state for an environment that is
not a development one).
EOF
}

# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

target=""
approve=()
allow_local_state=0
while [ $# -gt 0 ]; do
  case "$1" in
    primary | dr | all)
      [ -z "$target" ] || daml_die 2 "more than one target: $target and $1 (give one of primary, dr, all)"
      target="$1"
      ;;
    --auto-approve) approve=(-auto-approve) ;;
    --allow-local-state) allow_local_state=1 ;;
    -h | --help) usage; exit 0 ;;
    *) daml_die 2 "unknown argument: $1 (expected primary, dr, all, --auto-approve, --allow-local-state or --help)" ;;
  esac
  shift
done
target="${target:-all}"
daml_check_names 2

missing="$(daml_missing_prerequisites node terraform aws credentials)"
if [ -n "$missing" ]; then
  while IFS= read -r line; do daml_log "missing prerequisite: $line"; done <<<"$missing"
  daml_die 3 "cannot deploy until the prerequisites above are fixed"
fi

# Local state is one file on one machine: fine for a development environment, a single point of
# loss for any other, so that takes TF_STATE_BUCKET or a deliberate --allow-local-state.
environment="$(daml_environment)"
if [ -z "${TF_STATE_BUCKET:-}" ]; then
  development="$(daml_config_flag development)" || daml_die 4 "refused: cannot read whether environment $environment is a development one ($(daml_config_file)); nothing was deployed"
  if [ "$development" != true ] && [ "$allow_local_state" -eq 0 ]; then
    daml_die 4 "refused: environment $environment is not a development one and TF_STATE_BUCKET is not set, so its Terraform state would exist only on this machine; set TF_STATE_BUCKET (remote state), mark it \"development\": true in $(daml_config_file), or pass --allow-local-state; nothing was deployed"
  fi
  if [ "$development" != true ]; then
    daml_log "WARNING: ****************************************************************************"
    daml_log "WARNING: environment $environment is NOT a development environment and TF_STATE_BUCKET is not set."
    daml_log "WARNING: Its Terraform state is a local file on this machine only (state/<stack>.tfstate);"
    daml_log "WARNING: lose it and Terraform no longer knows what it created. Move it to a state bucket soon."
    daml_log "WARNING: ****************************************************************************"
  fi
fi

daml_follow_local_endpoint
daml_synth || daml_die 1 "build or synth failed (npm run synth); nothing was deployed"

read -r -a roles <<<"$(daml_roles "$target" dr primary)"
deployed=()
for role in "${roles[@]}"; do
  stack="$(daml_stack_name "$role")"
  dir="$(daml_stack_dir "$role")"
  [ -f "$dir/cdk.tf.json" ] || daml_die 1 "FAILED: stack $stack: $dir/cdk.tf.json was not synthesized (check PROJECT_NAME / ENVIRONMENT)"
  daml_check_former_state "$role"
  daml_log "deploying stack $stack"
  if ! "$DAML_TERRAFORM" -chdir="$dir" init -input=false; then
    daml_die 1 "FAILED: stack $stack: terraform init failed${deployed[0]:+ (already deployed: ${deployed[*]})}"
  fi
  if ! "$DAML_TERRAFORM" -chdir="$dir" apply -input=false "${approve[@]}"; then
    hint=""
    if [ "$role" = primary ]; then hint="; the primary needs the DR stack deployed first (deploy.sh dr)"; fi
    daml_die 1 "FAILED: stack $stack: terraform apply failed${hint}${deployed[0]:+ (already deployed: ${deployed[*]})}"
  fi
  state_file="$(daml_local_state_file "$role")" || state_file=""
  [ -z "$state_file" ] || daml_log "stack $stack: local Terraform state in $state_file"
  echo "== outputs of $stack"
  "$DAML_TERRAFORM" -chdir="$dir" output || daml_die 1 "FAILED: stack $stack: applied, but terraform output failed"
  deployed+=("$stack")
done
daml_log "deployed: ${deployed[*]}"
