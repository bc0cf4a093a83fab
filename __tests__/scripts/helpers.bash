# shellcheck shell=bash disable=SC2034  # variables here are used by the .bats files that load this
# Shared setup of the script tests: fake aws / terraform / npm / cdktf on PATH (fakes/fake-command)
# recording their calls, synthesized-stack fixtures, and an isolated environment.

REPO_ROOT="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
ACCOUNT=123456789012
PRIMARY=data-analytics-ml-analytics-primary
DR=data-analytics-ml-analytics-dr

common_setup() {
  FAKE_BIN="$BATS_TEST_TMPDIR/bin"
  mkdir -p "$FAKE_BIN"
  for tool in aws terraform npm cdktf; do ln -sf "$BATS_TEST_DIRNAME/fakes/fake-command" "$FAKE_BIN/$tool"; done
  export FAKE_CALLS="$BATS_TEST_TMPDIR/calls.log"
  export FAKE_RESPONSES="$BATS_TEST_TMPDIR/responses"
  : >"$FAKE_CALLS"
  : >"$FAKE_RESPONSES"
  export PATH="$FAKE_BIN:$PATH"

  export DAML_STACKS_DIR="$BATS_TEST_TMPDIR/stacks"
  mkdir -p "$DAML_STACKS_DIR/$PRIMARY" "$DAML_STACKS_DIR/$DR"
  cp "$BATS_TEST_DIRNAME/fixtures/primary.cdk.tf.json" "$DAML_STACKS_DIR/$PRIMARY/cdk.tf.json"
  cp "$BATS_TEST_DIRNAME/fixtures/dr.cdk.tf.json" "$DAML_STACKS_DIR/$DR/cdk.tf.json"
  export PLATFORM_CONFIG_FILE="$BATS_TEST_TMPDIR/analytics.json"
  echo '{}' >"$PLATFORM_CONFIG_FILE"

  export ENVIRONMENT=analytics
  unset PROJECT_NAME DAML_TERRAFORM AWS_ENDPOINT_URL LOCAL_AWS_ENDPOINT AWS_PROFILE TF_STATE_BUCKET
  respond aws 0 '*sts get-caller-identity*' "$ACCOUNT"
}

# respond NAME EXIT_CODE GLOB OUTPUT: canned answer (the last matching line wins).
respond() { printf '%s|%s|%s|%s\n' "$1" "$2" "$3" "${4:-}" >>"$FAKE_RESPONSES"; }

# Lines of the call log matching a grep -E pattern.
calls() { grep -E "$1" "$FAKE_CALLS" || true; }

# PATH holding everything on the current PATH except the named commands (to test "X is missing").
path_without() {
  local excluded=("$@") entry name gone shadow out="" dirs i=0 files
  IFS=: read -r -a dirs <<<"$PATH"
  for entry in "${dirs[@]}"; do
    [ -d "$entry" ] || continue
    # A directory without any of the commands stays on the PATH as it is; one with them is
    # replaced by a copy of its entries (symlinks) without them.
    for name in "${excluded[@]}"; do
      if [ -e "$entry/$name" ]; then
        shadow="$BATS_TEST_TMPDIR/path-without/$((i++))"
        mkdir -p "$shadow"
        files=("$entry"/*)
        ln -s "${files[@]}" "$shadow/"
        for gone in "${excluded[@]}"; do rm -f "$shadow/$gone"; done
        entry="$shadow"
        break
      fi
    done
    out+="${out:+:}$entry"
  done
  printf '%s' "$out"
}

# in_terminal INPUT COMMAND...: runs COMMAND on a new pseudo-terminal (standard input, output and
# error), with INPUT and a newline typed into it; prints what the terminal showed and returns
# COMMAND's exit status. For the paths of a script that only a person at a terminal can take.
in_terminal() {
  # The caller's PATH is handed over explicitly: a python3 shim may put its own bin directory
  # (holding a real aws CLI, say) in front of the fakes.
  TERMINAL_PATH="$PATH" python3 -c '
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.environ["PATH"] = os.environ.pop("TERMINAL_PATH")
    os.execvp(sys.argv[2], sys.argv[2:])
os.write(fd, sys.argv[1].encode() + b"\n")  # typed ahead: the terminal holds it until it is read
shown = b""
while True:
    try:
        chunk = os.read(fd, 65536)
    except OSError:  # EIO: the command ended and closed the terminal
        break
    if not chunk:
        break
    shown += chunk
_, status = os.waitpid(pid, 0)
sys.stdout.write(shown.decode(errors="replace").replace("\r\n", "\n"))
sys.exit(os.waitstatus_to_exitcode(status))
' "$@"
}
