#!/usr/bin/env python3
"""Check the kube-apiserver documents of kubeprint-rendered trees the way the API server
reads them: the EncryptionConfiguration (--encryption-provider-config) and the audit
Policy (--audit-policy-file), and that the ClusterConfiguration's apiServer flags and
extraVolumes agree with where the control planes write them.

Usage:
    python3 tests/conformance/check_apiserver.py OUT_DIR [OUT_DIR ...]
    python3 tests/conformance/check_apiserver.py --selftest

Exit 0 when no ERROR was found. Needs Python 3 and PyYAML.

What it models (each with its upstream source; kubernetes/apiserver is published from
kubernetes/kubernetes staging/src/k8s.io/apiserver, tags v0.21.0 = Kubernetes 1.21 and
v0.36.0 = 1.36):
  * YAML -> JSON as sigs.k8s.io/yaml does it (go-yaml v2, YAML 1.1), shared with
    check_kubeadm.py.
  * strict JSON decoding into the transcribed types of both ends of the supported range
    (upstream-apiserver/*-types.go): unknown or duplicate fields are errors. The API server
    decodes the EncryptionConfiguration strictly (pkg/server/options/encryptionconfig/
    config.go, serializer.EnableStrict, v0.36.0) and the audit Policy strictly first
    (pkg/audit/policy/reader.go LoadPolicyFromBytes, v0.36.0).
  * EncryptionConfiguration validation: pkg/apis/apiserver/validation/validation_encryption.go
    (v0.36.0): resources and providers required, one provider per entry, keys with a name
    and a base64 secret, secretbox keys of 32 bytes (secretBoxKeySizes), resource names in
    lower case.
  * Policy validation: pkg/apis/audit/validation/validation.go (v0.36.0): levels, stages,
    non-resource URL wildcards, non-resource URLs not mixed with resources or namespaces,
    API groups as DNS subdomains, resourceNames only with resources; and reader.go: at
    least one rule, apiVersion audit.k8s.io/v1.
  * kubeprint's own rules: the first provider for secrets encrypts (identity first is valid
    upstream but stores them in the clear), and each flag of the ClusterConfiguration's
    apiServer names the file its control plane writes, inside an extraVolumes mount of the
    same host path (kubernetes/kubernetes cmd/kubeadm/app/phases/controlplane/volumes.go
    AddExtraHostPathMounts at 4a0608cb77f6a53af41cb4a453af104a4d4a0610), writable for the log.
"""
import base64
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import check_kubeadm as ck  # noqa: E402

# The transcribed packages import metav1 only; ObjectMeta (the Policy's `metadata`) is
# free-form here, as kubeprint writes none.
for _pkg in ("encryption-1.21", "encryption-1.36", "audit-1.21", "audit-1.36"):
    ck.ALIASES[_pkg] = {"metav1": "meta"}
ck.SPECIAL.setdefault("meta.ObjectMeta", ("any",))

KINDS = {
    "EncryptionConfiguration": ("apiserver.config.k8s.io/v1", ["encryption-1.21", "encryption-1.36"]),
    "Policy": ("audit.k8s.io/v1", ["audit-1.21", "audit-1.36"]),
}
FLAGS = {"EncryptionConfiguration": "encryption-provider-config", "Policy": "audit-policy-file"}
LEVELS = {"None", "Metadata", "Request", "RequestResponse"}
STAGES = {"RequestReceived", "ResponseStarted", "ResponseComplete", "Panic"}


class Checker:
    def __init__(self, types_dir):
        self.dec = ck.Decoder(ck.GoTypes(types_dir))
        self.errors = []
        self.docs = 0

    def error(self, where, message):
        self.errors.append("ERROR %s: %s" % (where, message))

    def document(self, where, text):
        """Decodes one here-document; returns (kind, value) or (None, None)."""
        nodes = ck.load_docs_goyaml(text)
        if len(nodes) != 1:
            self.error(where, "expected one YAML document, found %d" % len(nodes))
            return None, None
        strict = []
        v = ck.node_to_json(nodes[0], "", strict)
        kind = v.get("kind") if isinstance(v, dict) else None
        if kind not in KINDS:
            self.error(where, "unknown kind %r" % kind)
            return None, None
        api, pkgs = KINDS[kind]
        if v.get("apiVersion") != api:
            self.error(where, "apiVersion %r, expected %r" % (v.get("apiVersion"), api))
        for pkg in pkgs:
            errs, strict_pkg = [], list(strict)
            self.dec.decode(("struct", pkg, kind), v, "", errs, strict_pkg)
            for path, msg in errs + strict_pkg:
                self.error(where, "%s (types %s) at %s: %s" % (kind, pkg, path or ".", msg))
        for problem in (validate_encryption(v) if kind == "EncryptionConfiguration" else validate_policy(v)):
            self.error(where, "%s: %s" % (kind, problem))
        self.docs += 1
        return kind, v

    def tree(self, tree):
        bundles = bundle_dirs(tree)
        cluster, written = None, {}
        for name, path in bundles:
            copies = ck.bundle_scripts(path)
            per_copy = [[(cmd, body) for cmd, body in ck.heredocs(text) if is_apiserver_doc(body)]
                        for _, text in copies]
            for (cname, _), docs in zip(copies[1:], per_copy[1:]):
                if [b for _, b in docs] != [b for _, b in per_copy[0]]:
                    self.error("%s/%s" % (name, cname), "API server documents differ from bootstrap.sh's")
            for cmd, body in per_copy[0] if per_copy else []:
                kind, _ = self.document("%s/%s" % (name, target(cmd)), body)
                if kind:
                    written.setdefault(name, {})[kind] = target(cmd)
            if copies and "kind: ClusterConfiguration" in copies[0][1]:
                cluster = cluster or cluster_configuration(copies[0][1])
        self.cross_check(tree, bundles, cluster, written)

    def cross_check(self, tree, bundles, cluster, written):
        api_server = (cluster or {}).get("apiServer") or {}
        args = extra_args(api_server.get("extraArgs"))
        mounts = api_server.get("extraVolumes") or []
        for name, path in bundles:
            control_plane = os.path.exists(os.path.join(path, "steps")) and any(
                "/etc/kubernetes/pki/ca.key" in text for _, text in ck.bundle_scripts(path)[:1])
            files = written.get(name, {})
            if not control_plane and files:
                self.error(name, "a worker bundle writes %s" % ", ".join(sorted(files)))
            for kind, flag in FLAGS.items():
                want = args.get(flag)
                got = files.get(kind)
                if control_plane and want and got != want:
                    self.error(name, "--%s=%s but the bundle writes %s there: %r" % (flag, want, kind, got))
                if got and want is None:
                    self.error(name, "writes %s to %s but the API server has no --%s" % (kind, got, flag))
        for flag, writable in (("encryption-provider-config", False), ("audit-policy-file", False),
                               ("audit-log-path", True)):
            if flag in args and not mounted(mounts, args[flag], writable):
                self.error(os.path.basename(tree), "--%s=%s is not in a%s extraVolumes mount of the same host path"
                           % (flag, args[flag], " writable" if writable else "n"))


def is_apiserver_doc(body):
    return "kind: EncryptionConfiguration" in body or "apiVersion: audit.k8s.io/" in body


def target(cmd):
    m = re.search(r"write_file\s+(\S+)", cmd)
    return m.group(1) if m else "?"


def bundle_dirs(tree):
    out = [(r, os.path.join(tree, r)) for r in ("control-plane", "control-plane-join", "worker")
           if os.path.isdir(os.path.join(tree, r))]
    nodes = os.path.join(tree, "nodes")
    if os.path.isdir(nodes):
        out += [("nodes/" + n, os.path.join(nodes, n)) for n in sorted(os.listdir(nodes))]
    return out


def cluster_configuration(script):
    for h in ck.config_heredocs(script):
        for node in ck.load_docs_goyaml(h["body"]):
            v = ck.node_to_json(node, "", [])
            if isinstance(v, dict) and v.get("kind") == "ClusterConfiguration":
                return v
    return None


def extra_args(v):
    """extraArgs: a map up to v1beta3, a list of {name, value} from v1beta4."""
    if isinstance(v, dict):
        return {str(k): str(x) for k, x in v.items()}
    if isinstance(v, list):
        return {a.get("name"): a.get("value") for a in v if isinstance(a, dict)}
    return {}


def mounted(mounts, path, writable):
    """kubeadm mounts hostPath at mountPath (cmd/kubeadm/app/phases/controlplane/volumes.go)."""
    for m in mounts:
        mp, hp = str(m.get("mountPath", "")).rstrip("/"), str(m.get("hostPath", "")).rstrip("/")
        if path == mp or path.startswith(mp + "/"):
            if hp + path[len(mp):] == path and not (writable and m.get("readOnly")):
                return True
    return False


def validate_encryption(v):
    problems = []
    resources = v.get("resources") or []
    if not resources:
        problems.append("resources: at least one is required")
    covered = set()
    for i, rc in enumerate(resources):
        names = rc.get("resources") or []
        if not names:
            problems.append("resources[%d].resources: at least one is required" % i)
        if any(n != n.lower() for n in names):
            problems.append("resources[%d].resources: resource name should not contain capital letters" % i)
        providers = rc.get("providers") or []
        if not providers:
            problems.append("resources[%d].providers: at least one is required" % i)
        for j, p in enumerate(providers):
            where = "resources[%d].providers[%d]" % (i, j)
            types = [k for k in ("aesgcm", "aescbc", "secretbox", "identity", "kms") if p.get(k) is not None]
            if len(types) != 1:
                problems.append("%s: exactly one provider type per entry, found %s" % (where, types))
                continue
            if types[0] == "secretbox":
                problems += check_keys(where + ".secretbox.keys", p["secretbox"].get("keys") or [], {32})
        if providers and names:
            first = [k for k in providers[0]]
            if first == ["identity"]:
                problems.append("resources[%d]: the first provider is identity, so %s are written unencrypted" % (i, names))
            covered.update(names)
    if "secrets" not in covered:
        problems.append("secrets are not encrypted by any resources entry")
    return problems


def check_keys(where, keys, sizes):
    if not keys:
        return ["%s: at least one key is required" % where]
    problems = []
    for k, key in enumerate(keys):
        if not key.get("name"):
            problems.append("%s[%d].name is required" % (where, k))
        try:
            raw = base64.b64decode(key.get("secret") or "", validate=True)
        except ValueError:
            problems.append("%s[%d].secret: secrets must be base64 encoded" % (where, k))
            continue
        if len(raw) not in sizes:
            problems.append("%s[%d].secret: %d bytes, expected one of %s" % (where, k, len(raw), sorted(sizes)))
    return problems


def validate_policy(v):
    problems = []
    rules = v.get("rules") or []
    if not rules:
        problems.append("loaded illegal policy with 0 rules")
    for s in v.get("omitStages") or []:
        if s not in STAGES:
            problems.append("omitStages: %r is not a stage" % s)
    for i, r in enumerate(rules):
        if r.get("level") not in LEVELS:
            problems.append("rules[%d].level: %r not supported" % (i, r.get("level")))
        for s in r.get("omitStages") or []:
            if s not in STAGES:
                problems.append("rules[%d].omitStages: %r is not a stage" % (i, s))
        urls = r.get("nonResourceURLs") or []
        for u in urls:
            if u != "*" and (not u.startswith("/") or "*" in u[:-1]):
                problems.append("rules[%d].nonResourceURLs: %r (must start with '/', '*' only last)" % (i, u))
        if urls and (r.get("resources") or r.get("namespaces")):
            problems.append("rules[%d]: rules cannot apply to both regular resources and non-resource URLs" % i)
        for g in r.get("resources") or []:
            group = g.get("group") or ""
            if group not in ("", "*") and not ck.is_dns1123_subdomain(group):
                problems.append("rules[%d].resources.group: %r is not a DNS subdomain" % (i, group))
            if g.get("resourceNames") and not g.get("resources"):
                problems.append("rules[%d].resources.resourceNames: using resourceNames requires at least one resource" % i)
    return problems


def selftest(types_dir):
    key = base64.b64encode(b"k" * 32).decode()
    enc = "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources: [secrets]\n  providers:\n"
    pol = "apiVersion: audit.k8s.io/v1\nkind: Policy\n"
    cases = [
        ("good encryption", enc + "  - secretbox:\n      keys:\n      - {name: key1, secret: %s}\n  - identity: {}\n" % key, 0),
        ("16-byte secretbox key", enc + "  - secretbox:\n      keys:\n      - {name: key1, secret: %s}\n" % base64.b64encode(b"k" * 16).decode(), 1),
        ("identity first", enc + "  - identity: {}\n", 1),
        ("two providers in one entry", enc + "  - identity: {}\n    secretbox: {keys: [{name: a, secret: %s}]}\n" % key, 1),
        ("unknown provider field", enc + "  - secretbox:\n      keys:\n      - {name: key1, secret: %s, size: 32}\n" % key, 1),
        ("good policy", pol + "omitStages: [RequestReceived]\nrules:\n- level: None\n  nonResourceURLs: ['/healthz*']\n- level: Metadata\n", 0),
        ("no rules", pol + "rules: []\n", 1),
        ("bad level", pol + "rules:\n- level: Everything\n", 1),
        ("URL and resources", pol + "rules:\n- level: None\n  nonResourceURLs: [/version]\n  resources: [{group: ''}]\n", 1),
        ("wildcard inside URL", pol + "rules:\n- level: None\n  nonResourceURLs: ['/he*lthz']\n", 1),
        ("omitManagedFields unknown to 1.21", pol + "omitManagedFields: true\nrules:\n- level: Metadata\n", 1),
        ("YAML 1.1 bool level", pol + "rules:\n- level: off\n", 1),
    ]
    ok = True
    for name, text, want in cases:
        ch = Checker(types_dir)
        ch.document(name, text)
        good = bool(ch.errors) == bool(want)
        ok &= good
        print("%-4s %-36s errors=%d%s" % ("ok" if good else "FAIL", name, len(ch.errors),
                                          "" if good else "  " + "; ".join(ch.errors)))
    print("selftest:", "passed" if ok else "FAILED")
    return 0 if ok else 1


def main():
    types_dir = os.path.join(HERE, "upstream-apiserver")
    args = sys.argv[1:]
    if args == ["--selftest"]:
        return selftest(types_dir)
    if not args:
        print(__doc__)
        return 2
    ch = Checker(types_dir)
    for tree in args:
        try:
            ch.tree(tree)
        except Exception as e:  # noqa: BLE001 - report, never pass silently
            ch.error(tree, "checker failed: %r" % e)
    if ch.docs == 0:
        # Trees without encryption at rest or auditing have none, but a run that checked
        # nothing at all proves nothing and must not pass.
        ch.error("-", "no API server document found in any tree: nothing was checked")
    print("API server documents checked: %d in %d trees" % (ch.docs, len(args)))
    for line in ch.errors:
        print(line)
    return 1 if ch.errors else 0


if __name__ == "__main__":
    sys.exit(main())
