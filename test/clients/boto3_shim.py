"""A line-oriented bridge from the mocha suite to boto3 (test/clients/real-clients.test.ts).

Reads one JSON request per line on stdin and answers one JSON line on stdout:
  {"op": "Encrypt", "params": {...}, "creds": {"AccessKeyId", "SecretAccessKey", "SessionToken"?},
   "blobs": ["Plaintext", ...], "paginate": false, "unsignedTarget": false, "service": "kms"}
  -> {"ok": <response with bytes as base64>, "requests": N} or {"error": <code>, "status": <http>}
Blob parameters arrive base64-encoded and are handed to boto3 as bytes. With "paginate", boto3's
own paginator drives the operation and the pages' lists are concatenated. With "unsignedTarget",
the X-Amz-Target header is removed before signing and put back after: the request the server
must refuse.
"""
import base64
import json
import sys
import traceback

import boto3
import botocore
from botocore.config import Config

ENDPOINT = sys.argv[1]
REGION = sys.argv[2]
clients = {}


def client(service, creds, unsigned_target):
    key = (service, creds["AccessKeyId"], creds["SecretAccessKey"], creds.get("SessionToken"), unsigned_target)
    if key not in clients:
        c = boto3.session.Session().client(
            service,
            endpoint_url=ENDPOINT,
            region_name=REGION,
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds.get("SessionToken"),
            config=Config(retries={"max_attempts": 1}),
        )
        counter = {"n": 0}
        c.meta.events.register("before-send", lambda request, **_: counter.__setitem__("n", counter["n"] + 1))
        if unsigned_target:
            held = {}

            def strip(request, **_):
                held["target"] = request.headers["X-Amz-Target"]
                del request.headers["X-Amz-Target"]

            def restore(request, **_):
                request.headers["X-Amz-Target"] = held["target"]

            c.meta.events.register_first("before-sign", strip)
            c.meta.events.register_first("before-send", restore)
        clients[key] = (c, counter)
    return clients[key]


def to_wire(value):
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode()
    if isinstance(value, dict):
        return {k: to_wire(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list):
        return [to_wire(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def snake(name):
    return "".join("_" + c.lower() if c.isupper() and i > 0 else c.lower() for i, c in enumerate(name))


for line in sys.stdin:
    req = json.loads(line)
    params = dict(req.get("params", {}))
    for field in req.get("blobs", []):
        if field in params:
            params[field] = base64.b64decode(params[field])
    c, counter = client(req.get("service", "kms"), req["creds"], req.get("unsignedTarget", False))
    before = counter["n"]
    try:
        if req.get("paginate"):
            merged = {}
            for page in c.get_paginator(snake(req["op"])).paginate(**params):
                for k, v in page.items():
                    if isinstance(v, list):
                        merged.setdefault(k, []).extend(v)
            out = {"ok": to_wire(merged)}
        else:
            out = {"ok": to_wire(getattr(c, snake(req["op"]))(**params))}
    except botocore.exceptions.ClientError as e:
        out = {"error": e.response["Error"]["Code"], "status": e.response["ResponseMetadata"]["HTTPStatusCode"]}
    except Exception:  # reported to the test as a failure, never a hang
        out = {"traceback": traceback.format_exc()}
    out["requests"] = counter["n"] - before
    sys.stdout.write(json.dumps(out) + "\n")
    sys.stdout.flush()
