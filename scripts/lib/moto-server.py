"""moto_server, plus the Smithy RPC v2 CBOR wire protocol, for scripts/local-deploy.sh.

Run it with the Python of the moto venv (scripts/toolchain.sh --only moto):

    python scripts/lib/moto-server.py --host 127.0.0.1 --port 5000

It serves exactly what `moto_server -H HOST -p PORT` serves, with one addition.
The AWS SDK for Go v2, and with it the Terraform AWS provider, talks to CloudWatch
(and a few dozen other services) in the Smithy RPC v2 CBOR protocol:

    POST /service/GraniteServiceVersion20100801/operation/PutMetricAlarm
    smithy-protocol: rpc-v2-cbor          (body: CBOR)

moto implements CloudWatch, and parses the same operations in the awsJson1_0
protocol, but has no route or parser for CBOR requests (it answers 404). This
WSGI middleware re-encodes such a request as the equivalent awsJson1_0 request
(X-Amz-Target: <service>.<operation>, JSON body), lets moto handle it, and
re-encodes moto's JSON answer (result or error) as CBOR, using botocore's model
of the service's output to restore the CBOR types JSON loses (epoch-seconds
timestamps are CBOR tag 1, blobs are byte strings, doubles stay doubles). It
changes no emulated behaviour: the operation, its validation and its state are
moto's.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import math
import os
import re
import signal
import struct
import sys
from datetime import datetime
from typing import Any, Callable, Iterable

CBOR_PATH = re.compile(r"^/service/([A-Za-z0-9_.]+)/operation/([A-Za-z0-9_]+)$")
EPOCH_TAG = 1


class CborTag:
    def __init__(self, tag: int, value: Any) -> None:
        self.tag = tag
        self.value = value


class CborDecodeError(ValueError):
    pass


# ------------------------------------------------------------------- decode --
class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise CborDecodeError(f"truncated CBOR at byte {self.pos}")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def argument(self, info: int) -> int | None:
        if info < 24:
            return info
        if info == 24:
            return self.take(1)[0]
        if info == 25:
            return struct.unpack(">H", self.take(2))[0]
        if info == 26:
            return struct.unpack(">I", self.take(4))[0]
        if info == 27:
            return struct.unpack(">Q", self.take(8))[0]
        if info == 31:
            return None  # indefinite length
        raise CborDecodeError(f"reserved additional information {info} at byte {self.pos}")


_BREAK = object()


def _decode_item(r: _Reader) -> Any:
    initial = r.take(1)[0]
    major, info = initial >> 5, initial & 0x1F
    if major == 7:
        if info == 20:
            return False
        if info == 21:
            return True
        if info in (22, 23):
            return None
        if info == 25:
            return _half_to_float(struct.unpack(">H", r.take(2))[0])
        if info == 26:
            return struct.unpack(">f", r.take(4))[0]
        if info == 27:
            return struct.unpack(">d", r.take(8))[0]
        if info == 31:
            return _BREAK
        raise CborDecodeError(f"unsupported simple value {info}")
    n = r.argument(info)
    if major == 0:
        return n
    if major == 1:
        return -1 - n  # type: ignore[operator]
    if major in (2, 3):
        if n is None:
            chunks = []
            while (chunk := _decode_item(r)) is not _BREAK:
                chunks.append(chunk)
            raw = b"".join(c if isinstance(c, bytes) else c.encode() for c in chunks)
        else:
            raw = r.take(n)
        return raw if major == 2 else raw.decode("utf-8")
    if major == 4:
        items = []
        while n is None or len(items) < n:
            item = _decode_item(r)
            if item is _BREAK:
                break
            items.append(item)
        return items
    if major == 5:
        result: dict[Any, Any] = {}
        count = 0
        while n is None or count < n:
            key = _decode_item(r)
            if key is _BREAK:
                break
            result[key] = _decode_item(r)
            count += 1
        return result
    # major == 6
    return CborTag(n, _decode_item(r))  # type: ignore[arg-type]


def _half_to_float(h: int) -> float:
    sign = -1.0 if h & 0x8000 else 1.0
    exponent, fraction = (h >> 10) & 0x1F, h & 0x3FF
    if exponent == 0:
        return sign * fraction * 2.0**-24
    if exponent == 31:
        return sign * math.inf if fraction == 0 else math.nan
    return sign * (1 + fraction / 1024.0) * 2.0 ** (exponent - 15)


def cbor_loads(data: bytes) -> Any:
    reader = _Reader(data)
    value = _decode_item(reader)
    if reader.pos != len(data):
        raise CborDecodeError(f"{len(data) - reader.pos} trailing bytes after the CBOR item")
    return value


# ------------------------------------------------------------------- encode --
def _head(major: int, n: int) -> bytes:
    if n < 24:
        return bytes([major << 5 | n])
    for info, fmt, limit in ((24, ">B", 0xFF), (25, ">H", 0xFFFF), (26, ">I", 0xFFFFFFFF)):
        if n <= limit:
            return bytes([major << 5 | info]) + struct.pack(fmt, n)
    return bytes([major << 5 | 27]) + struct.pack(">Q", n)


def cbor_dumps(value: Any) -> bytes:
    if value is None:
        return b"\xf6"
    if value is True:
        return b"\xf5"
    if value is False:
        return b"\xf4"
    if isinstance(value, CborTag):
        return _head(6, value.tag) + cbor_dumps(value.value)
    if isinstance(value, int):
        return _head(0, value) if value >= 0 else _head(1, -1 - value)
    if isinstance(value, float):
        return b"\xfb" + struct.pack(">d", value)
    if isinstance(value, bytes):
        return _head(2, len(value)) + value
    if isinstance(value, str):
        raw = value.encode("utf-8")
        return _head(3, len(raw)) + raw
    if isinstance(value, (list, tuple)):
        return _head(4, len(value)) + b"".join(cbor_dumps(v) for v in value)
    if isinstance(value, dict):
        return _head(5, len(value)) + b"".join(cbor_dumps(k) + cbor_dumps(v) for k, v in value.items())
    raise TypeError(f"cannot encode {type(value).__name__} as CBOR")


# ------------------------------------------------ CBOR request -> JSON request --
def cbor_request_to_json(value: Any) -> Any:
    """awsJson1_0 spells timestamps as epoch seconds and blobs as base64 strings."""
    if isinstance(value, CborTag):
        return cbor_request_to_json(value.value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, list):
        return [cbor_request_to_json(v) for v in value]
    if isinstance(value, dict):
        return {k: cbor_request_to_json(v) for k, v in value.items()}
    return value


# ---------------------------------------------- JSON response -> CBOR response --
def _epoch_seconds(value: Any) -> float:
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value)
    try:
        return float(text)
    except ValueError:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def json_response_to_cbor_value(value: Any, shape: Any) -> Any:
    """Types JSON cannot carry, restored from the botocore output shape."""
    if value is None or shape is None:
        return value
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            return value
        members = shape.members
        return {k: json_response_to_cbor_value(v, members.get(k)) for k, v in value.items()}
    if kind == "list":
        return [json_response_to_cbor_value(v, shape.member) for v in value] if isinstance(value, list) else value
    if kind == "map":
        return {k: json_response_to_cbor_value(v, shape.value) for k, v in value.items()} if isinstance(value, dict) else value
    if kind == "timestamp":
        return CborTag(EPOCH_TAG, _epoch_seconds(value))
    if kind == "blob":
        return base64.b64decode(value) if isinstance(value, str) else value
    if kind in ("double", "float"):
        return float(value)
    if kind in ("integer", "long", "short", "byte"):
        return int(value)
    return value


class ServiceModels:
    """botocore service models of the CBOR services moto can also serve as awsJson1_0, by target prefix."""

    def __init__(self) -> None:
        self._by_target: dict[str, Any] | None = None

    def find(self, target_prefix: str) -> Any:
        if self._by_target is None:
            self._by_target = self._index()
        return self._by_target.get(target_prefix)

    @staticmethod
    def _index() -> dict[str, Any]:
        import botocore.session

        session = botocore.session.get_session()
        loader = session.get_component("data_loader")
        index: dict[str, Any] = {}
        for name in loader.list_available_services("service-2"):
            model = session.get_service_model(name)
            protocols = model.metadata.get("protocols", [model.protocol])
            target = model.metadata.get("targetPrefix")
            if target and "smithy-rpc-v2-cbor" in protocols and "json" in protocols:
                index[target] = model
        return index


class RpcV2CborTranslator:
    """WSGI middleware: Smithy RPC v2 CBOR requests in, moto's awsJson1_0 handling, CBOR out."""

    def __init__(self, app: Callable[..., Iterable[bytes]], models: ServiceModels | None = None) -> None:
        self.app = app
        self.models = models or ServiceModels()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        match = CBOR_PATH.match(environ.get("PATH_INFO", ""))
        if not match or environ.get("HTTP_SMITHY_PROTOCOL", "").lower() != "rpc-v2-cbor":
            return self.app(environ, start_response)
        target_prefix, operation_name = match.groups()
        model = self.models.find(target_prefix)
        if model is None:
            return self._error(start_response, 404, "UnknownOperationException", f"no awsJson1_0 model for {target_prefix}")

        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        try:
            params = cbor_request_to_json(cbor_loads(raw)) if raw else {}
        except (CborDecodeError, UnicodeDecodeError) as error:
            return self._error(start_response, 400, "SerializationException", f"invalid CBOR body: {error}")
        body = json.dumps(params).encode("utf-8")

        inner = dict(environ)
        inner.update(
            {
                "PATH_INFO": "/",
                "CONTENT_TYPE": f"application/x-amz-json-{model.metadata.get('jsonVersion', '1.0')}",
                "CONTENT_LENGTH": str(len(body)),
                "HTTP_X_AMZ_TARGET": f"{target_prefix}.{operation_name}",
                "wsgi.input": io.BytesIO(body),
            }
        )
        inner.pop("HTTP_SMITHY_PROTOCOL", None)
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
            captured["status"], captured["headers"] = status, headers
            return lambda _chunk: None

        chunks = self.app(inner, capture)
        try:
            answer = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close:
                close()

        status: str = captured.get("status", "500 INTERNAL SERVER ERROR")
        document = json.loads(answer) if answer.strip() else {}
        if status.startswith("2"):
            try:
                output_shape = model.operation_model(operation_name).output_shape
            except Exception:  # an operation moto knows and botocore does not: send it untyped
                output_shape = None
            document = json_response_to_cbor_value(document, output_shape)
        else:
            code = str(document.get("__type", "InternalFailure")).split("#")[-1]
            document = {"__type": code, "message": document.get("message") or document.get("Message") or ""}
        payload = cbor_dumps(document)
        headers = [(k, v) for k, v in captured.get("headers", []) if k.lower() not in ("content-type", "content-length")]
        headers += [("Content-Type", "application/cbor"), ("Content-Length", str(len(payload))), ("smithy-protocol", "rpc-v2-cbor")]
        start_response(status, headers)
        return [payload]

    @staticmethod
    def _error(start_response: Callable[..., Any], code: int, error: str, message: str) -> Iterable[bytes]:
        payload = cbor_dumps({"__type": error, "message": message})
        reason = {400: "BAD REQUEST", 404: "NOT FOUND"}[code]
        start_response(f"{code} {reason}", [("Content-Type", "application/cbor"), ("Content-Length", str(len(payload))), ("smithy-protocol", "rpc-v2-cbor")])
        return [payload]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-H", "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("-p", "--port", type=int, default=5000, help="port (default 5000)")
    args = parser.parse_args(argv)
    os.environ.setdefault("MOTO_PORT", str(args.port))

    from werkzeug.serving import run_simple

    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    app = RpcV2CborTranslator(DomainDispatcherApplication(create_backend_app))
    run_simple(args.host, args.port, app, threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
