#!/usr/bin/env bash
# Real `terraform init -backend=false` + `terraform validate` of every
# synthesized stack (cdktf.out/stacks/*), with the Terraform CLI and the
# hashicorp/aws provider that scripts/toolchain.sh builds from source.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/validate.sh [--stacks-dir DIR] [--help]

For each DIR/*/cdk.tf.json (default DIR: cdktf.out/stacks, i.e. run `cdktf synth`
first) runs, in a temporary copy of the stack directory:
  terraform init -backend=false -input=false   (provider from the local mirror)
  terraform validate -no-color
and prints OK/FAIL and the time per stack. Exits non-zero if any stack fails.

scripts/toolchain.sh runs first (a no-op when its cache is warm). No network is
needed once the toolchain is cached.

The stacks require hashicorp/aws at exactly the version the CDKTF bindings wrap
(scripts/toolchain.versions: AWS_PROVIDER_PINNED_VERSION). When the built
provider (AWS_PROVIDER_VERSION) differs, the copy's aws version constraint is set
to the built version and a NOTE says so (docs/toolchain.md explains why).

Environment:
  DAML_STACKS_DIR                  same as --stacks-dir
  DAML_VALIDATE_STRICT_PROVIDER=1  fail instead of substituting the provider version
  DAML_TOOLCHAIN_DIR, DAML_PYTHON  see scripts/toolchain.sh --help
EOF
}

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
STACKS_DIR="${DAML_STACKS_DIR:-$REPO_ROOT/cdktf.out/stacks}"
PYTHON="${DAML_PYTHON:-python3}"

while [ $# -gt 0 ]; do
  case "$1" in
    --stacks-dir) STACKS_DIR="${2:?--stacks-dir needs a directory}"; shift 2 ;;
    --stacks-dir=*) STACKS_DIR="${1#--stacks-dir=}"; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "validate.sh: unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done

shopt -s nullglob
stack_files=("$STACKS_DIR"/*/cdk.tf.json)
shopt -u nullglob
if [ "${#stack_files[@]}" -eq 0 ]; then
  echo "validate.sh: no $STACKS_DIR/*/cdk.tf.json found; synthesize the app first (npx cdktf synth)" >&2
  exit 1
fi

env_lines="$(bash "$SCRIPT_DIR/toolchain.sh" --only terraform,provider --print-env)"
eval "$env_lines"
TF="$DAML_TERRAFORM"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/daml-validate.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

now_ms() { date +%s%3N; }
secs() { awk -v ms="$1" 'BEGIN { printf "%.1f", ms / 1000 }'; }

echo "validate: $("$TF" version 2>/dev/null | sed -n 1p), hashicorp/aws $DAML_AWS_PROVIDER_VERSION (local build), ${#stack_files[@]} stack(s) in $STACKS_DIR"

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

  note="$("$PYTHON" - "$dst/cdk.tf.json" "$DAML_AWS_PROVIDER_VERSION" "${DAML_VALIDATE_STRICT_PROVIDER:-0}" <<'PY'
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
