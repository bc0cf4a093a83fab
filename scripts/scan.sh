#!/usr/bin/env bash
# checkov security scan of every synthesized stack (cdktf.out/stacks/*), with
# the skip list in .checkov.yaml. Fails on any failed check or parsing error.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/scan.sh [--stacks-dir DIR] [--config FILE] [--toolchain auto|path|build] [--help]

Runs checkov (pinned, installed by scripts/toolchain.sh) with
  --framework terraform_json --compact --config-file FILE -o json
over DIR/*/cdk.tf.json (default DIR: cdktf.out/stacks; default FILE: .checkov.yaml
at the repository root), prints passed/failed/skipped counts per stack and one
line per failed check (check id, resource, file:lines, title).
Exits non-zero on any failed check, any file checkov cannot parse, or a crash.

Skips: .checkov.yaml `skip-check` entries, one per line with the reason in a
comment. Either `CKV_ID` (whole check, every stack) or `CKV_ID:REGEX`, where
REGEX matches the file path below the stacks dir, e.g. `.*-dr/cdk\.tf\.json`
(checkov 3.3.30 has no finer, per-resource, skip for Terraform JSON). checkov
reports checks skipped this way nowhere, so scan.sh re-runs only the skipped
check ids without the skip list and prints each (stack, check, resource) that a
skip hides, and warns about skip entries that hide nothing.

checkov scans a copy of each cdk.tf.json (scripts/lib/checkov-normalize.py) in
which values its terraform_json parser cannot read, scalars of the "terraform"
block (required_version) and non-object top-level blocks ("moved" arrays), are
replaced by {} in place: checkov 3.3.30 fails on them ("Failed to parse",
0 checks). Line numbers are unchanged.

--toolchain (default auto): which checkov runs.
  path   the checkov on PATH, whatever its version (a NOTE when it is not the pin:
         other versions run other checks, so findings and the skip list may differ)
  build  the pinned checkov (scripts/toolchain.versions) in the toolchain's venv
  auto   the checkov on PATH when it is the pinned version, else build

Exits 1 on findings or errors, 2 on a bad argument, 3 when the checkov asked for is missing.
Environment: DAML_STACKS_DIR, DAML_TOOLCHAIN (same as --toolchain), DAML_TOOLCHAIN_DIR,
DAML_PYTHON (see toolchain.sh).
EOF
}

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
STACKS_DIR="${DAML_STACKS_DIR:-$REPO_ROOT/cdktf.out/stacks}"
CONFIG="$REPO_ROOT/.checkov.yaml"
TOOLCHAIN="${DAML_TOOLCHAIN:-auto}"

while [ $# -gt 0 ]; do
  case "$1" in
    --stacks-dir) STACKS_DIR="${2:?--stacks-dir needs a directory}"; shift 2 ;;
    --stacks-dir=*) STACKS_DIR="${1#--stacks-dir=}"; shift ;;
    --config) CONFIG="${2:?--config needs a file}"; shift 2 ;;
    --config=*) CONFIG="${1#--config=}"; shift ;;
    --toolchain) TOOLCHAIN="${2:?--toolchain needs auto, path or build}"; shift 2 ;;
    --toolchain=*) TOOLCHAIN="${1#--toolchain=}"; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "scan.sh: unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done

case "$TOOLCHAIN" in
  auto | path | build) ;;
  *) echo "scan.sh: --toolchain must be auto, path or build, got '$TOOLCHAIN'" >&2; exit 2 ;;
esac
[ -f "$CONFIG" ] || { echo "scan.sh: config file $CONFIG not found" >&2; exit 1; }
CONFIG="$(cd "$(dirname "$CONFIG")" && pwd)/$(basename "$CONFIG")"
shopt -s nullglob
stack_files=("$STACKS_DIR"/*/cdk.tf.json)
shopt -u nullglob
if [ "${#stack_files[@]}" -eq 0 ]; then
  echo "scan.sh: no $STACKS_DIR/*/cdk.tf.json found; synthesize the app first (npx cdktf synth)" >&2
  exit 1
fi

# shellcheck disable=SC1091  # KEY=VALUE file next to this script
source "$SCRIPT_DIR/toolchain.versions"
CHECKOV="" VPY="" NOTE=""
if [ "$TOOLCHAIN" != build ] && path_checkov="$(command -v checkov 2>/dev/null)"; then
  path_version="$("$path_checkov" --version 2>/dev/null || true)"
  if [ "$TOOLCHAIN" = path ] || [ "$path_version" = "$CHECKOV_VERSION" ]; then
    CHECKOV="$path_checkov"
    # The interpreter checkov runs with has PyYAML (a checkov dependency) for the normalizer.
    VPY="$(sed -n '1s/^#! *\([^ ]*\).*/\1/p' "$CHECKOV")"
    [ -x "$VPY" ] || VPY="${DAML_PYTHON:-python3}"
    [ "$path_version" = "$CHECKOV_VERSION" ] || NOTE=" (NOTE: not the pinned $CHECKOV_VERSION: findings and the skip list may differ)"
    SOURCE="on PATH"
  fi
fi
if [ -z "$CHECKOV" ]; then
  [ "$TOOLCHAIN" = path ] && { echo "scan.sh: --toolchain path: no checkov on PATH (pip install checkov==$CHECKOV_VERSION, or use --toolchain build)" >&2; exit 3; }
  env_lines="$(bash "${DAML_TOOLCHAIN_SH:-$SCRIPT_DIR/toolchain.sh}" --only checkov --print-env)"
  eval "$env_lines"
  CHECKOV="$DAML_CHECKOV"
  VPY="$(dirname "$CHECKOV")/python"   # the venv's python has PyYAML (a checkov dependency)
  SOURCE="pinned, toolchain venv"
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/daml-scan.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/stacks"

for f in "${stack_files[@]}"; do
  stack="$(basename "$(dirname "$f")")"
  mkdir -p "$WORK/stacks/$stack"
  "$VPY" "$SCRIPT_DIR/lib/checkov-normalize.py" "$f" "$WORK/stacks/$stack/cdk.tf.json"
done

echo "scan: toolchain $TOOLCHAIN: checkov $("$CHECKOV" --version) ($SOURCE: $CHECKOV)$NOTE, config $CONFIG, ${#stack_files[@]} stack(s) in $STACKS_DIR"
rc=0
# JSON only: with --quiet checkov drops passed checks from its JSON report too,
# so the per-stack counts need a run without it; the listing below stays compact.
(cd "$WORK" && "$CHECKOV" --config-file "$CONFIG" -d "$WORK/stacks" --framework terraform_json \
  --compact --skip-download -o json --output-file-path "$WORK/main") \
  >"$WORK/checkov.out" 2>"$WORK/checkov.err" || rc=$?
if [ "$rc" -gt 1 ] || [ ! -s "$WORK/main/results_json.json" ]; then
  echo "scan: checkov crashed (exit $rc):"
  cat "$WORK/checkov.out" "$WORK/checkov.err"
  exit 1
fi
grep -E 'ERROR|Traceback' "$WORK/checkov.err" | head -n 20 || true

# Skipped checks are not reported by checkov: run the skipped ids on their own.
skip_ids="$("$VPY" - "$CONFIG" <<'PY'
import sys, yaml
cfg = yaml.safe_load(open(sys.argv[1], encoding="utf-8")) or {}
ids = []
for entry in cfg.get("skip-check") or []:
    check = str(entry).split(":", 1)[0]
    if check not in ids:
        ids.append(check)
print(",".join(ids))
PY
)"
if [ -n "$skip_ids" ]; then
  (cd "$WORK" && "$CHECKOV" -d "$WORK/stacks" --framework terraform_json --check "$skip_ids" \
    --compact --quiet --skip-download -o json --output-file-path "$WORK/skipped") \
    >"$WORK/skipped.out" 2>&1 || true
fi

"$VPY" - "$WORK/main/results_json.json" "$WORK/skipped/results_json.json" "$CONFIG" "$WORK/stacks" \
  "${stack_files[@]}" <<'PY'
import fnmatch, json, os, re, sys
import yaml

results_path, skipped_path, config_path, root = sys.argv[1:5]
stacks = [os.path.basename(os.path.dirname(p)) for p in sys.argv[5:]]


def load_reports(path):
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    return data if isinstance(data, list) else [data]


def stack_of(file_path):
    return file_path.strip("/").split("/")[0]


# checkov names some terraform_json resources "resource.<name>" (seen for
# aws_lambda_function, aws_cloudtrail, aws_redshift_cluster): restore the type.
types = {}
for s in stacks:
    try:
        with open(os.path.join(root, s, "cdk.tf.json"), encoding="utf-8") as fh:
            doc = json.load(fh)
    except (OSError, ValueError):
        continue
    for rtype, blocks in (doc.get("resource") or {}).items():
        for name in blocks or {}:
            types[(s, name)] = rtype


def resource_of(chk):
    kind, _, name = chk["resource"].partition(".")
    key = (stack_of(chk["file_path"]), name)
    return types[key] + "." + name if kind == "resource" and key in types else chk["resource"]


counts = {s: {"passed": 0, "failed": 0, "skipped": 0} for s in stacks}
parsing_errors = []
failed = []
for rep in load_reports(results_path):
    summary = rep.get("summary", {})
    res = rep.get("results", {})
    for chk in res.get("passed_checks", []):
        counts.setdefault(stack_of(chk["file_path"]), {"passed": 0, "failed": 0, "skipped": 0})["passed"] += 1
    for chk in res.get("failed_checks", []):
        counts.setdefault(stack_of(chk["file_path"]), {"passed": 0, "failed": 0, "skipped": 0})["failed"] += 1
        failed.append(chk)
    for chk in res.get("skipped_checks", []):  # inline suppressions (none in JSON)
        counts.setdefault(stack_of(chk["file_path"]), {"passed": 0, "failed": 0, "skipped": 0})["skipped"] += 1
    parsing_errors += res.get("parsing_errors", []) or []
    if summary.get("parsing_errors") and not res.get("parsing_errors"):
        parsing_errors.append(f"{summary['parsing_errors']} file(s)")

# Attribute the skipped-only run's failures to the skip entries that hide them.
cfg = yaml.safe_load(open(config_path, encoding="utf-8")) or {}
entries = [str(e) for e in (cfg.get("skip-check") or [])]
used = {e: 0 for e in entries}
hidden = []
for rep in load_reports(skipped_path):
    for chk in rep.get("results", {}).get("failed_checks", []):
        path = chk["file_path"].lstrip("/")
        for e in entries:
            check, _, regex = e.partition(":")
            if not fnmatch.fnmatch(chk["check_id"], check):
                continue
            if regex and not re.search("^" + regex, path):
                continue
            used[e] += 1
            counts.setdefault(stack_of(path), {"passed": 0, "failed": 0, "skipped": 0})["skipped"] += 1
            hidden.append((stack_of(path), chk["check_id"], resource_of(chk), e))
            break

print()
print(f"{'stack':<40} {'passed':>7} {'failed':>7} {'skipped':>8}")
for s in sorted(counts):
    c = counts[s]
    print(f"{s:<40} {c['passed']:>7} {c['failed']:>7} {c['skipped']:>8}")
if hidden:
    print("\nskipped by .checkov.yaml (stack, check, resource, entry):")
    for h in sorted(hidden):
        print("  " + "  ".join(h))
for e, n in used.items():
    if n == 0:
        print(f"WARNING: skip entry {e!r} hides no failure in these stacks (stale or mistyped?)")
if failed:
    print("\nfailed checks:")
    for chk in sorted(failed, key=lambda c: (c["file_path"], c["check_id"], c["resource"])):
        lines = "-".join(str(n) for n in chk.get("file_line_range") or [])
        where = chk["file_path"].lstrip("/") + (f":{lines}" if lines else "")
        print(f"  FAILED {chk['check_id']} {resource_of(chk)}  ({where})  {chk.get('check_name', '')}")
if parsing_errors:
    print("\nPARSING ERRORS (checkov could not read):")
    for p in parsing_errors:
        print("  " + str(p).replace(root, ""))
total_failed = sum(c["failed"] for c in counts.values())
if total_failed or parsing_errors:
    print(f"\nscan: FAILED: {total_failed} failed check(s), {len(parsing_errors)} parsing error(s)")
    sys.exit(1)
print(f"\nscan: no failed checks in {len(counts)} stack(s)")
PY
