#!/usr/bin/env bash
# Build (once) and reuse the toolchain that scripts/validate.sh and
# scripts/scan.sh need: a Terraform CLI and the hashicorp/aws provider built
# from the Go module proxy, served to `terraform init` through a filesystem
# mirror, plus checkov and moto in Python venvs. Everything lives in a cache
# directory outside the repository; versions come from scripts/toolchain.versions.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/toolchain.sh [--only LIST] [--print-env] [--clean-build-files] [--help]

Builds or reuses, in ${DAML_TOOLCHAIN_DIR:-$HOME/.cache/data-analytics-ml/toolchain}:
  terraform   Terraform CLI built with `go build` from github.com/hashicorp/terraform
  provider    hashicorp/aws built from github.com/hashicorp/terraform-provider-aws,
              installed as a filesystem mirror (mirror/registry.terraform.io/...)
              and a CLI config file (terraformrc) that serves it to `terraform init`
  checkov     checkov, pinned, in venv-checkov/
  moto        moto[server], pinned, in venv-moto/
  awscli      the AWS CLI (v1, PyPI awscli), pinned, in venv-awscli/ (for hosts without one)
Exact versions: scripts/toolchain.versions. A step whose artifact is present and
at the pinned version is reused (a warm run takes about a second).

Options:
  --only LIST          comma-separated subset of: terraform,provider,checkov,moto,awscli
  --print-env          after the steps, print shell `export` lines on stdout
                       (TF_CLI_CONFIG_FILE, DAML_TERRAFORM, DAML_CHECKOV, ...)
  --clean-build-files  delete Go sources, module and build caches (several GB)
                       after the steps; built artifacts are kept
  -h, --help           show this help

Environment:
  DAML_TOOLCHAIN_DIR   cache directory (must be outside the repository)
  DAML_PYTHON          Python interpreter for the venvs (default: python3)

Progress and timings go to stderr; build logs to <cache>/logs/.
EOF
}

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
# shellcheck disable=SC1091  # KEY=VALUE file next to this script
source "$SCRIPT_DIR/toolchain.versions"

CACHE="${DAML_TOOLCHAIN_DIR:-$HOME/.cache/data-analytics-ml/toolchain}"
PYTHON="${DAML_PYTHON:-python3}"
ONLY="terraform,provider,checkov,moto,awscli"
PRINT_ENV=0
CLEAN=0

while [ $# -gt 0 ]; do
  case "$1" in
    --only) ONLY="${2:?--only needs a list}"; shift 2 ;;
    --only=*) ONLY="${1#--only=}"; shift ;;
    --print-env) PRINT_ENV=1; shift ;;
    --clean-build-files) CLEAN=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "toolchain.sh: unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done

for step in ${ONLY//,/ }; do
  case "$step" in
    terraform|provider|checkov|moto|awscli) ;;
    *) echo "toolchain.sh: unknown step in --only: $step" >&2; exit 2 ;;
  esac
done
want() { [[ ",$ONLY," == *",$1,"* ]]; }

log() { printf '[toolchain] %s\n' "$*" >&2; }
die() { printf '[toolchain] ERROR: %s\n' "$*" >&2; exit 1; }
# A missing prerequisite (exit 3, as in the other scripts): say what is missing and what needs it.
missing() { printf '[toolchain] MISSING: %s\n' "$*" >&2; exit 3; }

mkdir -p "$CACHE"
CACHE="$(cd "$CACHE" && pwd)"
case "$CACHE/" in
  "$REPO_ROOT"/*) die "cache dir $CACHE is inside the repository; set DAML_TOOLCHAIN_DIR elsewhere" ;;
esac
mkdir -p "$CACHE/logs" "$CACHE/bin" "$CACHE/src" "$CACHE/stamps"

# Several toolchain.sh may run at once (validate.sh and scan.sh both call it):
# one lock per step, so a checkov-only run does not wait for a provider build,
# and a second caller of a step waits for the first and then reuses its result.
locked() {
  local step="$1"; shift
  exec 9>"$CACHE/.lock-$step"
  if ! flock -n 9; then
    log "waiting for another toolchain.sh building $step"
    flock 9
  fi
  "$@"
  flock -u 9
  exec 9>&-
}

# Go: module cache and build caches inside the cache dir, writable so that the
# whole directory can be deleted with rm -rf; never switch Go versions behind
# our back (the proxy-served module versions above build with the local Go).
export GOPATH="$CACHE/go"
export GOMODCACHE="$CACHE/go/pkg/mod"
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-modcacherw"
export GOTOOLCHAIN=local
export CHECKPOINT_DISABLE=1  # no version check calls from terraform

GOOS_GOARCH=""
need_go() {
  command -v go >/dev/null 2>&1 || missing "the Go toolchain (go) is required to build Terraform and the AWS provider"
  if [ -z "$GOOS_GOARCH" ]; then
    GOOS_GOARCH="$(go env GOOS)_$(go env GOARCH)"
  fi
}

SUMMARY=()
STEP_RSS=""
add_summary() { SUMMARY+=("$(printf '%-10s %-8s %7ss  %s' "$1" "$2" "$3" "$4")"); }

# run_logged LOGFILE CMD...: run CMD with output to LOGFILE; measure peak RSS with
# /usr/bin/time when it exists (sets STEP_RSS); show the log tail on failure.
run_logged() {
  local logfile="$1"; shift
  local timef="$logfile.time"
  local rc=0
  STEP_RSS=""
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f '%e %M' -o "$timef" "$@" >"$logfile" 2>&1 || rc=$?
    if [ -s "$timef" ]; then
      STEP_RSS="$(awk 'END { printf "%.0f MiB peak RSS", $2 / 1024 }' "$timef")"
    fi
  else
    "$@" >"$logfile" 2>&1 || rc=$?
  fi
  if [ "$rc" -ne 0 ]; then
    log "command failed (exit $rc): $*"
    log "last lines of $logfile:"
    tail -n 40 "$logfile" >&2
    return "$rc"
  fi
}

# fetch_module PATH@VERSION DEST: download a module zip through the module proxy
# and copy its source to DEST (fresh, writable).
fetch_module() {
  local modver="$1" dest="$2" dir
  dir="$(cd "$CACHE/src" && go mod download -json "$modver" | "$PYTHON" -c '
import json, sys
d = json.load(sys.stdin)
if d.get("Error"):
    sys.exit("go mod download: " + d["Error"])
print(d["Dir"])')" || die "cannot download $modver from the Go module proxy"
  rm -rf "$dest"
  cp -R "$dir" "$dest"
  chmod -R u+w "$dest"
}

# ---------------------------------------------------------------- terraform --
TF_BIN="$CACHE/bin/terraform-$TERRAFORM_VERSION"
# First line of `terraform version` (no CLI config, no version check online;
# captured whole: `| head -n 1` would SIGPIPE terraform and trip pipefail).
tf_version() {
  local out
  out="$(TF_CLI_CONFIG_FILE=/dev/null CHECKPOINT_DISABLE=1 "$1" version 2>/dev/null)" || true
  printf '%s\n' "${out%%$'\n'*}"
}
step_terraform() {
  local t0 src logf
  t0=$SECONDS
  if [ -x "$TF_BIN" ] && [ "$(tf_version "$TF_BIN")" = "Terraform v$TERRAFORM_VERSION" ]; then
    ln -sfn "$(basename "$TF_BIN")" "$CACHE/bin/terraform"
    add_summary terraform reused $((SECONDS - t0)) "$TF_BIN"
    return
  fi
  need_go
  log "building Terraform v$TERRAFORM_VERSION with $(go version | cut -d' ' -f3) (about 4 min on 2 cores)"
  src="$CACHE/src/terraform-$TERRAFORM_VERSION"
  logf="$CACHE/logs/terraform-build.log"
  fetch_module "github.com/hashicorp/terraform@v$TERRAFORM_VERSION" "$src"
  (
    cd "$src"
    # Point the ./internal/... replaces at the nested modules' proxy versions.
    sed -n 's#^replace \(github.com/hashicorp/terraform/internal/[^ ]*\) => \./.*#\1#p' go.mod |
      while read -r m; do
        go mod edit -replace="$m=$m@$TERRAFORM_NESTED_MODULES_VERSION"
      done
    # Go >= 1.24 no longer knows godebug tlskyber (the Kyber draft it disabled
    # became X25519MLKEM768, controlled by tlsmlkem); keep the intent.
    if grep -q '^godebug tlskyber' go.mod; then
      go mod edit -dropgodebug=tlskyber -godebug=tlsmlkem=0
    fi
  )
  run_logged "$logf" env -C "$src" GOCACHE="$CACHE/gocache/terraform" \
    go build -mod=mod -trimpath -ldflags "-s -w -X github.com/hashicorp/terraform/version.dev=no" \
    -o "$TF_BIN.tmp" . || die "Terraform build failed (log: $logf)"
  mv -f "$TF_BIN.tmp" "$TF_BIN"
  [ "$(tf_version "$TF_BIN")" = "Terraform v$TERRAFORM_VERSION" ] || die "built terraform does not report v$TERRAFORM_VERSION"
  ln -sfn "$(basename "$TF_BIN")" "$CACHE/bin/terraform"
  add_summary terraform built $((SECONDS - t0)) "$TF_BIN ${STEP_RSS:+($STEP_RSS)}"
}

# ----------------------------------------------------------------- provider --
MIRROR="$CACHE/mirror"
provider_path() {
  echo "$MIRROR/registry.terraform.io/hashicorp/aws/$AWS_PROVIDER_VERSION/$GOOS_GOARCH/terraform-provider-aws_v${AWS_PROVIDER_VERSION}_x5"
}
step_provider() {
  local t0 src logf dl_log bin stamp t_dl
  t0=$SECONDS
  need_go
  bin="$(provider_path)"
  stamp="$CACHE/stamps/aws-provider-$AWS_PROVIDER_VERSION"
  if [ -x "$bin" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$AWS_PROVIDER_MODULE_VERSION" ]; then
    add_summary provider reused $((SECONDS - t0)) "hashicorp/aws $AWS_PROVIDER_VERSION"
    return
  fi
  log "building hashicorp/aws $AWS_PROVIDER_VERSION ($AWS_PROVIDER_MODULE_VERSION); cold: ~0.7 GB download, then a long compile on 2 cores (see docs/toolchain.md)"
  src="$CACHE/src/terraform-provider-aws"
  logf="$CACHE/logs/provider-build.log"
  dl_log="$CACHE/logs/provider-download.log"
  fetch_module "github.com/hashicorp/terraform-provider-aws@$AWS_PROVIDER_MODULE_VERSION" "$src"
  [ "$(tr -d '[:space:]' <"$src/version/VERSION")" = "$AWS_PROVIDER_VERSION" ] ||
    die "source $AWS_PROVIDER_MODULE_VERSION has version/VERSION $(cat "$src/version/VERSION"), not $AWS_PROVIDER_VERSION"
  run_logged "$dl_log" env -C "$src" go mod download ||
    die "downloading the provider's dependencies failed (log: $dl_log)"
  t_dl=$((SECONDS - t0))
  log "provider sources and dependencies downloaded in ${t_dl}s; compiling"
  mkdir -p "$(dirname "$bin")"
  # GOPROXY=off: everything is downloaded now; the compile needs no network.
  run_logged "$logf" env -C "$src" GOCACHE="$CACHE/gocache/provider" GOPROXY=off \
    go build -trimpath \
    -ldflags "-s -w -X github.com/hashicorp/terraform-provider-aws/version.ProviderVersion=$AWS_PROVIDER_VERSION" \
    -o "$bin.tmp" . || die "provider build failed (log: $logf)"
  mv -f "$bin.tmp" "$bin"
  echo "$AWS_PROVIDER_MODULE_VERSION" >"$stamp"
  add_summary provider built $((SECONDS - t0)) "hashicorp/aws $AWS_PROVIDER_VERSION (download ${t_dl}s${STEP_RSS:+, compile $STEP_RSS})"
}

write_terraformrc() {
  local rc="$CACHE/terraformrc" tmp
  tmp="$(mktemp "$CACHE/terraformrc.XXXXXX")"
  mkdir -p "$CACHE/plugin-cache"
  cat >"$tmp" <<EOF
# Written by scripts/toolchain.sh; serves the locally built hashicorp/aws
# provider to terraform init. Use with TF_CLI_CONFIG_FILE=$rc
provider_installation {
  filesystem_mirror {
    path    = "$MIRROR"
    include = ["registry.terraform.io/hashicorp/*"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/*"]
  }
}
plugin_cache_dir = "$CACHE/plugin-cache"
disable_checkpoint = true
EOF
  if cmp -s "$tmp" "$rc"; then rm -f "$tmp"; else mv -f "$tmp" "$rc"; fi
}

# ------------------------------------------------------------------- python --
# ensure_venv NAME PIP_SPEC IMPORT_NAME VERSION
ensure_venv() {
  local name="$1" spec="$2" mod="$3" version="$4" venv t0 have logf
  t0=$SECONDS
  venv="$CACHE/venv-$name"
  have="$("$venv/bin/python" -c "import importlib.metadata as m; print(m.version('$mod'))" 2>/dev/null || true)"
  if [ "$have" = "$version" ]; then
    add_summary "$name" reused $((SECONDS - t0)) "$mod $version"
    return
  fi
  command -v "$PYTHON" >/dev/null 2>&1 || missing "$PYTHON not found: checkov, moto and the AWS CLI are installed into venvs of a Python 3 (set DAML_PYTHON)"
  log "installing $spec into $venv"
  logf="$CACHE/logs/pip-$name.log"
  rm -rf "$venv"
  run_logged "$logf" "$PYTHON" -m venv "$venv" || die "cannot create venv $venv"
  run_logged "$logf" "$venv/bin/pip" install --disable-pip-version-check --no-input "$spec" ||
    die "pip install $spec failed (log: $logf)"
  add_summary "$name" installed $((SECONDS - t0)) "$mod $version"
}

# --------------------------------------------------------------------- main --
T_ALL=$SECONDS
if want terraform; then locked terraform step_terraform; fi
if want provider; then
  locked provider step_provider
  locked provider write_terraformrc
fi
if want checkov; then locked checkov ensure_venv checkov "checkov==$CHECKOV_VERSION" checkov "$CHECKOV_VERSION"; fi
if want moto; then locked moto ensure_venv moto "moto[server]==$MOTO_VERSION" moto "$MOTO_VERSION"; fi
if want awscli; then locked awscli ensure_venv awscli "awscli==$AWSCLI_VERSION" awscli "$AWSCLI_VERSION"; fi

if [ "$CLEAN" -eq 1 ]; then
  log "deleting Go sources, module cache and build caches"
  rm -rf "$CACHE/src" "$CACHE/go" "$CACHE/gocache"
fi

log "cache: $CACHE"
for line in "${SUMMARY[@]}"; do log "$line"; done
log "total ${ONLY}: $((SECONDS - T_ALL))s"

if [ "$PRINT_ENV" -eq 1 ]; then
  printf 'export DAML_TOOLCHAIN_DIR=%q\n' "$CACHE"
  printf 'export TF_CLI_CONFIG_FILE=%q\n' "$CACHE/terraformrc"
  printf 'export CHECKPOINT_DISABLE=1\n'
  printf 'export DAML_TERRAFORM=%q\n' "$CACHE/bin/terraform"
  printf 'export DAML_AWS_PROVIDER_VERSION=%q\n' "$AWS_PROVIDER_VERSION"
  printf 'export DAML_AWS_PROVIDER_PINNED_VERSION=%q\n' "$AWS_PROVIDER_PINNED_VERSION"
  printf 'export DAML_CHECKOV=%q\n' "$CACHE/venv-checkov/bin/checkov"
  printf 'export DAML_MOTO_SERVER=%q\n' "$CACHE/venv-moto/bin/moto_server"
  printf 'export DAML_MOTO_PYTHON=%q\n' "$CACHE/venv-moto/bin/python"
  printf 'export DAML_AWS_CLI=%q\n' "$CACHE/venv-awscli/bin/aws"
fi
