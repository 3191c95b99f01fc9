#!/usr/bin/env python3
# kubeprint: fetches this node's bundle, checks it and runs it. Written by user-data
# with payload.json beside it; runs once, from cloud-init's runcmd, as root.
#
# The bundle (bootstrap.sh with the bootstrap token, and on control planes the CA keys)
# is kept out of user-data, which every process on the instance can read from the
# metadata service. It comes from AWS Secrets Manager, read with the instance role's
# credentials from IMDSv2 and a SigV4-signed request, or from an https URL. Python's
# standard library only: cloud-init itself runs on python3, so it is on every node that
# reads this user-data, and curl's --aws-sigv4 (curl 7.75) is missing from Ubuntu 20.04
# (curl 7.68) and Debian 11 (curl 7.74).
#
# The payload must match the sha256 in payload.json, or nothing is installed. Failures
# (any error on the way: the network, TLS, a truncated or garbled reply) are retried a
# bounded number of times, then logged to /var/log/kubeprint-bootstrap.log (root-only)
# and recorded in /var/lib/kubeprint/failed (step=00-fetch-payload) like a failed step.
# A node that is complete (/var/lib/kubeprint/complete) fetches nothing: the bundle
# removed itself and its secret is gone.
#
# AWS_EC2_METADATA_SERVICE_ENDPOINT and AWS_ENDPOINT_URL_SECRETSMANAGER (the AWS SDKs'
# names) override the two endpoints when set; cloud-init sets neither.

import base64
import datetime
import hashlib
import hmac
import ipaddress
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from http.client import HTTPException

CONFIG = "/usr/local/lib/kubeprint/payload.json"
STATE = "/var/lib/kubeprint"
LOG = "/var/log/kubeprint-bootstrap.log"
STEP = "00-fetch-payload"
# Six attempts over about a minute: enough for a secret published moments late or a
# network still coming up, short enough that a real failure shows quickly.
DELAYS = (2, 4, 8, 16, 30)
TIMEOUT = 10
RECOVERY_WINDOW_DAYS = 7


class Failure(Exception):
    pass


def log(message):
    line = "[kubeprint %s] %s\n" % (time.strftime("%H:%M:%S", time.gmtime()), message)
    sys.stdout.write(line)
    sys.stdout.flush()
    try:
        fd = os.open(LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a") as f:
            os.fchmod(f.fileno(), 0o600)
            f.write(line)
    except OSError:
        pass


def fail(message, code=1):
    log("step %s: FAILED with exit code %d: %s" % (STEP, code, message))
    try:
        os.makedirs(STATE, mode=0o700, exist_ok=True)
        with open(os.path.join(STATE, "failed"), "w") as f:
            f.write("step=%s\nexit=%d\n" % (STEP, code))
    except OSError as e:
        log("could not record the failure in %s: %s" % (STATE, e))
    try:
        with open("/dev/console", "w") as console:
            console.write("kubeprint: bootstrap failed at step %s (exit %d): %s\n" % (STEP, code, message))
    except OSError:
        pass
    sys.exit(code)


def secure(url):
    """https, or plain http to this machine's own loopback address (a local test double
    or forwarder: the bytes never leave the machine). The instance metadata service is
    reached over http by design and is not fetched through this check."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https":
        return True
    host = parts.hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    return parts.scheme == "http" and loopback


class HttpsOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """The payload holds keys: a redirect goes to https or nowhere, even from loopback."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if not newurl.startswith("https://"):
            raise Failure("refusing a redirect to %s: only https is followed" % newurl.split("?")[0])
        return super().redirect_request(req, fp, code, msg, headers, newurl)


OPENER = urllib.request.build_opener(HttpsOnlyRedirects)


def http(request):
    where = "%s %s" % (request.get_method(), request.full_url.split("?")[0])
    try:
        with OPENER.open(request, timeout=TIMEOUT) as response:
            return response.read()
    except urllib.error.HTTPError as e:
        raise Failure("%s: HTTP %d %s" % (where, e.code, error_text(e.read(512))))
    except (urllib.error.URLError, OSError) as e:
        raise Failure("%s: %s" % (where, getattr(e, "reason", e)))
    except HTTPException as e:
        # A bad status line, a truncated body, a dropped connection: like a network error.
        raise Failure("%s: %s" % (where, described(e)))


def described(error):
    """An error's type and text: never a payload, which no error here carries."""
    text = str(error)
    return "%s: %s" % (type(error).__name__, text) if text else type(error).__name__


def error_text(body):
    """Secrets Manager's error type and message (they never echo a secret value)."""
    try:
        reply = json.loads(body)
        return "%s: %s" % (reply.get("__type", "").split("#")[-1], reply.get("Message") or reply.get("message", ""))
    except ValueError:
        return ""


def instance_credentials():
    """The instance role's temporary credentials, through IMDSv2 (a session token first)."""
    base = os.environ.get("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://169.254.169.254").rstrip("/")
    token = http(urllib.request.Request(
        base + "/latest/api/token", method="PUT",
        headers={"X-aws-ec2-metadata-token-ttl-seconds": "300"})).decode()
    headers = {"X-aws-ec2-metadata-token": token}
    path = base + "/latest/meta-data/iam/security-credentials/"
    roles = http(urllib.request.Request(path, headers=headers)).decode().split()
    if not roles:
        raise Failure("the instance has no IAM role: attach one allowed to read the payload (publish/iam-policy-*.json)")
    creds = json.loads(http(urllib.request.Request(path + roles[0], headers=headers)))
    return creds["AccessKeyId"], creds["SecretAccessKey"], creds["Token"]


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


def secrets_manager_endpoint(config):
    endpoint = os.environ.get("AWS_ENDPOINT_URL_SECRETSMANAGER", config["endpoint"]).rstrip("/")
    if not secure(endpoint):
        raise Failure("refusing to fetch over plain http: %s" % endpoint)
    return endpoint


def secrets_manager(config, creds, action, body):
    """One Secrets Manager call (JSON protocol), signed with Signature Version 4."""
    endpoint = secrets_manager_endpoint(config)
    access_key, secret_key, session_token = creds
    region = config["region"]
    payload = json.dumps(body, sort_keys=True).encode()
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    headers = {
        "content-type": "application/x-amz-json-1.1",
        "host": urllib.parse.urlsplit(endpoint).netloc,
        "x-amz-date": stamp,
        "x-amz-security-token": session_token,
        "x-amz-target": "secretsmanager." + action,
    }
    names = sorted(headers)
    canonical = "\n".join(["POST", "/", "", "".join("%s:%s\n" % (n, headers[n]) for n in names),
                           ";".join(names), sha256_hex(payload)])
    scope = "%s/%s/secretsmanager/aws4_request" % (stamp[:8], region)
    to_sign = "\n".join(["AWS4-HMAC-SHA256", stamp, scope, sha256_hex(canonical.encode())])
    key = ("AWS4" + secret_key).encode()
    for part in (stamp[:8], region, "secretsmanager", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s" % (
        access_key, scope, ";".join(names), signature)
    request = urllib.request.Request(endpoint + "/", data=payload, headers=headers, method="POST")
    return json.loads(http(request))


def fetch(config):
    """The payload's bytes, and credentials for deleting it afterwards (AWS only)."""
    if config["source"] == "url":
        if not secure(config["url"]):
            raise Failure("refusing to fetch over plain http: %s" % config["url"])
        return http(urllib.request.Request(config["url"])), None
    secrets_manager_endpoint(config)  # refused before any credential is fetched
    creds = instance_credentials()
    reply = secrets_manager(config, creds, "GetSecretValue", {"SecretId": config["secret_id"]})
    if "SecretBinary" in reply:
        return base64.b64decode(reply["SecretBinary"]), creds
    return reply.get("SecretString", "").encode(), creds


def fetch_checked(config):
    attempts = len(DELAYS) + 1
    for attempt in range(1, attempts + 1):
        try:
            payload, creds = fetch(config)
            digest = sha256_hex(payload)
            if digest != config["sha256"]:
                raise Failure("the payload's sha256 is %s, not %s as this user-data pins (%d bytes)" % (
                    digest, config["sha256"], len(payload)))
            return payload, creds
        # Anything else (a reply of the wrong shape, an error no handler above knew) is
        # retried too: a fetcher that crashes leaves no failure marker and no console line.
        except Exception as e:  # noqa: BLE001
            reason = str(e) if isinstance(e, Failure) else described(e)
            if attempt == attempts:
                fail("%s (attempt %d of %d)" % (reason, attempt, attempts))
            log("attempt %d of %d failed: %s; retrying in %ds" % (attempt, attempts, reason, DELAYS[attempt - 1]))
            time.sleep(DELAYS[attempt - 1])


def install(payload, path):
    """Atomically, root-only: the payload holds the token and maybe keys."""
    os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
    temporary = path + ".tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o700)
    with os.fdopen(fd, "wb") as f:
        f.write(payload)
        f.flush()
        os.fsync(f.fileno())
    os.chmod(temporary, 0o700)
    os.replace(temporary, path)


def delete(config, creds):
    """Deletes the fetched secrets (with the shortest recovery window) so the keys in
    them cannot be read again with this instance's role."""
    for secret in config.get("delete", []):
        try:
            secrets_manager(config, creds, "DeleteSecret",
                            {"SecretId": secret, "RecoveryWindowInDays": RECOVERY_WINDOW_DAYS})
            log("deleted secret %s (recoverable for %d days)" % (secret, RECOVERY_WINDOW_DAYS))
        except Exception as e:  # noqa: BLE001
            log("WARNING: could not delete secret %s: %s; delete it yourself, it holds this node's keys" % (
                secret, e if isinstance(e, Failure) else described(e)))


def run():
    if os.path.exists(os.path.join(STATE, "complete")):
        log("this node is already complete (%s/complete exists): nothing to fetch" % STATE)
        return
    with open(CONFIG) as f:
        config = json.load(f)
    target = config["install"]
    try:
        with open(target, "rb") as f:
            installed = sha256_hex(f.read()) == config["sha256"]
    except OSError:
        installed = False
    if installed:
        log("%s is already the pinned payload; not fetching it again" % target)
    else:
        where = config.get("secret_id") or config.get("url")
        log("step %s: fetching the bundle from %s (%s)" % (STEP, where, config["source"]))
        payload, creds = fetch_checked(config)
        install(payload, target)
        log("step %s: installed %s (sha256 %s)" % (STEP, target, config["sha256"]))
        if creds is not None:
            delete(config, creds)
    os.execv("/bin/bash", ["bash", target])


def main():
    try:
        run()
    except Exception as e:  # noqa: BLE001
        fail(described(e))


if __name__ == "__main__":
    main()
