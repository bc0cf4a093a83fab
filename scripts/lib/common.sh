# shellcheck shell=bash
# Helpers shared by scripts/deploy.sh, monitor.sh and destroy.sh. Source it; it defines functions
# and the variables below and runs nothing else.
#
#   DAML_REPO_ROOT     the repository
#   DAML_STACKS_DIR    synthesized stacks (default cdktf.out/stacks; tests point it elsewhere)
#   DAML_TERRAFORM     Terraform CLI (default: terraform on PATH; scripts/toolchain.sh --print-env sets it)

DAML_REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# cdktf-cli and terraform call home for version checks unless this is set.
export CHECKPOINT_DISABLE=1
DAML_STACKS_DIR="${DAML_STACKS_DIR:-$DAML_REPO_ROOT/cdktf.out/stacks}"
DAML_TERRAFORM="${DAML_TERRAFORM:-terraform}"
DAML_SCRIPT_NAME="${DAML_SCRIPT_NAME:-$(basename "$0")}"

daml_log() { printf '%s: %s\n' "$DAML_SCRIPT_NAME" "$*" >&2; }

# daml_die EXIT_CODE MESSAGE...
daml_die() {
  local code="$1"
  shift
  printf '%s: %s\n' "$DAML_SCRIPT_NAME" "$*" >&2
  exit "$code"
}

daml_environment() { printf '%s' "${ENVIRONMENT:-analytics}"; }
daml_project_name() { printf '%s' "${PROJECT_NAME:-data-analytics-ml}"; }

# daml_check_names [EXIT_CODE]: exits EXIT_CODE (default 2, bad arguments) with a one-line message when ENVIRONMENT or PROJECT_NAME is not a valid
# name. Both become parts of paths (config/<ENVIRONMENT>.json, cdktf.out/stacks/<stack>), so every
# script calls this right after sourcing, before either is used: ENVIRONMENT=../package must never
# read package.json. The rule and wording are stacks/config/validate.ts's (a jest test keeps them equal).
daml_check_names() {
  local code="${1:-2}" name_rule='^[a-z0-9]+(-[a-z0-9]+)*$' environment project
  environment="$(daml_environment)"
  project="$(daml_project_name)"
  if ! [[ "$environment" =~ $name_rule ]] || [ "${#environment}" -lt 2 ]; then
    daml_die "$code" "config error: ENVIRONMENT = $(daml_json_string "$environment"): lowercase letters, digits and single hyphens, 2+ characters (S3 bucket and IAM naming rules)"
  fi
  if ! [[ "$project" =~ $name_rule ]] || [ "${#project}" -lt 3 ]; then
    daml_die "$code" "config error: PROJECT_NAME = $(daml_json_string "$project"): lowercase letters, digits and single hyphens, 3+ characters, starting and ending with a letter or digit (S3 bucket and IAM naming rules)"
  fi
}

# daml_json_line TEXT: TEXT as a JSON string on one line (tabs and newlines become spaces), for
# report fields; without starting node, unlike daml_json_string, which keeps every character.
daml_json_line() {
  local s="$1"
  s="${s//\\/\\\\}"
  s="${s//\"/\\\"}"
  s="${s//$'\t'/ }"
  s="${s//$'\n'/ }"
  printf '"%s"' "$s"
}
# A value as a JSON string, the way the configuration errors show it.
daml_json_string() { node -e 'process.stdout.write(JSON.stringify(process.argv[1]))' -- "$1"; }

# Stack name of a role, exactly as main.ts / PlatformNaming builds it: <project>-<environment>-<role>.
daml_stack_name() { printf '%s-%s-%s' "$(daml_project_name)" "$(daml_environment)" "$1"; }

# The help text's account of the stacks a script acts on, with the names it would use right now.
daml_stack_names_help() {
  printf '  %s and %s\n  (<project>-<environment>-primary|dr, from PROJECT_NAME=%s and ENVIRONMENT=%s)' \
    "$(daml_stack_name primary)" "$(daml_stack_name dr)" "$(daml_project_name)" "$(daml_environment)"
}

daml_stack_dir() { printf '%s/%s' "$DAML_STACKS_DIR" "$(daml_stack_name "$1")"; }

# The environment's configuration file, as stacks/config/load.ts finds it.
daml_config_file() {
  if [ -n "${PLATFORM_CONFIG_FILE:-}" ]; then
    printf '%s' "$PLATFORM_CONFIG_FILE"
  else
    printf '%s/config/%s.json' "$DAML_REPO_ROOT" "$(daml_environment)"
  fi
}

# daml_config_flag FIELD: prints "true" when the configuration sets the top-level boolean FIELD
# (protected, development) to true, "false" otherwise (also when the file does not exist: both
# default to false). Fails on an unreadable file, invalid JSON, a file not holding an object or a
# non-boolean value, so a typo never turns a protection off silently.
daml_config_flag() {
  local file
  file="$(daml_config_file)"
  if [ ! -e "$file" ]; then
    if [ -n "${PLATFORM_CONFIG_FILE:-}" ]; then
      daml_log "PLATFORM_CONFIG_FILE=$file does not exist"
      return 1
    fi
    printf 'false'
    return 0
  fi
  # shellcheck disable=SC2016  # JavaScript template literals, not shell expansions
  node -e '
    const fs = require("fs");
    const [file, field] = process.argv.slice(1);
    let config;
    try { config = JSON.parse(fs.readFileSync(file, "utf8")); } catch (error) { console.error(`${file}: ${error.message}`); process.exit(1); }
    if (typeof config !== "object" || config === null || Array.isArray(config)) { console.error(`${file}: must hold a JSON object, got ${JSON.stringify(config)}`); process.exit(1); }
    const value = Object.hasOwn(config, field) ? config[field] : undefined;
    if (value !== undefined && typeof value !== "boolean") { console.error(`${file}: "${field}" must be true or false, got ${JSON.stringify(value)}`); process.exit(1); }
    process.stdout.write(value === true ? "true" : "false");
  ' -- "$file" "$1"
}

# daml_local_state_file ROLE: where the synthesized stack keeps its local Terraform state (its
# backend path resolved against the stack directory); prints nothing for a remote backend.
daml_local_state_file() {
  local dir
  dir="$(daml_stack_dir "$1")"
  node -e '
    const path = require("path");
    const stack = JSON.parse(require("fs").readFileSync(path.join(process.argv[1], "cdk.tf.json"), "utf8"));
    const local = stack.terraform?.backend?.local?.path;
    if (local !== undefined) process.stdout.write(path.resolve(process.argv[1], local));
  ' -- "$dir"
}

# daml_check_former_state ROLE: exit 1 when the stack's local state is still where earlier
# versions kept it (terraform.<stack>.tfstate inside its synthesized folder, which a synth or an
# rm -rf cdktf.out can delete) and not yet at its current path: Terraform would otherwise start
# from empty state and try to create, or "destroy", nothing of what exists.
daml_check_former_state() {
  local dir stack former current
  dir="$(daml_stack_dir "$1")"
  stack="$(daml_stack_name "$1")"
  former="$dir/terraform.$stack.tfstate"
  current="$(daml_local_state_file "$1")" || current=""
  [ -n "$current" ] && [ -s "$former" ] && [ "$former" != "$current" ] && [ ! -e "$current" ] || return 0
  daml_die 1 "stack $stack: its Terraform state is still at $former, where earlier versions kept it; this version keeps it at $current. Move it once: terraform -chdir=$dir init -migrate-state -force-copy (or, without $dir/.terraform: mkdir -p $(dirname "$current") && mv $former $current); nothing was changed"
}

# Roles to act on for a target, in the order given: daml_roles TARGET FIRST SECOND.
daml_roles() {
  case "$1" in
    all) printf '%s %s' "$2" "$3" ;;
    primary | dr) printf '%s' "$1" ;;
    *) return 1 ;;
  esac
}

# daml_missing_prerequisites NAME...: prints one line per missing prerequisite (node, terraform,
# aws, credentials) with what to do about it; prints nothing when everything is there.
daml_missing_prerequisites() {
  local need
  for need in "$@"; do
    case "$need" in
      node) command -v node >/dev/null 2>&1 || echo "node not found: install Node.js 20 or newer (the build, synth and these scripts run on it)" ;;
      terraform) command -v "$DAML_TERRAFORM" >/dev/null 2>&1 || echo "terraform not found ($DAML_TERRAFORM): install Terraform >= 1.10, or run scripts/toolchain.sh --print-env and eval its output" ;;
      aws) command -v aws >/dev/null 2>&1 || echo "aws CLI not found: install the AWS CLI (v1 >= 1.29 or v2), which these scripts call for every AWS request" ;;
      credentials)
        if command -v aws >/dev/null 2>&1; then
          local error
          if ! error="$(daml_aws sts get-caller-identity --query Account --output text 2>&1 >/dev/null)"; then
            if daml_region_missing "$error"; then
              echo "$DAML_REGION_MISSING"
            else
              echo "AWS credentials not usable (aws sts get-caller-identity failed: $(printf '%s' "$error" | tr '\n' ' ' | cut -c1-200)): configure a profile (AWS_PROFILE) or export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
            fi
          fi
        fi
        ;;
    esac
  done
}

# The AWS CLI. With AWS_ENDPOINT_URL set (a local emulator) it is also passed as --endpoint-url:
# AWS CLI v1 ignores the variable for SQS, whose legacy-endpoint customization wins over it.
daml_aws() {
  if [ -n "${AWS_ENDPOINT_URL:-}" ]; then
    aws --endpoint-url "$AWS_ENDPOINT_URL" "$@"
  else
    aws "$@"
  fi
}

daml_account_id() { daml_aws sts get-caller-identity --query Account --output text; }

# The AWS CLI refuses every call, sts included, when no region is configured; that is not a
# credentials problem, so it is reported as what it is.
DAML_REGION_MISSING="no AWS region for the AWS CLI: export AWS_REGION=<region> (or AWS_DEFAULT_REGION), or set region in the AWS profile (aws configure set region <region>)"
daml_region_missing() { [[ "$1" == *"must specify a region"* || "$1" == *NoRegionError* ]]; }

# daml_manifest ROLE [ACCOUNT]: the stack's manifest (scripts/lib/stack-manifest.js); fails when
# the stack has not been synthesized.
daml_manifest() {
  local file
  file="$(daml_stack_dir "$1")/cdk.tf.json"
  [ -f "$file" ] || return 1
  node "$DAML_REPO_ROOT/scripts/lib/stack-manifest.js" "$file" "${2:-}"
}

# If AWS_ENDPOINT_URL points the AWS CLI at a local emulator, synthesize for that emulator too
# (LOCAL_AWS_ENDPOINT, see daml_synth), so deploy and destroy talk to the same place the CLI checks.
daml_follow_local_endpoint() {
  if [ -n "${AWS_ENDPOINT_URL:-}" ] && [ -z "${LOCAL_AWS_ENDPOINT:-}" ]; then
    export LOCAL_AWS_ENDPOINT="$AWS_ENDPOINT_URL"
    daml_log "AWS_ENDPOINT_URL is set: synthesizing with LOCAL_AWS_ENDPOINT=$LOCAL_AWS_ENDPOINT"
  fi
}

# Builds the functions and synthesizes both stacks: npm run synth (main.ts), or with LOCAL_AWS_ENDPOINT
# set npm run synth:local (local-deploy/main.ts: the same stacks, made deployable into the emulator).
daml_synth() {
  local script=synth
  if [ -n "${LOCAL_AWS_ENDPOINT:-}" ]; then script=synth:local; fi
  daml_log "building functions and synthesizing ($(daml_stack_name dr), $(daml_stack_name primary)) with npm run $script"
  (cd "$DAML_REPO_ROOT" && npm run --silent "$script") >&2
}
