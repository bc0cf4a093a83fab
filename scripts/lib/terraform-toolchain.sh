# shellcheck shell=bash disable=SC2034  # sets TF, PROVIDER_VERSION and TOOLCHAIN_SUMMARY for validate.sh
# Which Terraform CLI and which hashicorp/aws provider scripts/validate.sh uses (--toolchain):
#   path   a terraform >= TF_MIN_VERSION on PATH; `terraform init` fetches exactly the pinned
#          provider from the registry (cached in <cache>/registry-plugin-cache).
#   build  the Terraform CLI and the provider that scripts/toolchain.sh builds from Go source,
#          served through a filesystem mirror (the provider version may differ from the pin:
#          docs/toolchain.md).
#   auto   path when a terraform on PATH is recent enough and the registry serves the pinned
#          provider; otherwise the source build of what is missing (the provider when the
#          registry cannot be reached, the CLI too when PATH has none or an old one).
# Sourced by validate.sh, after scripts/toolchain.versions. resolve_terraform_toolchain MODE sets:
#   TF                  the terraform binary
#   TF_CLI_CONFIG_FILE  exported: the CLI config every init and validate runs with
#   PROVIDER_VERSION    the hashicorp/aws version init installs
#   TOOLCHAIN_SUMMARY   one line saying which toolchain was chosen, and why
# Exits 3 (one line on stderr) when --toolchain path cannot be honoured.

TF_MIN_VERSION=1.10.0
# The script that builds the source toolchain; the script tests point it at a fake.
TOOLCHAIN_SH="${DAML_TOOLCHAIN_SH:-$(dirname "${BASH_SOURCE[0]}")/../toolchain.sh}"

# version_at_least A B: A >= B for dotted versions (pre-release suffixes ignored).
version_at_least() {
  local IFS=. i a b
  read -r -a a <<<"${1%%-*}"
  read -r -a b <<<"${2%%-*}"
  for i in 0 1 2; do
    [ "${a[i]:-0}" -gt "${b[i]:-0}" ] && return 0
    [ "${a[i]:-0}" -lt "${b[i]:-0}" ] && return 1
  done
  return 0
}

# The version a terraform binary reports, or nothing.
terraform_version_of() {
  TF_CLI_CONFIG_FILE=/dev/null CHECKPOINT_DISABLE=1 "$1" version 2>/dev/null | sed -n '1s/^Terraform v\([0-9][0-9.a-z-]*\).*/\1/p'
}

# A usable terraform on PATH, or a reason it is not usable (return 1).
path_terraform() {
  local bin version
  bin="$(command -v terraform 2>/dev/null)" || { echo "no terraform on PATH"; return 1; }
  version="$(terraform_version_of "$bin")"
  [ -n "$version" ] || { echo "$bin does not report a Terraform version"; return 1; }
  version_at_least "$version" "$TF_MIN_VERSION" || { echo "$bin is Terraform $version, older than $TF_MIN_VERSION"; return 1; }
  echo "$bin"
}

# registry_probe TF CACHE: `terraform init` of a configuration requiring exactly the pinned
# provider, with a CLI config whose plugin cache the stacks' inits then reuse. Prints the
# config file, or the first line of init's error (return 1).
registry_probe() {
  local tf="$1" cache="$2" dir rc log
  dir="$cache/registry-probe"
  rc="$cache/registry.terraformrc"
  mkdir -p "$dir" "$cache/registry-plugin-cache"
  printf 'plugin_cache_dir = "%s"\ndisable_checkpoint = true\n' "$cache/registry-plugin-cache" >"$rc"
  printf '{"terraform":{"required_providers":{"aws":{"source":"hashicorp/aws","version":"%s"}}}}\n' "$AWS_PROVIDER_PINNED_VERSION" >"$dir/main.tf.json"
  rm -rf "$dir/.terraform" "$dir/.terraform.lock.hcl"
  if log="$(cd "$dir" && TF_CLI_CONFIG_FILE="$rc" CHECKPOINT_DISABLE=1 timeout 600 "$tf" init -backend=false -input=false -no-color 2>&1)"; then
    echo "$rc"
    return 0
  fi
  # The connection error says why (DNS, proxy, timeout); the summary line says what failed.
  { grep -m1 -iE 'could not connect|dial tcp|timeout|no such host' <<<"$log" || grep -m1 -iE 'error|failed' <<<"$log" || echo "terraform init failed"; } | sed 's/^[│╷╵ ]*//'
  return 1
}

# use_source_build STEPS: the toolchain script's build of STEPS (terraform,provider or provider).
use_source_build() {
  local env_lines
  env_lines="$(bash "$TOOLCHAIN_SH" --only "$1" --print-env)" || exit $?
  eval "$env_lines"
}

resolve_terraform_toolchain() {
  local mode="$1" cache="${DAML_TOOLCHAIN_DIR:-$HOME/.cache/data-analytics-ml/toolchain}" found rc
  case "$mode" in
    path | auto | build) ;;
    *)
      echo "validate.sh: --toolchain must be auto, path or build, got '$mode'" >&2
      exit 2
      ;;
  esac
  if [ "$mode" != build ]; then
    if found="$(path_terraform)"; then
      if rc="$(registry_probe "$found" "$cache")"; then
        TF="$found"
        export TF_CLI_CONFIG_FILE="$rc"
        PROVIDER_VERSION="$AWS_PROVIDER_PINNED_VERSION"
        TOOLCHAIN_SUMMARY="toolchain $mode: terraform $(terraform_version_of "$TF") on PATH ($TF), hashicorp/aws $PROVIDER_VERSION from the registry"
        return 0
      fi
      [ "$mode" = path ] && { echo "validate.sh: --toolchain path: terraform init could not fetch hashicorp/aws $AWS_PROVIDER_PINNED_VERSION: $rc" >&2; exit 3; }
      use_source_build provider
      TF="$found"
      PROVIDER_VERSION="$DAML_AWS_PROVIDER_VERSION"
      TOOLCHAIN_SUMMARY="toolchain auto: terraform $(terraform_version_of "$TF") on PATH ($TF); the registry cannot be reached ($rc), so hashicorp/aws $PROVIDER_VERSION built from source"
      return 0
    fi
    [ "$mode" = path ] && { echo "validate.sh: --toolchain path: $found (install Terraform >= $TF_MIN_VERSION, or use --toolchain build)" >&2; exit 3; }
    use_source_build terraform,provider
    TF="$DAML_TERRAFORM"
    PROVIDER_VERSION="$DAML_AWS_PROVIDER_VERSION"
    TOOLCHAIN_SUMMARY="toolchain auto: $found, so Terraform $(terraform_version_of "$TF") and hashicorp/aws $PROVIDER_VERSION built from source"
    return 0
  fi
  use_source_build terraform,provider
  TF="$DAML_TERRAFORM"
  PROVIDER_VERSION="$DAML_AWS_PROVIDER_VERSION"
  TOOLCHAIN_SUMMARY="toolchain build: Terraform $(terraform_version_of "$TF") and hashicorp/aws $PROVIDER_VERSION built from source"
}
