#!/usr/bin/env bash
# Deploys both stacks into a local AWS emulator (moto) with the real Terraform CLI and AWS provider,
# through scripts/deploy.sh, then proves the deployment converged (plan: no changes) and runs
# scripts/monitor.sh against it. No AWS account, no network beyond the loopback interface.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/local-deploy.sh [--keep] [--help]

  1. scripts/toolchain.sh --only terraform,provider,moto (cached builds; the AWS CLI
     too, from the toolchain, when none is on PATH);
  2. starts moto on 127.0.0.1 at a free port (scripts/lib/moto-server.py: moto_server
     plus the Smithy RPC v2 CBOR protocol the AWS provider uses for CloudWatch);
  3. runs scripts/deploy.sh all --auto-approve --allow-local-state with AWS_ENDPOINT_URL
     pointing at it, which synthesizes the local entry point (npm run synth:local,
     local-deploy/main.ts: fake credentials, per-service endpoints, the emulator
     exclusions) for it and applies the DR stack, then the primary stack, into a
     temporary directory (never cdktf.out/; the state goes to its state/, never the
     project's);
  4. terraform plan -detailed-exitcode on both stacks: must report no changes;
  5. prints "N of M resources applied" per stack (M: the resources of the stack as
     synthesized for AWS; the rest are excluded, see docs/local-deploy.md);
  6. runs scripts/monitor.sh against the emulator and prints its report and exit code;
  7. stops moto.

Options:
  --keep      keep the working directory (stacks, Terraform state, logs) and print it
  -h, --help  show this help

Environment: PROJECT_NAME, ENVIRONMENT, PLATFORM_CONFIG_FILE as for the synth;
DAML_TOOLCHAIN_DIR as for scripts/toolchain.sh. AWS_PROFILE, TF_STATE_BUCKET and real
credentials are ignored (unset for this run).

Exit status: 0 deployed and converged; 1 deploy, plan or emulator failed (the log
tail is printed); 2 bad arguments; 3 the toolchain could not be prepared.
monitor.sh's own status (WARN/CRIT: the emulator records no metrics) is reported,
not turned into a failure; a component it cannot find is a failure.
EOF
}

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --keep) keep=1 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "local-deploy.sh: unknown argument: $1 (expected --keep or --help)" >&2; exit 2 ;;
  esac
  shift
done

now_ms() { date +%s%3N; }
secs() { awk -v ms="$1" 'BEGIN { printf "%.1f", ms / 1000 }'; }
say() { printf 'local-deploy: %s\n' "$*"; }

t_start=$(now_ms)

# ---------------------------------------------------------------- toolchain --
toolchain_steps=terraform,provider,moto
command -v aws >/dev/null 2>&1 || toolchain_steps+=,awscli
if ! env_lines="$(bash "$SCRIPT_DIR/toolchain.sh" --only "$toolchain_steps" --print-env)"; then
  say "FAILED: scripts/toolchain.sh --only $toolchain_steps (see its messages above)" >&2
  exit 3
fi
eval "$env_lines"
if ! command -v aws >/dev/null 2>&1; then
  PATH="$(dirname "$DAML_AWS_CLI"):$PATH"
  export PATH
fi
export DAML_TERRAFORM TF_CLI_CONFIG_FILE CHECKPOINT_DISABLE

# shellcheck source=scripts/lib/common.sh
source "$SCRIPT_DIR/lib/common.sh"
daml_check_names 2
WORK="$(mktemp -d "${TMPDIR:-/tmp}/daml-local-deploy.XXXXXX")"
# The stacks, and so their local state (state/ beside cdktf.out), live in the working directory.
export CDKTF_OUTDIR="$WORK/cdktf.out"
export DAML_STACKS_DIR="$CDKTF_OUTDIR/stacks"
# shellcheck source=scripts/lib/emulator.sh
source "$SCRIPT_DIR/lib/emulator.sh"

cleanup() {
  local status=$?
  daml_stop_moto
  daml_leave_work "$WORK" "$keep" "$status" "stacks, state, deploy.log, moto.log"
}
trap cleanup EXIT
# Ctrl-C reaches Terraform too (same process group), which stops cleanly; then cleanup stops moto.
trap 'exit 130' INT
trap 'exit 143' TERM

# ------------------------------------------------------------------ emulator --
daml_start_moto "$WORK/moto.log" || { say "FAILED: cannot start moto (log above)"; exit 1; }
moto_version="$("$DAML_MOTO_PYTHON" -c 'import importlib.metadata as m; print(m.version("moto"))')"
daml_use_emulator

say "moto $moto_version at $MOTO_URL; $("$DAML_TERRAFORM" version | sed -n 1p), hashicorp/aws $DAML_AWS_PROVIDER_VERSION (local build); $(aws --version 2>&1 | cut -d' ' -f1)"

roles=(dr primary)
overridden=0
for role in "${roles[@]}"; do
  daml_provider_override "$(daml_stack_dir "$role")" && overridden=1
done
if [ "$overridden" -eq 1 ]; then
  say "NOTE: the stacks require hashicorp/aws $DAML_AWS_PROVIDER_PINNED_VERSION; applied with the local build $DAML_AWS_PROVIDER_VERSION (local_provider_override.tf.json, see docs/toolchain.md)"
fi

# -------------------------------------------------------------------- deploy --
say "deploying through scripts/deploy.sh all --auto-approve --allow-local-state (log: $WORK/deploy.log)"
t0=$(now_ms)
# Each line gets its arrival time (ms since the start), which splits the wall time into phases below.
stamp_lines() {
  local line
  while IFS= read -r line || [ -n "$line" ]; do printf '%s %s\n' "$(((${EPOCHREALTIME/./} / 1000) - t0))" "$line"; done
}
# The emulator's state is throwaway by design: local state is what it needs.
if ! bash "$SCRIPT_DIR/deploy.sh" all --auto-approve --allow-local-state 2>&1 | stamp_lines >"$WORK/deploy.log"; then
  say "FAILED: deploy.sh; the errors and the end of its log:"
  cut -d' ' -f2- "$WORK/deploy.log" | grep -E '^(Error|deploy.sh): ' -A 6 | head -n 80 || true
  echo "..."
  tail -n 15 "$WORK/deploy.log" | cut -d' ' -f2-
  exit 1
fi
deploy_ms=$(($(now_ms) - t0))
# phase_start PATTERN: ms offset of the first log line matching PATTERN
phase_start() { awk -v pattern="$1" 'index($0, pattern) { print $1; exit }' "$WORK/deploy.log"; }
dr_start="$(phase_start "deploying stack $(daml_stack_name dr)")"
primary_start="$(phase_start "deploying stack $(daml_stack_name primary)")"
say "deploy.sh: $(secs "$deploy_ms") s (build + synth $(secs "$dr_start") s, DR init + apply $(secs $((primary_start - dr_start))) s, primary init + apply $(secs $((deploy_ms - primary_start))) s)"

# ------------------------------------------------------------- plan, counts --
failed=0
plan_ms=0
declare -a applied_lines=()
for role in "${roles[@]}"; do
  stack="$(daml_stack_name "$role")"
  dir="$(daml_stack_dir "$role")"
  t0=$(now_ms)
  plan_status=0
  "$DAML_TERRAFORM" -chdir="$dir" plan -detailed-exitcode -input=false -lock=false >"$WORK/plan-$role.log" 2>&1 || plan_status=$?
  took=$(($(now_ms) - t0))
  plan_ms=$((plan_ms + took))
  case "$plan_status" in
    0) say "plan after apply: $stack: no changes ($(secs "$took") s)" ;;
    2)
      say "FAILED: plan after apply: $stack has changes ($(secs "$took") s):"
      grep -E '^  # |^Plan:' "$WORK/plan-$role.log" || true
      failed=1
      ;;
    *)
      say "FAILED: plan after apply: $stack: terraform plan exit $plan_status:"
      tail -n 30 "$WORK/plan-$role.log"
      failed=1
      ;;
  esac

  in_state="$("$DAML_TERRAFORM" -chdir="$dir" state list | grep -cv '^data\.' || true)"
  # shellcheck disable=SC2016  # JavaScript template literals
  counts="$(node -e '
    const doc = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const configured = Object.values(doc.resource ?? {}).reduce((n, byId) => n + Object.keys(byId).length, 0);
    const local = { excluded: [], adapted: [], notReadBack: [], ...(doc["//"] ?? {}).localEmulator };
    const types = (entries) => [...new Set(entries.map((e) => e.address.split(".")[0]))].join(", ") || "none";
    console.log([configured, local.excluded.length, local.adapted.length, local.notReadBack.length, types(local.excluded)].join("\t"));
  ' "$dir/cdk.tf.json")"
  IFS=$'\t' read -r configured excluded adapted not_read_back excluded_types <<<"$counts"
  total=$((configured + excluded))
  line="$stack: $in_state of $total resources applied; $excluded excluded ($excluded_types); $adapted adapted, $not_read_back with settings moto does not read back"
  applied_lines+=("$line")
  if [ "$in_state" -ne "$configured" ]; then
    say "FAILED: $stack: $in_state resources in the state, $configured configured"
    failed=1
  fi
done

# ------------------------------------------------------------------- monitor --
say "scripts/monitor.sh against the emulator:"
monitor_status=0
bash "$SCRIPT_DIR/monitor.sh" >"$WORK/monitor.log" 2>&1 || monitor_status=$?
sed 's/^/  /' "$WORK/monitor.log"
case "$monitor_status" in
  0) monitor_meaning="all OK" ;;
  1) monitor_meaning="WARN" ;;
  2) monitor_meaning="CRIT" ;;
  3) monitor_meaning="a check could not run" ;;
  *) monitor_meaning="unexpected exit status" ;;
esac
if grep -q 'not found (stack not deployed?)' "$WORK/monitor.log"; then
  say "FAILED: monitor.sh cannot find a deployed component (lines above)"
  failed=1
fi

echo "== local deployment (moto $moto_version)"
printf '  %s\n' "${applied_lines[@]}"
echo "  deploy (deploy.sh all): $(secs "$deploy_ms") s = build + synth $(secs "$dr_start") s + DR $(secs $((primary_start - dr_start))) s + primary $(secs $((deploy_ms - primary_start))) s"
echo "  plan after apply (both stacks): $(secs "$plan_ms") s"
echo "  monitor.sh: exit $monitor_status ($monitor_meaning)"
echo "  total (with toolchain check, emulator start, monitor): $(secs $(($(now_ms) - t_start))) s"
if [ "$failed" -ne 0 ]; then
  say "FAILED (details above)"
  exit 1
fi
say "OK: both stacks applied and converged"
