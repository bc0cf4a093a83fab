#!/usr/bin/env bash
# Deploys the platform: checks prerequisites, builds and synthesizes, applies the DR stack and then
# the primary stack, prints each stack's outputs.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/deploy.sh [primary|dr|all] [--auto-approve] [--help]

Deploys the regional stacks of ${PROJECT_NAME:-data-analytics-ml}-${ENVIRONMENT:-analytics}:
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
  -h, --help       show this help

Environment:
  PROJECT_NAME, ENVIRONMENT, AWS_REGION, SECONDARY_REGION, TF_STATE_BUCKET ...
                   as for the synth (docs/configuration.md)
  AWS_ENDPOINT_URL a local AWS emulator: also used as LOCAL_AWS_ENDPOINT for the synth
  DAML_TERRAFORM   Terraform CLI to run (default: terraform on PATH)

Exit status: 0 deployed; 1 build, synth or a stack failed; 2 bad arguments;
3 a prerequisite is missing.
EOF
}

# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

target=all
approve=()
while [ $# -gt 0 ]; do
  case "$1" in
    primary | dr | all) target="$1" ;;
    --auto-approve) approve=(-auto-approve) ;;
    -h | --help) usage; exit 0 ;;
    *) daml_die 2 "unknown argument: $1 (expected primary, dr, all, --auto-approve or --help)" ;;
  esac
  shift
done

missing="$(daml_missing_prerequisites node terraform aws credentials)"
if [ -n "$missing" ]; then
  while IFS= read -r line; do daml_log "missing prerequisite: $line"; done <<<"$missing"
  daml_die 3 "cannot deploy until the prerequisites above are fixed"
fi

daml_follow_local_endpoint
daml_synth || daml_die 1 "build or synth failed (npm run synth); nothing was deployed"

read -r -a roles <<<"$(daml_roles "$target" dr primary)"
deployed=()
for role in "${roles[@]}"; do
  stack="$(daml_stack_name "$role")"
  dir="$(daml_stack_dir "$role")"
  [ -f "$dir/cdk.tf.json" ] || daml_die 1 "FAILED: stack $stack: $dir/cdk.tf.json was not synthesized (check PROJECT_NAME / ENVIRONMENT)"
  daml_log "deploying stack $stack"
  if ! "$DAML_TERRAFORM" -chdir="$dir" init -input=false; then
    daml_die 1 "FAILED: stack $stack: terraform init failed${deployed[0]:+ (already deployed: ${deployed[*]})}"
  fi
  if ! "$DAML_TERRAFORM" -chdir="$dir" apply -input=false "${approve[@]}"; then
    hint=""
    if [ "$role" = primary ]; then hint="; the primary needs the DR stack deployed first (deploy.sh dr)"; fi
    daml_die 1 "FAILED: stack $stack: terraform apply failed${hint}${deployed[0]:+ (already deployed: ${deployed[*]})}"
  fi
  echo "== outputs of $stack"
  "$DAML_TERRAFORM" -chdir="$dir" output || daml_die 1 "FAILED: stack $stack: applied, but terraform output failed"
  deployed+=("$stack")
done
daml_log "deployed: ${deployed[*]}"
