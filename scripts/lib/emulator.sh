# shellcheck shell=bash
# The local AWS emulator (moto) for scripts that deploy into it: scripts/local-deploy.sh and
# scripts/upgrade-check.sh. Source it after scripts/toolchain.sh --print-env has been evaluated
# (DAML_MOTO_PYTHON, DAML_AWS_PROVIDER_VERSION, DAML_AWS_PROVIDER_PINNED_VERSION). Defines:
#   daml_start_moto LOG   starts moto on a free loopback port; sets MOTO_URL and MOTO_PID
#   daml_stop_moto        stops it (safe to call twice)
#   daml_use_emulator     points the AWS CLI, the synth and Terraform at MOTO_URL, nothing else
#   daml_provider_override STACK_DIR   lets the stack use the provider version built here

MOTO_PID=""
MOTO_URL=""
DAML_LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

daml_port_is_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
daml_free_port() { "$DAML_MOTO_PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

daml_start_moto() {
  local log="$1" attempt port tries
  for attempt in 1 2 3; do
    port="$(daml_free_port)"
    # AWS managed policies (AWSLambdaVPCAccessExecutionRole, ...) exist in every account; moto loads them on request.
    MOTO_IAM_LOAD_MANAGED_POLICIES=true "$DAML_MOTO_PYTHON" "$DAML_LIB_DIR/moto-server.py" -H 127.0.0.1 -p "$port" >>"$log" 2>&1 &
    MOTO_PID=$!
    for ((tries = 0; tries < 100; tries++)); do
      if daml_port_is_open "$port"; then
        MOTO_URL="http://127.0.0.1:$port"
        return 0
      fi
      kill -0 "$MOTO_PID" 2>/dev/null || break
      sleep 0.1
    done
    daml_stop_moto
    printf 'moto did not start on port %s (attempt %s)\n' "$port" "$attempt" >&2
  done
  tail -n 20 "$log" >&2
  return 1
}

daml_stop_moto() {
  if [ -n "$MOTO_PID" ] && kill -0 "$MOTO_PID" 2>/dev/null; then
    kill "$MOTO_PID" 2>/dev/null || true
    wait "$MOTO_PID" 2>/dev/null || true
  fi
  MOTO_PID=""
}

# daml_leave_work DIR KEEP STATUS CONTENTS: keeps DIR (and says what it holds) when KEEP is 1 or the run
# failed (STATUS not 0), so its logs can be read; removes it otherwise.
daml_leave_work() {
  if [ "$2" -eq 1 ] || [ "$3" -ne 0 ]; then
    printf '%s: working directory kept: %s (%s)\n' "${DAML_SCRIPT_NAME%.sh}" "$1" "$4" >&2
  else
    rm -rf "$1"
  fi
}

# Only the emulator: no profile, no real credentials, no remote state bucket.
daml_use_emulator() {
  unset AWS_PROFILE AWS_SESSION_TOKEN AWS_SECURITY_TOKEN TF_STATE_BUCKET LOCAL_AWS_ENDPOINT
  export AWS_ENDPOINT_URL="$MOTO_URL" AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
  export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}" AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
  export TF_IN_AUTOMATION=1 TF_CLI_ARGS=-no-color
}

# The stacks require the provider version the bindings wrap; only DAML_AWS_PROVIDER_VERSION is built here
# (docs/toolchain.md). A Terraform override file next to a synthesized stack changes the constraint for this
# run only; the synthesized cdk.tf.json stays exactly as synth wrote it (synth leaves other files alone).
# Prints nothing and writes nothing when the two versions agree; returns 0 when it wrote the file.
daml_provider_override() {
  [ "$DAML_AWS_PROVIDER_VERSION" != "$DAML_AWS_PROVIDER_PINNED_VERSION" ] || return 1
  mkdir -p "$1"
  printf '{"terraform":{"required_providers":{"aws":{"source":"aws","version":"%s"}}}}\n' "$DAML_AWS_PROVIDER_VERSION" >"$1/local_provider_override.tf.json"
}
