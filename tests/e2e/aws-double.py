#!/usr/bin/env python3
"""Test double for the two AWS endpoints a delivery stub talks to: the EC2 instance
metadata service (IMDSv2: a session token, then the instance role's credentials) and
Secrets Manager (GetSecretValue, DeleteSecret). Serves secrets from files, records every
call, and checks each Secrets Manager request's SigV4 signature: with botocore's signer
when botocore is importable (an implementation independent of kubeprint's), otherwise
the credential scope and signed headers only.

    aws-double.py --imds HOST:PORT --sm HOST:PORT [--tls CERT KEY] --secrets DIR
                  [--files DIR] --record FILE --region REGION [--require-botocore]
                  [--probe-bad-signature]

--probe-bad-signature: before `ready`, send itself one GetSecretValue that botocore signs
with another secret key, and record whether it was refused (it must be).

A secret is the file DIR/<secret id, `/` as `%2F`>; DeleteSecret renames it to
`<file>.deleted`, so a second fetch finds nothing, as on AWS. The same server answers
plain GETs from --files, as the https artifact store of `delivery: url`.
"""

import argparse
import base64
import http.client
import json
import os
import ssl
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROLE = "kubeprint-e2e-node"
ACCESS_KEY = "AKIDKUBEPRINTE2E"
SECRET_KEY = "e2e-secret-access-key-not-a-real-one"
SESSION_TOKEN = "e2e-session-token"
IMDS_TOKEN = "e2e-imds-session-token"

try:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
except ImportError:
    SigV4Auth = None

ARGS = None
LOCK = threading.Lock()


def record(line):
    with LOCK, open(ARGS.record, "a") as f:
        f.write(line + "\n")


class Imds(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, code, body):
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_PUT(self):
        if self.path != "/latest/api/token" or not self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
            return self.reply(400, "bad token request")
        record("imds PUT token")
        self.reply(200, IMDS_TOKEN)

    def do_GET(self):
        # IMDSv2 only: no session token, no answer (HttpTokens=required).
        if self.headers.get("X-aws-ec2-metadata-token") != IMDS_TOKEN:
            record("imds GET without a session token: " + self.path)
            return self.reply(401, "")
        base = "/latest/meta-data/iam/security-credentials/"
        if self.path == base:
            return self.reply(200, ROLE)
        if self.path == base + ROLE:
            record("imds GET credentials")
            return self.reply(200, json.dumps({
                "Code": "Success", "Type": "AWS-HMAC", "AccessKeyId": ACCESS_KEY,
                "SecretAccessKey": SECRET_KEY, "Token": SESSION_TOKEN,
                "Expiration": "2099-01-01T00:00:00Z"}))
        self.reply(404, "")


class SecretsManager(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def error(self, kind, message):
        record("sm error %s" % kind)
        self.reply(400, {"__type": kind, "Message": message})

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        problem = signature_problem(self, body)
        if problem:
            return self.error("InvalidSignatureException", problem)
        action = self.headers.get("X-Amz-Target", "").replace("secretsmanager.", "")
        request = json.loads(body)
        path = os.path.join(ARGS.secrets, request["SecretId"].replace("/", "%2F"))
        if action == "GetSecretValue":
            record("GetSecretValue %s" % request["SecretId"])
            if not os.path.exists(path):
                return self.error("ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
            with open(path, "rb") as f:
                value = base64.b64encode(f.read()).decode()
            return self.reply(200, {"Name": request["SecretId"], "SecretBinary": value})
        if action == "DeleteSecret":
            record("DeleteSecret %s RecoveryWindowInDays=%s" % (request["SecretId"], request.get("RecoveryWindowInDays")))
            if not os.path.exists(path):
                return self.error("ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
            os.rename(path, path + ".deleted")
            return self.reply(200, {"Name": request["SecretId"]})
        self.error("InvalidAction", action)

    def do_GET(self):
        # The https artifact store of `delivery: url`: files under --files, by URL path.
        record("GET %s" % self.path)
        path = os.path.normpath(os.path.join(ARGS.files or "/nonexistent", self.path.lstrip("/")))
        if not ARGS.files or not path.startswith(ARGS.files) or not os.path.isfile(path):
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        with open(path, "rb") as f:
            data = f.read()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def signature_problem(handler, body):
    auth = handler.headers.get("Authorization", "")
    fields = dict(p.strip().split("=", 1) for p in auth[len("AWS4-HMAC-SHA256 "):].split(","))
    stamp = handler.headers.get("X-Amz-Date", "")
    scope = "%s/%s/%s/secretsmanager/aws4_request" % (ACCESS_KEY, stamp[:8], ARGS.region)
    if not auth.startswith("AWS4-HMAC-SHA256 ") or fields.get("Credential") != scope:
        return "credential scope is %r, not %r" % (fields.get("Credential"), scope)
    signed = fields.get("SignedHeaders", "").split(";")
    for needed in ("host", "x-amz-date", "x-amz-security-token", "x-amz-target"):
        if needed not in signed:
            return "%s is not signed" % needed
    if handler.headers.get("X-Amz-Security-Token") != SESSION_TOKEN:
        return "the session token is missing"
    if SigV4Auth is None:
        return None
    scheme = "https" if ARGS.tls else "http"
    request = AWSRequest(method="POST", url="%s://%s/" % (scheme, handler.headers["Host"]), data=body,
                         headers={h: handler.headers[h] for h in signed})
    signer = SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY, SESSION_TOKEN), "secretsmanager", ARGS.region)
    request.context["timestamp"] = stamp
    expected = signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request)
    if expected != fields.get("Signature"):
        return "signature mismatch (botocore computes %s)" % expected
    record("signature verified by botocore")
    return None


def serve(handler, address, tls):
    host, port = address.rsplit(":", 1)
    server = ThreadingHTTPServer((host, int(port)), handler)
    if tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(tls[0], tls[1])
        server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def probe_bad_signature():
    """Signs a request as the fetcher would, with a wrong secret key, and sends it."""
    host = "secretsmanager.%s.amazonaws.com" % ARGS.region
    body = json.dumps({"SecretId": "kubeprint/e2e-probe"})
    request = AWSRequest(method="POST", url="https://%s/" % host, data=body, headers={
        "Host": host, "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": "secretsmanager.GetSecretValue"})
    SigV4Auth(Credentials(ACCESS_KEY, "not-" + SECRET_KEY, SESSION_TOKEN), "secretsmanager",
              ARGS.region).add_auth(request)
    address, port = ARGS.sm.rsplit(":", 1)
    if ARGS.tls:
        connection = http.client.HTTPSConnection(address, int(port), context=ssl._create_unverified_context())
    else:
        connection = http.client.HTTPConnection(address, int(port))
    connection.request("POST", "/", body=body, headers=dict(request.headers.items()))
    answer = connection.getresponse()
    kind = json.loads(answer.read() or b"{}").get("__type")
    verdict = "refused (%s)" % kind if answer.status == 400 and kind == "InvalidSignatureException" else \
        "ACCEPTED (HTTP %d %s)" % (answer.status, kind)
    record("probe: a request signed with another secret key was %s" % verdict)


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--imds", required=True)
    parser.add_argument("--sm", required=True)
    parser.add_argument("--tls", nargs=2)
    parser.add_argument("--secrets", required=True)
    parser.add_argument("--files")
    parser.add_argument("--record", required=True)
    parser.add_argument("--region", required=True)
    parser.add_argument("--require-botocore", action="store_true")
    parser.add_argument("--probe-bad-signature", action="store_true")
    ARGS = parser.parse_args()
    if (ARGS.require_botocore or ARGS.probe_bad_signature) and SigV4Auth is None:
        sys.exit("botocore is not importable")
    serve(Imds, ARGS.imds, None)
    serve(SecretsManager, ARGS.sm, ARGS.tls)
    if ARGS.probe_bad_signature:
        probe_bad_signature()
    record("ready")
    threading.Event().wait()


if __name__ == "__main__":
    main()
