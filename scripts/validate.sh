#!/usr/bin/env bash
# Real `terraform init -backend=false` + `terraform validate` of every
# synthesized stack (cdktf.out/stacks/*), with a Terraform on PATH and the pinned
# hashicorp/aws from the registry, or the ones scripts/toolchain.sh builds from source.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/validate.sh [--stacks-dir DIR] [--toolchain auto|path|build] [--help]

For each DIR/*/cdk.tf.json (default DIR: cdktf.out/stacks, i.e. run `cdktf synth`
first) runs, in a temporary copy of the stack directory:
  terraform init -backend=false -input=false
  terraform validate -no-color
and prints which toolchain it used, OK/FAIL and the time per stack. Exits 1 if any
stack fails, 2 on a bad argument, 3 when the toolchain asked for is missing.

--toolchain (default auto):
  path   a terraform >= 1.10 on PATH; terraform init fetches exactly the pinned
         hashicorp/aws (scripts/toolchain.versions: AWS_PROVIDER_PINNED_VERSION)
         from the registry, once, into the toolchain cache's plugin cache.
  build  Terraform and hashicorp/aws built from Go source by scripts/toolchain.sh
         (about 45 minutes cold, seconds when cached; no registry needed).
  auto   path when it works; otherwise the source build of what is missing: the
         provider when the registry cannot be reached, Terraform too when PATH
         has none (or one older than 1.10).

The stacks require hashicorp/aws at exactly the pinned version. When the source
build's provider (AWS_PROVIDER_VERSION) differs, the copy's aws version constraint
is set to the built version and a NOTE says so (docs/toolchain.md explains why).

Environment:
  DAML_STACKS_DIR                  same as --stacks-dir
  DAML_TOOLCHAIN                   same as --toolchain
  DAML_VALIDATE_STRICT_PROVIDER=1  fail instead of substituting the provider version
  DAML_TOOLCHAIN_DIR, DAML_PYTHON  see scripts/toolchain.sh --help
EOF
}

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
STACKS_DIR="${DAML_STACKS_DIR:-$REPO_ROOT/cdktf.out/stacks}"
PYTHON="${DAML_PYTHON:-python3}"
TOOLCHAIN="${DAML_TOOLCHAIN:-auto}"

while [ $# -gt 0 ]; do
  case "$1" in
    --stacks-dir) STACKS_DIR="${2:?--stacks-dir needs a directory}"; shift 2 ;;
    --stacks-dir=*) STACKS_DIR="${1#--stacks-dir=}"; shift ;;
    --toolchain) TOOLCHAIN="${2:?--toolchain needs auto, path or build}"; shift 2 ;;
    --toolchain=*) TOOLCHAIN="${1#--toolchain=}"; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "validate.sh: unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done

case "$TOOLCHAIN" in
  auto | path | build) ;;
  *) echo "validate.sh: --toolchain must be auto, path or build, got '$TOOLCHAIN'" >&2; exit 2 ;;
esac

shopt -s nullglob
stack_files=("$STACKS_DIR"/*/cdk.tf.json)
shopt -u nullglob
if [ "${#stack_files[@]}" -eq 0 ]; then
  echo "validate.sh: no $STACKS_DIR/*/cdk.tf.json found; synthesize the app first (npx cdktf synth)" >&2
  exit 1
fi

# shellcheck disable=SC1091  # KEY=VALUE file next to this script
source "$SCRIPT_DIR/toolchain.versions"
# shellcheck source=scripts/lib/terraform-toolchain.sh
source "$SCRIPT_DIR/lib/terraform-toolchain.sh"
resolve_terraform_toolchain "$TOOLCHAIN"
export CHECKPOINT_DISABLE=1

WORK="$(mktemp -d "${TMPDIR:-/tmp}/daml-validate.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

now_ms() { date +%s%3N; }
secs() { awk -v ms="$1" 'BEGIN { printf "%.1f", ms / 1000 }'; }

echo "validate: $TOOLCHAIN_SUMMARY; ${#stack_files[@]} stack(s) in $STACKS_DIR"

ok=0
failed=()
for f in "${stack_files[@]}"; do
  src="$(dirname "$f")"
  stack="$(basename "$src")"
  dst="$WORK/$stack"
  mkdir -p "$dst"
  # Copy the stack (assets included: file() calls are evaluated by validate),
  # without the synth-time working files that belong to a real init.
  tar -C "$src" --exclude=./.terraform --exclude=./.terraform.lock.hcl \
    --exclude='./terraform.*.tfstate*' -cf - . | tar -C "$dst" -xf -

  note="$("$PYTHON" - "$dst/cdk.tf.json" "$PROVIDER_VERSION" "${DAML_VALIDATE_STRICT_PROVIDER:-0}" <<'PY'
import json, re, sys
path, built, strict = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
with open(path, encoding="utf-8") as fh:
    doc = json.load(fh)
aws = (doc.get("terraform", {}).get("required_providers", {}) or {}).get("aws")
if isinstance(aws, dict) and aws.get("version") and aws["version"] != built:
    if strict:
        print(f"STRICT: stack requires hashicorp/aws {aws['version']}, only {built} is built")
        sys.exit(3)
    print(f"NOTE: stack requires hashicorp/aws {aws['version']}; validated against the local build {built} (see docs/toolchain.md)")
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    old = aws["version"]
    aws["version"] = built
    # Edit the one string in place so that error line numbers match the original.
    start = text.find('"required_providers"')
    for m in re.finditer(r'("version":\s*)"%s"' % re.escape(old), text):
        if m.start() < start:
            continue
        candidate = text[:m.start()] + m.group(1) + json.dumps(built) + text[m.end():]
        if json.loads(candidate) == doc:
            text = candidate
            break
    else:
        text = json.dumps(doc, indent=2)
        print("NOTE: line numbers below refer to a normalized copy")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
PY
)" || { echo "$note"; echo "FAIL $stack (provider version)"; failed+=("$stack"); continue; }
  [ -n "$note" ] && echo "  $stack: $note"

  t0=$(now_ms)
  rc=0
  (cd "$dst" && "$TF" init -backend=false -input=false -no-color) >"$WORK/$stack.init.log" 2>&1 || rc=$?
  t1=$(now_ms)
  if [ "$rc" -ne 0 ]; then
    echo "FAIL $stack: terraform init (exit $rc, $(secs $((t1 - t0)))s)"
    sed 's/^/    /' "$WORK/$stack.init.log"
    failed+=("$stack")
    continue
  fi
  (cd "$dst" && "$TF" validate -no-color) >"$WORK/$stack.validate.log" 2>&1 || rc=$?
  t2=$(now_ms)
  if [ "$rc" -ne 0 ]; then
    echo "FAIL $stack: terraform validate (exit $rc; init $(secs $((t1 - t0)))s, validate $(secs $((t2 - t1)))s)"
    sed 's/^/    /' "$WORK/$stack.validate.log"
    failed+=("$stack")
    continue
  fi
  # Warnings (deprecated arguments etc.) are worth seeing even when valid.
  if grep -q 'Warning' "$WORK/$stack.validate.log"; then
    sed 's/^/    /' "$WORK/$stack.validate.log"
  fi
  echo "OK   $stack (init $(secs $((t1 - t0)))s, validate $(secs $((t2 - t1)))s)"
  ok=$((ok + 1))
done

total=${#stack_files[@]}
if [ "${#failed[@]}" -gt 0 ]; then
  echo "validate: FAILED: $ok of $total stack(s) valid; failing: ${failed[*]}"
  exit 1
fi
echo "validate: all $total stack(s) valid"
