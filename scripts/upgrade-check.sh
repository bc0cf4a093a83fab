#!/usr/bin/env bash
# Proves that upgrading a deployed platform from an earlier revision to this working tree replaces
# and destroys nothing: deploys the earlier revision into a local AWS emulator (moto), plans this
# tree against that state, applies the plan and checks that a second plan is empty.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/upgrade-check.sh <git-revision> [--keep] [--help]

  1. scripts/toolchain.sh --only terraform,provider,moto (cached builds; the AWS CLI
     too when none is on PATH);
  2. checks <git-revision> out into a temporary git worktree (node_modules shared when
     its package-lock.json is this tree's, npm ci otherwise);
  3. starts moto on 127.0.0.1 and deploys the revision into it with its own
     scripts/deploy.sh all --auto-approve (and --allow-local-state when that
     revision's deploy.sh knows it);
  4. synthesizes this working tree for the emulator (npm run synth:local) and, per
     stack (DR first, then primary), plans it against the revision's Terraform state;
  5. fails when a plan replaces or destroys any resource; prints what it moves,
     creates and updates in place;
  6. applies the plans and requires a second plan with no changes;
  7. stops moto and removes the worktree.

Options:
  --keep      keep the working directory (both synths, state, plans, logs) and print it
  -h, --help  show this help

Environment: PROJECT_NAME, ENVIRONMENT, PLATFORM_CONFIG_FILE as for the synth;
DAML_TOOLCHAIN_DIR as for scripts/toolchain.sh.

Exit status: 0 the upgrade replaces and destroys nothing and converges; 1 a plan
replaces or destroys something, or a deploy, plan or apply failed (the log tail is
printed); 2 bad arguments or an unknown revision; 3 the toolchain could not be prepared.
EOF
}

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$SCRIPT_DIR/.." && pwd)"
say() { printf 'upgrade-check: %s\n' "$*"; }
keep=0
revision=""
while [ $# -gt 0 ]; do
  case "$1" in
    --keep) keep=1 ;;
    -h | --help) usage; exit 0 ;;
    -*) say "unknown option: $1 (expected --keep or --help)" >&2; exit 2 ;;
    *)
      [ -z "$revision" ] || { say "one revision only, got '$revision' and '$1'" >&2; exit 2; }
      revision="$1"
      ;;
  esac
  shift
done
[ -n "$revision" ] || { say "missing <git-revision>: the revision deployed before the upgrade, e.g. origin/main or a tag" >&2; exit 2; }
commit="$(git -C "$REPO" rev-parse --verify --quiet "$revision^{commit}")" || { say "unknown git revision: $revision" >&2; exit 2; }

toolchain_steps=terraform,provider,moto
command -v aws >/dev/null 2>&1 || toolchain_steps+=,awscli
env_lines="$(bash "$SCRIPT_DIR/toolchain.sh" --only "$toolchain_steps" --print-env)" || { say "FAILED: scripts/toolchain.sh --only $toolchain_steps" >&2; exit 3; }
eval "$env_lines"
command -v aws >/dev/null 2>&1 || PATH="$(dirname "$DAML_AWS_CLI"):$PATH"
export PATH DAML_TERRAFORM TF_CLI_CONFIG_FILE CHECKPOINT_DISABLE

# shellcheck source=scripts/lib/common.sh
source "$SCRIPT_DIR/lib/common.sh"
daml_check_names 2
WORK="$(mktemp -d "${TMPDIR:-/tmp}/daml-upgrade-check.XXXXXX")"
OLD_TREE="$WORK/revision"
# shellcheck source=scripts/lib/emulator.sh
source "$SCRIPT_DIR/lib/emulator.sh"

cleanup() {
  local status=$?
  daml_stop_moto
  git -C "$REPO" worktree remove --force "$OLD_TREE" >/dev/null 2>&1 || true
  daml_leave_work "$WORK" "$keep" "$status" "old/ and new/ synths with state, plans, logs"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ------------------------------------------------------- the earlier revision --
git -C "$REPO" worktree add --detach --quiet "$OLD_TREE" "$commit"
if git -C "$REPO" diff --quiet "$commit" -- package-lock.json && [ -d "$REPO/node_modules" ]; then
  ln -s "$REPO/node_modules" "$OLD_TREE/node_modules"
else
  say "installing the revision's dependencies (its package-lock.json differs)"
  (cd "$OLD_TREE" && npm ci --no-audit --no-fund >"$WORK/npm-ci.log" 2>&1) || { tail -n 20 "$WORK/npm-ci.log"; exit 1; }
fi

daml_start_moto "$WORK/moto.log" || { say "FAILED: cannot start moto (log above)"; exit 1; }
daml_use_emulator
roles=(dr primary)
old_stacks="$WORK/old/cdktf.out/stacks"
new_stacks="$WORK/new/cdktf.out/stacks"
for role in "${roles[@]}"; do
  daml_provider_override "$old_stacks/$(daml_stack_name "$role")" || true
  daml_provider_override "$new_stacks/$(daml_stack_name "$role")" || true
done

say "deploying $revision ($(git -C "$REPO" rev-parse --short "$commit")) into moto at $MOTO_URL (log: $WORK/old-deploy.log)"
old_deploy=(all --auto-approve)
# Revisions that refuse local state for a non-development environment take the flag; older ones reject it.
if grep -q -- '--allow-local-state' "$OLD_TREE/scripts/deploy.sh"; then old_deploy+=(--allow-local-state); fi
if ! CDKTF_OUTDIR="$WORK/old/cdktf.out" DAML_STACKS_DIR="$old_stacks" bash "$OLD_TREE/scripts/deploy.sh" "${old_deploy[@]}" >"$WORK/old-deploy.log" 2>&1; then
  say "FAILED: deploying $revision; the end of its log:"
  tail -n 25 "$WORK/old-deploy.log"
  exit 1
fi

# ------------------------------------------------------------ this working tree --
say "synthesizing this working tree for the emulator (log: $WORK/new-synth.log)"
mkdir -p "$WORK/new/cdktf.out"
(cd "$REPO" && CDKTF_OUTDIR="$WORK/new/cdktf.out" LOCAL_AWS_ENDPOINT="$MOTO_URL" npm run --silent synth:local >"$WORK/new-synth.log" 2>&1) || { tail -n 20 "$WORK/new-synth.log"; exit 1; }

# The local backend's path, relative to the stack directory, as the synthesized stack declares it.
state_path() { node -e 'const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); process.stdout.write(j.terraform?.backend?.local?.path ?? "")' "$1/cdk.tf.json"; }

failed=0
for role in "${roles[@]}"; do
  stack="$(daml_stack_name "$role")"
  old_dir="$old_stacks/$stack"
  new_dir="$new_stacks/$stack"
  old_state="$(state_path "$old_dir")"
  new_state="$(state_path "$new_dir")"
  if [ -z "$old_state" ] || [ -z "$new_state" ]; then
    say "FAILED: $stack: both revisions must use the local backend here (no TF_STATE_BUCKET)"
    exit 1
  fi
  mkdir -p "$(dirname "$new_dir/$new_state")"
  cp "$old_dir/$old_state" "$new_dir/$new_state"
  "$DAML_TERRAFORM" -chdir="$new_dir" init -input=false >"$WORK/init-$role.log" 2>&1 || { tail -n 20 "$WORK/init-$role.log"; exit 1; }
  "$DAML_TERRAFORM" -chdir="$new_dir" plan -input=false -lock=false -out="$WORK/$role.tfplan" >"$WORK/plan-$role.log" 2>&1 || { tail -n 30 "$WORK/plan-$role.log"; exit 1; }
  "$DAML_TERRAFORM" -chdir="$new_dir" show -json "$WORK/$role.tfplan" >"$WORK/plan-$role.json"
  # shellcheck disable=SC2016  # JavaScript template literals
  node -e '
    const plan = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const changes = (plan.resource_changes ?? []).filter((c) => c.mode === "managed");
    const moved = changes.filter((c) => c.previous_address);
    const of = (action) => changes.filter((c) => c.change.actions.join("+") === action && !(action === "no-op" && c.previous_address));
    const destructive = changes.filter((c) => c.change.actions.includes("delete"));
    const list = (cs) => cs.map((c) => `      ${c.previous_address ? `${c.previous_address} -> ` : ""}${c.address}`).join("\n");
    console.log(`  ${process.argv[2]}: ${of("no-op").length} unchanged, ${moved.length} moved, ${of("create").length} created, ${of("update").length} updated in place, ${destructive.length} replaced or destroyed`);
    for (const [label, cs] of [["moved", moved], ["created", of("create")], ["updated in place", of("update")], ["REPLACED OR DESTROYED", destructive]]) {
      if (cs.length > 0) console.log(`    ${label}:\n${list(cs)}`);
    }
    process.exit(destructive.length > 0 ? 1 : 0);
  ' "$WORK/plan-$role.json" "$stack" || failed=1
done
if [ "$failed" -ne 0 ]; then
  say "FAILED: the upgrade replaces or destroys resources (listed above); nothing of this tree was applied"
  exit 1
fi

for role in "${roles[@]}"; do
  stack="$(daml_stack_name "$role")"
  dir="$new_stacks/$stack"
  "$DAML_TERRAFORM" -chdir="$dir" apply -input=false -lock=false "$WORK/$role.tfplan" >"$WORK/apply-$role.log" 2>&1 || { say "FAILED: apply of $stack:"; tail -n 30 "$WORK/apply-$role.log"; exit 1; }
  status=0
  "$DAML_TERRAFORM" -chdir="$dir" plan -input=false -lock=false -detailed-exitcode >"$WORK/replan-$role.log" 2>&1 || status=$?
  case "$status" in
    0) say "$stack: upgraded; the next plan has no changes" ;;
    *) say "FAILED: $stack: the plan after the upgrade is not empty (exit $status):"; grep -E '^  # |^Plan:|^Error' "$WORK/replan-$role.log" || tail -n 20 "$WORK/replan-$role.log"; exit 1 ;;
  esac
done
say "OK: $revision -> this tree replaces and destroys nothing, and converges"
