#!/usr/bin/env bats
# Fast checks of the local deployment's parts: scripts/local-deploy.sh's interface, and the CBOR
# protocol layer of scripts/lib/moto-server.py (the whole deployment: npm run test:local-deploy).

load helpers

moto_python() {
  printf '%s' "${DAML_MOTO_PYTHON:-${DAML_TOOLCHAIN_DIR:-$HOME/.cache/data-analytics-ml/toolchain}/venv-moto/bin/python}"
}

need_moto() {
  [ -x "$(moto_python)" ] || skip "needs moto's venv ($(moto_python)): scripts/toolchain.sh --only moto"
}

@test "local-deploy.sh is shellcheck-clean" {
  command -v shellcheck >/dev/null || {
    echo "shellcheck is not installed: apt-get install -y shellcheck" >&2
    return 1
  }
  cd "$REPO_ROOT"
  run shellcheck -x scripts/local-deploy.sh
  echo "$output"
  [ "$status" -eq 0 ]
}

@test "local-deploy.sh --help prints its usage and exit status; an unknown argument is exit 2 and named" {
  run "$REPO_ROOT/scripts/local-deploy.sh" --help
  [ "$status" -eq 0 ]
  [[ "$output" == "Usage: scripts/local-deploy.sh"* ]]
  [[ "$output" == *"Exit status"* ]]
  run "$REPO_ROOT/scripts/local-deploy.sh" --kep
  [ "$status" -eq 2 ]
  [[ "$output" == *"unknown argument: --kep"* ]]
}

@test "moto-server.py: CBOR decoding and encoding match RFC 8949's examples" {
  need_moto
  run "$(moto_python)" - "$REPO_ROOT/scripts/lib/moto-server.py" <<'PY'
import importlib.util, math, sys
spec = importlib.util.spec_from_file_location("moto_server", sys.argv[1])
m = importlib.util.module_from_spec(spec)
spec.loader.exec_module(m)
examples = {  # RFC 8949 appendix A
    "00": 0, "1903e8": 1000, "3903e7": -1000, "f93c00": 1.0, "f97bff": 65504.0, "fb3ff199999999999a": 1.1,
    "f4": False, "f6": None, "6449455446": "IETF", "4401020304": b"\x01\x02\x03\x04",
    "9f018202039f0405ffff": [1, [2, 3], [4, 5]], "bf61610161629f0203ffff": {"a": 1, "b": [2, 3]},
    "7f657374726561646d696e67ff": "streaming", "a201020304": {1: 2, 3: 4},
}
for hex_in, expected in examples.items():
    got = m.cbor_loads(bytes.fromhex(hex_in))
    assert got == expected and type(got) is type(expected), (hex_in, got, expected)
tag = m.cbor_loads(bytes.fromhex("c11a514b67b0"))
assert (tag.tag, tag.value) == (1, 1363896240), tag
assert math.isinf(m.cbor_loads(bytes.fromhex("f97c00")))
for value in [0, 23, 24, 255, 256, 65536, 2**32, -1, -25, 1.5, "", "ü", b"", [], {}, {"k": [None, True, 3.25]}]:
    assert m.cbor_loads(m.cbor_dumps(value)) == value, value
assert m.cbor_dumps(m.CborTag(1, 1.5)).hex() == "c1fb3ff8000000000000"
try:
    m.cbor_loads(bytes.fromhex("1903"))
    raise AssertionError("truncated input accepted")
except m.CborDecodeError as error:
    assert "truncated" in str(error)
print("ok")
PY
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[-1]}" = ok ]
}

@test "moto-server.py serves CloudWatch to a Smithy RPC v2 CBOR client; other protocols pass through" {
  need_moto
  local port log="$BATS_TEST_TMPDIR/moto.log"
  port="$("$(moto_python)" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  "$(moto_python)" "$REPO_ROOT/scripts/lib/moto-server.py" -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
  local pid=$!
  local tries=0
  until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    tries=$((tries + 1))
    [ "$tries" -lt 100 ] || { cat "$log"; kill "$pid"; return 1; }
    sleep 0.1
  done
  AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing run "$(moto_python)" - "http://127.0.0.1:$port" <<'PY'
import datetime, sys
import boto3, botocore.exceptions
url = sys.argv[1]
cw = boto3.client("cloudwatch", region_name="us-east-1", endpoint_url=url)
assert cw.meta.service_model.protocol == "smithy-rpc-v2-cbor", cw.meta.service_model.protocol
cw.put_metric_alarm(AlarmName="depth", Namespace="AWS/SQS", MetricName="ApproximateNumberOfMessagesVisible", Statistic="Maximum",
                    Period=60, EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanOrEqualToThreshold",
                    Dimensions=[{"Name": "QueueName", "Value": "dlq"}], Tags=[{"Key": "project", "Value": "p"}])
alarm = cw.describe_alarms(AlarmNames=["depth"])["MetricAlarms"][0]
assert alarm["Threshold"] == 1.0 and isinstance(alarm["Threshold"], float), alarm["Threshold"]
assert isinstance(alarm["AlarmConfigurationUpdatedTimestamp"], datetime.datetime)
assert cw.list_tags_for_resource(ResourceARN=alarm["AlarmArn"])["Tags"] == [{"Key": "project", "Value": "p"}]
try:
    cw.get_dashboard(DashboardName="missing")
    raise AssertionError("no error for a missing dashboard")
except botocore.exceptions.ClientError as error:
    assert error.response["Error"]["Code"] == "ResourceNotFound", error.response
sqs = boto3.client("sqs", region_name="us-east-1", endpoint_url=url)  # awsJson1_0: untouched by the translator
assert sqs.create_queue(QueueName="q")["QueueUrl"].endswith("/q")
print("ok")
PY
  kill "$pid"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[-1]}" = ok ]
}
