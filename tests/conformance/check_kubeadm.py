#!/usr/bin/env python3
"""Check kubeprint-rendered kubeadm/kubelet configuration documents against the
upstream Go API types, the way kubeadm decodes them.

Usage:
    python3 tests/conformance/check_kubeadm.py [--types DIR] [--json FILE] [-v] OUT_DIR [OUT_DIR ...]
    python3 tests/conformance/check_kubeadm.py --selftest
    python3 tests/conformance/check_kubeadm.py --config FILE --kubernetes-version X.Y.Z --command init|join

OUT_DIR is a `kubeprint render -o` tree. Exit 0 when no error was found, 1 otherwise.
`--config` checks one file as `kubeadm init|join --config FILE` of version X.Y.Z would
read it (the VM test's kubeadm stand-in runs this on the node).

What it models (each with the upstream source it follows):
  * YAML -> JSON as sigs.k8s.io/yaml YAMLToJSON (no target type) does it with go-yaml v2
    (YAML 1.1 resolution: y/yes/on/off/n/no are booleans, 1_000 / 0b101 / 0123 are ints, ...):
    kubernetes-sigs/yaml goyaml.v2/resolve.go, yaml.go; apimachinery runtime/serializer/json/json.go.
  * json decoding into the Go structs parsed from the transcribed types (json tags, inline
    embedding, pointers, slices, maps, metav1.Duration / metav1.Time as strings,
    BootstrapTokenString custom unmarshal): type mismatches are fatal (runtime.DecodeInto),
    unknown / duplicate fields are strict-decoding errors (kubeadm prints them as warnings
    on init/join in recent releases; `kubeadm config validate` fails).
  * which apiVersion a kubeadm minor accepts (kubeadm util/config/common.go validateSupportedVersion
    + PRs #101129, #107013, #125029, #136016).
  * kubeadm validation.go rules for the fields kubeprint sets, plus kubelet --node-labels
    restrictions and Node taint validation.
"""
import argparse
import base64
import gzip
import hashlib
import ipaddress
import json
import math
import os
import re
import subprocess
import sys
from collections import OrderedDict, defaultdict

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))

# --------------------------------------------------------------------------------------
# Go struct parsing
# --------------------------------------------------------------------------------------

SCALARS = {
    "string": "string", "bool": "bool",
    "int": "int", "int8": "int", "int16": "int", "int32": "int", "int64": "int",
    "uint": "uint", "uint8": "uint", "uint16": "uint", "uint32": "uint", "uint64": "uint",
    "float32": "float", "float64": "float", "byte": "uint",
}

# Types from packages that were not transcribed, with their JSON behaviour.
SPECIAL = {
    "meta.TypeMeta": ("struct_inline_typemeta",),
    "meta.Duration": ("duration",),
    "meta.Time": ("time",),
    "opaque": ("any",),
}

# logical package -> {import alias -> logical package}
ALIASES = {
    "kubeadm-v1beta2": {"metav1": "meta", "v1": "core-v1", "corev1": "core-v1"},
    "kubeadm-v1beta3": {"metav1": "meta", "corev1": "core-v1", "bootstraptokenv1": "bootstraptoken-v1"},
    "kubeadm-v1beta4": {"metav1": "meta", "corev1": "core-v1", "bootstraptokenv1": "bootstraptoken-v1"},
    "bootstraptoken-v1": {"metav1": "meta"},
    "core-v1": {"metav1": "meta"},
    "kubelet-config-v1beta1": {"metav1": "meta", "v1": "core-v1", "logsapi": "opaque", "tracingapi": "opaque"},
}
# Named types that are opaque objects/maps for this purpose.
OPAQUE_TYPES = {("core-v1", "EnvVarSource"), ("core-v1", "ResourceList"), ("core-v1", "NodeConfigSource")}
# Types with a custom UnmarshalJSON.
CUSTOM = {("kubeadm-v1beta2", "BootstrapTokenString"): "bootstraptoken",
          ("bootstraptoken-v1", "BootstrapTokenString"): "bootstraptoken"}

TYPE_RE = re.compile(r"^type\s+(\w+)\s+struct\s*\{\s*$")
ALIAS_RE = re.compile(r"^type\s+(\w+)\s+([\w.\[\]*]+)\s*$")
FIELD_RE = re.compile(r"^\s*(\w+)\s+([^\s`]+)\s*(`[^`]*`)?\s*$")
EMBED_RE = re.compile(r"^\s*(\*?[\w.]+)\s*(`[^`]*`)?\s*$")
SOURCE_RE = re.compile(r"commit\s+([0-9a-f]{40})")


def parse_tag(tag):
    if not tag:
        return None, []
    m = re.search(r'json:"([^"]*)"', tag)
    if not m:
        return None, []
    parts = m.group(1).split(",")
    return parts[0], parts[1:]


class GoTypes:
    def __init__(self, types_dir):
        self.structs = {}   # (pkg, name) -> [field dicts]
        self.aliases = {}   # (pkg, name) -> type expr
        self.sources = {}   # pkg -> header line with repo/path/commit
        for fn in sorted(os.listdir(types_dir)):
            if not fn.endswith(".go"):
                continue
            pkg = fn[:-len("-types.go")] if fn.endswith("-types.go") else fn[:-3]
            self._parse(pkg, open(os.path.join(types_dir, fn)).read())

    def _parse(self, pkg, text):
        header = []
        cur = None
        for line in text.splitlines():
            s = line.strip()
            if s.startswith("//"):
                if cur is None:
                    header.append(s[2:].strip())
                continue
            if cur is None:
                m = TYPE_RE.match(s)
                if m:
                    cur = (pkg, m.group(1))
                    self.structs[cur] = []
                    continue
                m = ALIAS_RE.match(s)
                if m and not s.startswith("type struct"):
                    self.aliases[(pkg, m.group(1))] = m.group(2)
                continue
            if s == "}":
                cur = None
                continue
            if not s:
                continue
            m = FIELD_RE.match(s)
            if m and not m.group(2).startswith("`"):
                gname, texpr, tag = m.group(1), m.group(2), m.group(3)
                jname, opts = parse_tag(tag)
                self.structs[cur].append({"go": gname, "type": texpr, "json": jname,
                                          "opts": opts, "embedded": False})
                continue
            m = EMBED_RE.match(s)
            if m:
                texpr, tag = m.group(1), m.group(2)
                jname, opts = parse_tag(tag)
                self.structs[cur].append({"go": texpr.split(".")[-1].lstrip("*"), "type": texpr,
                                          "json": jname, "opts": opts, "embedded": True})
                continue
            raise ValueError("cannot parse Go line in %s: %r" % (pkg, line))
        self.sources[pkg] = " ".join(header)

    def resolve(self, pkg, texpr):
        """Type expression -> schema node (tuple)."""
        if texpr.startswith("*"):
            return ("ptr", self.resolve(pkg, texpr[1:]))
        if texpr.startswith("[]"):
            return ("slice", self.resolve(pkg, texpr[2:]))
        if texpr.startswith("map["):
            depth, i = 0, 3
            for i in range(3, len(texpr)):
                if texpr[i] == "[":
                    depth += 1
                elif texpr[i] == "]":
                    depth -= 1
                    if depth == 0:
                        break
            return ("map", self.resolve(pkg, texpr[4:i]), self.resolve(pkg, texpr[i + 1:]))
        if texpr in SCALARS:
            return ("scalar", SCALARS[texpr])
        if "." in texpr:
            alias, name = texpr.split(".", 1)
            tpkg = ALIASES.get(pkg, {}).get(alias)
            if tpkg is None:
                raise ValueError("unknown import alias %s in %s" % (alias, pkg))
            if tpkg == "opaque":
                return ("any",)
            if tpkg == "meta":
                return SPECIAL["meta." + name]
            return self.named(tpkg, name)
        return self.named(pkg, texpr)

    def named(self, pkg, name):
        key = (pkg, name)
        if key in CUSTOM:
            return ("custom", CUSTOM[key])
        if key in OPAQUE_TYPES:
            return ("any",)
        if key in self.structs:
            return ("struct", pkg, name)
        if key in self.aliases:
            return self.resolve(pkg, self.aliases[key])
        raise ValueError("unknown type %s.%s" % key)

    def fields(self, pkg, name):
        """Flattened JSON fields of a struct, embedding promoted like encoding/json."""
        out = OrderedDict()
        for f in self.structs[(pkg, name)]:
            if f["json"] == "-":
                continue
            if f["embedded"] and not f["json"]:
                t = self.resolve(pkg, f["type"])
                if t[0] == "struct_inline_typemeta":
                    out["apiVersion"] = {"schema": ("scalar", "string"), "go": "APIVersion"}
                    out["kind"] = {"schema": ("scalar", "string"), "go": "Kind"}
                    continue
                if t[0] == "ptr":
                    t = t[1]
                if t[0] != "struct":
                    raise ValueError("embedded non-struct %s" % f)
                for k, v in self.fields(t[1], t[2]).items():
                    out.setdefault(k, v)
                continue
            jname = f["json"] if f["json"] else f["go"]
            out[jname] = {"schema": self.resolve(pkg, f["type"]), "go": f["go"],
                          "omitempty": "omitempty" in f["opts"]}
        return out


# --------------------------------------------------------------------------------------
# YAML -> JSON as go-yaml v2 + sigs.k8s.io/yaml YAMLToJSON (no target) would produce
# --------------------------------------------------------------------------------------

GOYAML_MAP = {}
for v, l in [(True, ["y", "Y", "yes", "Yes", "YES"]), (True, ["true", "True", "TRUE"]),
             (True, ["on", "On", "ON"]), (False, ["n", "N", "no", "No", "NO"]),
             (False, ["false", "False", "FALSE"]), (False, ["off", "Off", "OFF"]),
             (None, ["", "~", "null", "Null", "NULL"]),
             (float("nan"), [".nan", ".NaN", ".NAN"]), (float("inf"), [".inf", ".Inf", ".INF"]),
             (float("inf"), ["+.inf", "+.Inf", "+.INF"]), (float("-inf"), ["-.inf", "-.Inf", "-.INF"])]:
    for s in l:
        GOYAML_MAP[s] = v
YAML_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
TS_RE = [re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$"),
         re.compile(r"^\d{4}-\d{1,2}-\d{1,2}[Tt ]\d{1,2}:\d{1,2}:\d{1,2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")]


def go_parse_int(s):
    """strconv.ParseInt(s, 0, 64) / ParseUint: base prefixes 0x 0o 0b and leading-0 octal."""
    neg = False
    t = s
    if t[:1] in "+-":
        neg = t[0] == "-"
        t = t[1:]
    if not t:
        return None
    try:
        if t[:2] in ("0x", "0X"):
            v = int(t[2:], 16)
        elif t[:2] in ("0o", "0O"):
            v = int(t[2:], 8)
        elif t[:2] in ("0b", "0B"):
            v = int(t[2:], 2)
        elif len(t) > 1 and t[0] == "0":
            v = int(t[1:], 8)
        else:
            if not t.isdigit():
                return None
            v = int(t, 10)
    except ValueError:
        return None
    v = -v if neg else v
    if -(1 << 63) <= v < (1 << 64):
        return v
    return None


def goyaml_resolve_plain(s):
    """Port of go-yaml v2 resolve() for an untagged plain scalar (decode into interface{})."""
    if s in GOYAML_MAP:
        return GOYAML_MAP[s]
    hint = s[:1]
    if hint == ".":
        try:
            if YAML_FLOAT.match(s):
                return float(s)
        except ValueError:
            pass
        return s
    if hint and (hint.isdigit() or hint in "+-"):
        # timestamps decode to their string form into interface{} (go-yaml v2 compatibility)
        if any(r.match(s) for r in TS_RE):
            return s
        plain = s.replace("_", "")
        v = go_parse_int(plain)
        if v is not None:
            return v
        if YAML_FLOAT.match(plain):
            try:
                return float(plain)
            except ValueError:
                pass
        return s
    return s


class DupKey(Exception):
    pass


def node_to_json(node, path, strict_errs):
    """yaml.Node -> JSON-like python value, go-yaml v2 semantics."""
    if isinstance(node, yaml.ScalarNode):
        tag = node.tag
        if node.style in ("'", '"', "|", ">"):
            return node.value
        if tag == "tag:yaml.org,2002:str" and node.style is not None:
            return node.value
        # Plain scalar: PyYAML already applied its own (YAML 1.1) implicit tag; ignore it
        # and apply go-yaml v2's resolver to the raw text instead.
        if tag.startswith("tag:yaml.org,2002:") and not getattr(node, "_explicit", False):
            return goyaml_resolve_plain(node.value)
        return node.value
    if isinstance(node, yaml.SequenceNode):
        return [node_to_json(n, "%s[%d]" % (path, i), strict_errs) for i, n in enumerate(node.value)]
    if isinstance(node, yaml.MappingNode):
        out = OrderedDict()
        for kn, vn in node.value:
            k = node_to_json(kn, path, strict_errs)
            if isinstance(k, bool):
                k = "true" if k else "false"
            elif k is None:
                raise ValueError("%s: null map key" % path)
            else:
                k = str(k)
            if k in out:
                strict_errs.append(("%s.%s" % (path, k), "duplicate field %r (YAMLToJSONStrict rejects it)" % k))
            out[k] = node_to_json(vn, "%s.%s" % (path, k) if path else k, strict_errs)
        return out
    raise ValueError("unexpected node %r" % node)


class ExplicitTagComposer(yaml.SafeLoader):
    """Remember whether a scalar carried an explicit tag (then go-yaml would honour it)."""

    def compose_scalar_node(self, anchor):
        event = self.peek_event()
        explicit = event.tag not in (None, "!")
        node = super().compose_scalar_node(anchor)
        node._explicit = explicit
        return node


def load_docs_goyaml(text):
    loader = ExplicitTagComposer(text)
    docs = []
    try:
        while loader.check_node():
            docs.append(loader.get_node())
    finally:
        loader.dispose()
    return docs


# --------------------------------------------------------------------------------------
# Go decoding checks
# --------------------------------------------------------------------------------------

DUR_UNITS = {"ns": 1e-9, "us": 1e-6, "\u00b5s": 1e-6, "\u03bcs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}
DUR_RE = re.compile(r"^[-+]?((\d+(\.\d*)?|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h))+$")


def go_parse_duration(s):
    if s in ("0", "+0", "-0"):
        return 0.0
    if not DUR_RE.match(s):
        return None
    total = 0.0
    for num, _, _, unit in re.findall(r"((\d+(\.\d*)?|\.\d+))(ns|us|\u00b5s|\u03bcs|ms|s|m|h)", s.lstrip("+-")):
        total += float(num) * DUR_UNITS[unit]
    return -total if s.startswith("-") else total


TOKEN_RE = re.compile(r"^([a-z0-9]{6})\.([a-z0-9]{16})$")
RFC3339_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def jtype(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "object"


class Decoder:
    def __init__(self, gotypes):
        self.t = gotypes

    def decode(self, schema, v, path, errs, strict):
        kind = schema[0]
        if v is None:
            return  # json null into anything leaves it zero / nil
        if kind == "ptr":
            return self.decode(schema[1], v, path, errs, strict)
        if kind == "any":
            return
        if kind == "scalar":
            want = schema[1]
            if want == "string":
                if not isinstance(v, str):
                    errs.append((path, "json: cannot unmarshal %s into Go value of type string (value %r)" % (jtype(v), v)))
            elif want == "bool":
                if not isinstance(v, bool):
                    errs.append((path, "json: cannot unmarshal %s into Go value of type bool" % jtype(v)))
            elif want in ("int", "uint"):
                if isinstance(v, bool) or not isinstance(v, (int, float)) or (isinstance(v, float) and not v.is_integer()):
                    errs.append((path, "json: cannot unmarshal %s %r into Go integer" % (jtype(v), v)))
                elif want == "uint" and v < 0:
                    errs.append((path, "json: negative value into unsigned integer"))
            elif want == "float":
                if isinstance(v, bool) or not isinstance(v, (int, float)):
                    errs.append((path, "json: cannot unmarshal %s into Go float" % jtype(v)))
            return
        if kind == "duration":
            if not isinstance(v, str):
                errs.append((path, "metav1.Duration: cannot unmarshal %s (needs a string)" % jtype(v)))
            elif go_parse_duration(v) is None:
                errs.append((path, "time: invalid duration %r" % v))
            return
        if kind == "time":
            if not isinstance(v, str) or not RFC3339_RE.match(v):
                errs.append((path, "metav1.Time: %r is not RFC3339" % (v,)))
            return
        if kind == "custom":
            if schema[1] == "bootstraptoken":
                if not isinstance(v, str):
                    errs.append((path, "BootstrapTokenString.UnmarshalJSON: not a JSON string (%s)" % jtype(v)))
                elif not TOKEN_RE.match(v.replace('"', "")):
                    errs.append((path, "the bootstrap token %r was not of the form %r" % (v, TOKEN_RE.pattern)))
            return
        if kind == "slice":
            if not isinstance(v, list):
                errs.append((path, "json: cannot unmarshal %s into Go value of type []%s" % (jtype(v), self.desc(schema[1]))))
                return
            for i, item in enumerate(v):
                self.decode(schema[1], item, "%s[%d]" % (path, i), errs, strict)
            return
        if kind == "map":
            if not isinstance(v, dict):
                errs.append((path, "json: cannot unmarshal %s into Go value of type map[string]%s" % (jtype(v), self.desc(schema[2]))))
                return
            for k, item in v.items():
                self.decode(schema[2], item, "%s.%s" % (path, k), errs, strict)
            return
        if kind == "struct":
            if not isinstance(v, dict):
                errs.append((path, "json: cannot unmarshal %s into Go struct %s" % (jtype(v), schema[2])))
                return
            fields = self.t.fields(schema[1], schema[2])
            lower = {k.lower(): k for k in fields}
            for k, item in v.items():
                sub = "%s.%s" % (path, k) if path else k
                if k in fields:
                    self.decode(fields[k]["schema"], item, sub, errs, strict)
                elif k.lower() in lower:
                    strict.append((sub, "unknown field %r (case-sensitive decoding; did you mean %r?)" % (k, lower[k.lower()])))
                else:
                    strict.append((sub, "unknown field %r in %s" % (k, schema[2])))
            return
        raise ValueError("schema %r" % (schema,))

    def desc(self, schema):
        k = schema[0]
        if k == "struct":
            return schema[2]
        if k == "scalar":
            return schema[1]
        if k == "ptr":
            return "*" + self.desc(schema[1])
        if k == "slice":
            return "[]" + self.desc(schema[1])
        if k == "map":
            return "map[string]" + self.desc(schema[2])
        return k


# --------------------------------------------------------------------------------------
# Version matrix (which kubeadm accepts which API version)
# --------------------------------------------------------------------------------------

def kubeadm_api_status(api, minor):
    """(ok, note) for apiVersion kubeadm.k8s.io/<api> on kubeadm 1.<minor>."""
    if api == "v1beta2":
        if 15 <= minor <= 21:
            return True, "current"
        if 22 <= minor <= 26:
            return True, "deprecated (v1beta3 exists); removed in 1.27"
        return False, "v1beta2 is unknown before 1.15 and rejected from 1.27 (oldKnownAPIVersions)"
    if api == "v1beta3":
        if minor < 22:
            return False, "v1beta3 was introduced in kubeadm 1.22 (PR #101129)"
        if minor <= 30:
            return True, "current"
        if minor <= 35:
            return True, "deprecated since 1.31 (PR #125029), warning"
        return False, "v1beta3 removed in kubeadm 1.36 (PR #136016)"
    if api == "v1beta4":
        if minor < 28:
            return False, "v1beta4 unknown before 1.28"
        if minor <= 30:
            return False, "v1beta4 is experimental in 1.28-1.30 (needs --allow-experimental-api)"
        return True, "current"
    if api == "v1":
        return False, "kubeadm v1 is an experimental placeholder (PR #136016)"
    return False, "unknown kubeadm API version"


TYPES_FOR_API = {"v1beta2": "kubeadm-v1beta2", "v1beta3": "kubeadm-v1beta3", "v1beta4": "kubeadm-v1beta4"}
KUBEADM_KINDS = {"InitConfiguration", "ClusterConfiguration", "JoinConfiguration"}

# --------------------------------------------------------------------------------------
# Semantic validators (k8s.io/apimachinery/pkg/util/validation, kubeadm validation.go)
# --------------------------------------------------------------------------------------

DNS1123_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS1123_SUB_RE = re.compile(r"^%s(\.%s)*$" % (DNS1123_LABEL, DNS1123_LABEL))
QNAME_RE = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
LVALUE_RE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
GROUP_RE = re.compile(r"^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$")
CAHASH_RE = re.compile(r"^sha256:[0-9a-f]{64}$")
KVER_RE = re.compile(r"^v(\d+)\.(\d+)\.(\d+)$")
KUBELET_LABELS = {  # pkg/kubelet/apis/well_known_labels.go (modern list)
    "kubernetes.io/hostname", "topology.kubernetes.io/zone", "topology.kubernetes.io/region",
    "failure-domain.beta.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/region",
    "beta.kubernetes.io/instance-type", "node.kubernetes.io/instance-type",
    "kubernetes.io/os", "kubernetes.io/arch", "beta.kubernetes.io/os", "beta.kubernetes.io/arch"}
KUBELET_LABEL_NS = {"kubelet.kubernetes.io", "node.kubernetes.io"}


def is_dns1123_subdomain(s):
    return isinstance(s, str) and 0 < len(s) <= 253 and bool(DNS1123_SUB_RE.match(s))


def is_qualified_name(s):
    if not isinstance(s, str) or not s:
        return False
    parts = s.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        if not is_dns1123_subdomain(parts[0]):
            return False
        name = parts[1]
    else:
        return False
    return 0 < len(name) <= 63 and bool(QNAME_RE.match(name))


def is_label_value(s):
    return isinstance(s, str) and len(s) <= 63 and bool(LVALUE_RE.match(s))


def parse_ip(s):
    try:
        return ipaddress.ip_address(s)
    except (ValueError, TypeError):
        return None


def split_host_port(hp):
    """Go net.SplitHostPort (enough for host:port and [v6]:port)."""
    if not isinstance(hp, str):
        return None
    if hp.startswith("["):
        m = re.match(r"^\[([^\]]+)\]:(\d*)$", hp)
        return (m.group(1), m.group(2)) if m else None
    if hp.count(":") != 1:
        return None
    h, p = hp.split(":")
    return h, p


def parse_host_port(hp):
    """kubeadm util.ParseHostPort: host must be IP or DNS-1123 subdomain, port 1..65535."""
    sp = split_host_port(hp)
    host, port = (sp if sp else (hp, ""))
    if port != "":
        if not port.isdigit() or not 1 <= int(port) <= 65535:
            return None
    if parse_ip(host) is None and not is_dns1123_subdomain(host):
        return None
    return host, port


def is_kubelet_label(key):
    if key in KUBELET_LABELS:
        return True
    ns = key.split("/", 1)[0] if "/" in key else ""
    return any(ns == a or ns.endswith("." + a) for a in KUBELET_LABEL_NS)


def restricted_label(key):
    ns = key.split("/", 1)[0] if "/" in key else ""
    return any(ns == d or ns.endswith("." + d) for d in ("kubernetes.io", "k8s.io"))


SHARED_PKI = ["ca.crt", "ca.key", "sa.key", "sa.pub", "front-proxy-ca.crt", "front-proxy-ca.key",
              "etcd/ca.crt", "etcd/ca.key"]


def pki_files(script):
    out = {}
    for m in re.finditer(r"write_file /etc/kubernetes/pki/(\S+) [^\n]*<<'KUBEPRINT_EOF'\n(.*?)\nKUBEPRINT_EOF", script, re.S):
        out[m.group(1)] = m.group(2) + "\n"
    return out


def check_pki(files):
    """What kubeadm's certs phase needs from pre-placed shared PKI (cmd/kubeadm/app/phases/certs):
    every file present, CA certs are CAs and currently valid, keys match certs, sa.key matches sa.pub."""
    import datetime
    problems = []
    missing = [f for f in SHARED_PKI if f not in files]
    if missing:
        problems.append("missing shared PKI files %s" % missing)
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import serialization
    except ImportError:
        return problems
    pub = lambda k: k.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    now = datetime.datetime.now(datetime.timezone.utc)
    for ca in ("ca", "front-proxy-ca", "etcd/ca"):
        if ca + ".crt" not in files or ca + ".key" not in files:
            continue
        cert = x509.load_pem_x509_certificate(files[ca + ".crt"].encode())
        key = serialization.load_pem_private_key(files[ca + ".key"].encode(), None)
        try:
            bc = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
            if not bc.ca:
                problems.append("%s.crt is not a CA (kubeadm: certificate is not a CA)" % ca)
        except x509.ExtensionNotFound:
            problems.append("%s.crt has no basicConstraints" % ca)
        if pub(cert.public_key()) != pub(key.public_key()):
            problems.append("%s.key does not match %s.crt" % (ca, ca))
        nb = getattr(cert, "not_valid_before_utc", None) or cert.not_valid_before.replace(tzinfo=datetime.timezone.utc)
        na = getattr(cert, "not_valid_after_utc", None) or cert.not_valid_after.replace(tzinfo=datetime.timezone.utc)
        if not nb <= now <= na:
            problems.append("%s.crt not valid now (%s .. %s)" % (ca, nb, na))
    if "sa.key" in files and "sa.pub" in files:
        k = serialization.load_pem_private_key(files["sa.key"].encode(), None)
        pk = serialization.load_pem_public_key(files["sa.pub"].encode())
        if pub(k.public_key()) != pub(pk):
            problems.append("sa.key does not match sa.pub")
    return problems


def spki_sha256_of_pem(pem):
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import serialization
        cert = x509.load_pem_x509_certificate(pem.encode())
        der = cert.public_key().public_bytes(serialization.Encoding.DER,
                                             serialization.PublicFormat.SubjectPublicKeyInfo)
        return "sha256:" + hashlib.sha256(der).hexdigest()
    except ImportError:
        p1 = subprocess.run(["openssl", "x509", "-pubkey", "-noout"], input=pem.encode(), capture_output=True, check=True)
        p2 = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "DER"], input=p1.stdout, capture_output=True, check=True)
        return "sha256:" + hashlib.sha256(p2.stdout).hexdigest()


# --------------------------------------------------------------------------------------
# Extraction from rendered trees
# --------------------------------------------------------------------------------------

HEREDOC_START = re.compile(r"<<'KUBEPRINT_EOF'")


def heredocs(script):
    """[(command line, body)] for every <<'KUBEPRINT_EOF' heredoc."""
    out = []
    lines = script.split("\n")
    i = 0
    while i < len(lines):
        if HEREDOC_START.search(lines[i]):
            cmd = lines[i]
            body = []
            i += 1
            while i < len(lines) and lines[i] != "KUBEPRINT_EOF":
                body.append(lines[i])
                i += 1
            out.append((cmd, "\n".join(body) + "\n"))
        i += 1
    return out


def bundle_scripts(role_dir):
    """Every copy of the role's shell code: bootstrap.sh, steps/*.sh, user-data(.gz/.baked)."""
    copies = []
    bs = os.path.join(role_dir, "bootstrap.sh")
    if os.path.exists(bs):
        copies.append(("bootstrap.sh", open(bs).read()))
    sd = os.path.join(role_dir, "steps")
    if os.path.isdir(sd):
        copies.append(("steps/*.sh", "\n".join(open(os.path.join(sd, f)).read() for f in sorted(os.listdir(sd)))))
    for ud in ("user-data.yaml", "user-data.yaml.gz", "user-data.baked.yaml", "user-data.baked.yaml.gz"):
        p = os.path.join(role_dir, ud)
        if not os.path.exists(p):
            continue
        raw = open(p, "rb").read()
        if ud.endswith(".gz"):
            raw = gzip.decompress(raw)
        try:
            d = yaml.safe_load(raw.decode())
        except yaml.YAMLError:
            continue
        texts = []
        for wf in (d or {}).get("write_files", []) or []:
            c = wf.get("content", "")
            if wf.get("encoding") in ("b64", "base64"):
                c = base64.b64decode(c).decode()
            if wf.get("path") == "/usr/local/lib/kubeprint/payload.json":
                c = fetched_payload(role_dir, ud, json.loads(c))
            texts.append(c)
        copies.append((ud, "\n".join(texts)))
    return copies


def fetched_payload(role_dir, user_data, config):
    """A delivery stub carries no documents: its bundle is the payload it pins by sha256
    (bootstrap.sh, or bootstrap.baked.sh for the baked image's user-data). A payload
    that does not match its pin counts as a copy without documents."""
    name = "bootstrap.baked.sh" if ".baked." in user_data else "bootstrap.sh"
    path = os.path.join(role_dir, name)
    if not os.path.exists(path):
        return ""
    raw = open(path, "rb").read()
    if hashlib.sha256(raw).hexdigest() != config.get("sha256"):
        return ""
    return raw.decode()


def split_docs(body):
    docs, cur = [], []
    for line in body.split("\n"):
        if line.strip() == "---":
            docs.append("\n".join(cur) + "\n")
            cur = []
        else:
            cur.append(line)
    if any(l.strip() for l in cur):
        docs.append("\n".join(cur) + "\n")
    return [d for d in docs if d.strip()]


def config_heredocs(script):
    res = []
    for cmd, body in heredocs(script):
        if "kubeadm.k8s.io/" in body or "kubelet.config.k8s.io/" in body:
            target = re.search(r"(/etc/kubeprint/[\w.-]+)", cmd)
            res.append({"cmd": cmd, "body": body, "target": target.group(1) if target else "?",
                        "sed": "KUBEPRINT_NODE_NAME" in cmd})
    return res


# --------------------------------------------------------------------------------------
# The checker
# --------------------------------------------------------------------------------------

class Finding:
    def __init__(self, sev, tree, bundle, doc, path, value, rule, source):
        self.__dict__.update(sev=sev, tree=tree, bundle=bundle, doc=doc, path=path, value=value,
                             rule=rule, source=source)

    def line(self):
        return "%-5s %s/%s [%s] %s = %r\n      rule: %s\n      source: %s" % (
            self.sev, os.path.basename(self.tree), self.bundle, self.doc, self.path, self.value, self.rule, self.source)


SRC = {
    "yaml": "kubernetes-sigs/yaml goyaml.v2/resolve.go@742f5e6f + yaml.go YAMLToJSON; "
            "kubernetes/kubernetes staging/src/k8s.io/apimachinery/pkg/runtime/serializer/json/json.go@00ec8391",
    "decode": "kubernetes/kubernetes cmd/kubeadm/app/util/config/{initconfiguration,joinconfiguration}.go "
              "(runtime.DecodeInto(kubeadmscheme.Codecs.UniversalDecoder()))",
    "strict": "kubernetes/kubernetes cmd/kubeadm/app/util/config/strict (VerifyUnmarshalStrict) / json.go strict mode",
    "versions": "kubernetes/kubernetes cmd/kubeadm/app/util/config/common.go validateSupportedVersion@01b1174c; "
                "PRs #101129 #107013 #125029 #136016",
    "validation": "kubernetes/kubernetes cmd/kubeadm/app/apis/kubeadm/validation/validation.go@00d24de6",
    "constants": "kubernetes/kubernetes cmd/kubeadm/app/constants/constants.go",
    "labels": "kubernetes/kubernetes pkg/kubelet/apis/well_known_labels.go; cmd/kubelet/app/options (--node-labels)",
    "taints": "kubernetes/kubernetes pkg/apis/core/validation (validateNodeTaints)",
    "endpoint": "kubernetes/kubernetes cmd/kubeadm/app/util/endpoint.go ParseHostPort; v1beta4 types.go ControlPlaneEndpoint doc",
    "discovery": "kubernetes/kubernetes cmd/kubeadm/app/discovery/token + util/pubkeypin (sha256 of DER SPKI)",
}



CRIO_SOCKET = "unix:///var/run/crio/crio.sock"
# containerd/containerd defaults/defaults_linux.go at v2.2.7 (DefaultAddress).
CONTAINERD_SOCKET = "unix:///run/containerd/containerd.sock"


def check_containerd_config(script):
    """The config.toml the containerd step writes, as containerd reads it: version 2
    puts the CRI plugin at io.containerd.grpc.v1.cri (sandbox_image), version 3 splits
    it into io.containerd.cri.v1.runtime and io.containerd.cri.v1.images
    (pinned_images.sandbox); runc uses the systemd cgroup driver; no plugin is disabled."""
    import tomllib
    m = re.search(r"write_file /etc/containerd/config\.toml [^\n]*<<'KUBEPRINT_EOF'\n(.*?)\nKUBEPRINT_EOF", script, re.S)
    try:
        cfg = tomllib.loads(m.group(1))
    except Exception as e:  # noqa: BLE001 - any parse error is the finding
        return ["config.toml does not parse: %s" % e]
    plugins = cfg.get("plugins", {})
    if cfg.get("version") == 2:
        cri = plugins.get("io.containerd.grpc.v1.cri", {})
        runtimes, sandbox, registry = cri.get("containerd", {}).get("runtimes", {}), cri.get("sandbox_image"), cri.get("registry", {})
    elif cfg.get("version") == 3:
        images = plugins.get("io.containerd.cri.v1.images", {})
        runtimes = plugins.get("io.containerd.cri.v1.runtime", {}).get("containerd", {}).get("runtimes", {})
        sandbox, registry = images.get("pinned_images", {}).get("sandbox"), images.get("registry", {})
    else:
        return ["config.toml version is %r, not 2 or 3" % cfg.get("version")]
    probs = []
    if cfg.get("disabled_plugins"):
        probs.append("disabled_plugins is set")
    runc = runtimes.get("runc", {})
    if runc.get("runtime_type") != "io.containerd.runc.v2" or runc.get("options", {}).get("SystemdCgroup") is not True:
        probs.append("runc is not io.containerd.runc.v2 with SystemdCgroup = true")
    if not (isinstance(sandbox, str) and re.search(r"/pause:[0-9.]+$", sandbox)):
        probs.append("no pinned pause sandbox image: %r" % sandbox)
    if registry.get("config_path") != "/etc/containerd/certs.d":
        probs.append("registry config_path is not /etc/containerd/certs.d")
    return probs


class Checker:
    def __init__(self, types_dir, verbose=False):
        self.gt = GoTypes(types_dir)
        self.dec = Decoder(self.gt)
        self.findings = []
        self.table = defaultdict(lambda: {"docs": 0, "errors": 0, "warnings": 0})
        self.verbose = verbose
        self.docs_checked = 0
        self.counts = defaultdict(int)

    def add(self, sev, tree, bundle, doc, path, value, rule, src):
        self.findings.append(Finding(sev, tree, bundle, doc, path, value, rule, SRC.get(src, src)))

    # ---- per document -------------------------------------------------------------
    def check_document(self, tree, bundle, minor, docnode, docidx, sink, text=None):
        strict = []
        try:
            v = node_to_json(docnode, "", strict)
        except ValueError as e:
            self.add("ERROR", tree, bundle, "doc%d" % docidx, "", None, str(e), "yaml")
            return None, None
        if not isinstance(v, dict):
            self.add("ERROR", tree, bundle, "doc%d" % docidx, "", v, "document is not a mapping", "decode")
            return None, None
        api, kind = v.get("apiVersion"), v.get("kind")
        label = "%s/%s" % (api, kind)
        sink.append((kind, v))
        key = (minor, "%s %s" % (api.split("/")[-1] if isinstance(api, str) else api, kind))
        row = self.table[key]
        row["docs"] += 1
        n_before = len(self.findings)
        if isinstance(api, str) and api.startswith("kubeadm.k8s.io/"):
            ver = api.split("/", 1)[1]
            ok, note = kubeadm_api_status(ver, minor)
            if not ok:
                self.add("ERROR", tree, bundle, label, "apiVersion", api, "kubeadm 1.%d: %s" % (minor, note), "versions")
            elif note != "current":
                self.add("WARN", tree, bundle, label, "apiVersion", api, "kubeadm 1.%d: %s" % (minor, note), "versions")
            if kind not in KUBEADM_KINDS:
                self.add("ERROR", tree, bundle, label, "kind", kind, "kubeprint only renders Init/Cluster/JoinConfiguration", "versions")
            pkg = TYPES_FOR_API.get(ver)
            if pkg and kind in KUBEADM_KINDS:
                schema = ("struct", pkg, kind)
            else:
                schema = None
        elif api == "kubelet.config.k8s.io/v1beta1" and kind == "KubeletConfiguration":
            schema = ("struct", "kubelet-config-v1beta1", "KubeletConfiguration")
        else:
            self.add("ERROR", tree, bundle, label, "apiVersion", api, "unknown apiVersion/kind pair", "versions")
            schema = None
        errs = []
        if schema:
            self.dec.decode(schema, v, "", errs, strict)
            for p, msg in errs:
                self.add("ERROR", tree, bundle, label, p, self._get(v, p), msg + " -> kubeadm fails to decode the file", "decode")
            for p, msg in strict:
                self.add("ERROR", tree, bundle, label, p, self._get(v, p), "strict decoding: " + msg, "strict")
        self.docs_checked += 1
        for f in self.findings[n_before:]:
            row["errors" if f.sev == "ERROR" else "warnings"] += 1
        return kind, v

    @staticmethod
    def _get(v, path):
        cur = v
        for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
            try:
                if part.startswith("["):
                    cur = cur[int(part[1:-1])]
                else:
                    cur = cur[part]
            except (KeyError, IndexError, TypeError):
                return None
        return cur

    # ---- per tree --------------------------------------------------------------------
    def check_tree(self, tree):
        man = json.load(open(os.path.join(tree, "manifest.json")))
        kver = man["inputs"]["kubernetes_version"]
        minor = int(kver.split(".")[1])
        bundles = []
        for role in ("control-plane", "control-plane-join", "worker"):
            if os.path.isdir(os.path.join(tree, role)):
                bundles.append((role, os.path.join(tree, role)))
        nd = os.path.join(tree, "nodes")
        if os.path.isdir(nd):
            for n in sorted(os.listdir(nd)):
                bundles.append(("nodes/" + n, os.path.join(nd, n)))

        ca_hash = None
        init_token = None
        cluster = None
        joins = []
        for bname, bdir in bundles:
            copies = bundle_scripts(bdir)
            if not copies:
                continue
            primary = config_heredocs(copies[0][1])
            # every copy (steps, user-data, .gz) must carry the same documents
            for cname, text in copies[1:]:
                other = config_heredocs(text)
                if [h["body"] for h in other] != [h["body"] for h in primary]:
                    self.add("ERROR", tree, bname, cname, "", None,
                             "kubeadm documents differ from bootstrap.sh's", "consistency")
            script = copies[0][1]
            is_cp = "/etc/kubernetes/pki/ca.key" in script
            self.want_socket = CRIO_SOCKET
            if "write_file /etc/containerd/config.toml " in script:
                self.want_socket = CONTAINERD_SOCKET
                for prob in check_containerd_config(script):
                    self.add("ERROR", tree, bname, "containerd", "/etc/containerd/config.toml", None, prob,
                             "containerd/containerd docs/cri/config.md at v1.7.34 and v2.2.7")
                self.counts["containerd configurations checked"] += 1
            if is_cp:
                self.counts["control-plane bundles with shared PKI checked"] += 1
                for prob in check_pki(pki_files(script)):
                    self.add("ERROR", tree, bname, "pki", "/etc/kubernetes/pki", None, prob,
                             "kubernetes/kubernetes cmd/kubeadm/app/phases/certs (shared certs for control-plane join)")
            m = re.search(r"write_file /etc/kubernetes/pki/ca\.crt [^\n]*<<'KUBEPRINT_EOF'\n(.*?)\nKUBEPRINT_EOF", script, re.S)
            if m and ca_hash is None:
                ca_hash = spki_sha256_of_pem(m.group(1) + "\n")
            name_re = re.search(r"\[\[ \$node_name =~ (\S+) \]\]", script)
            for h in primary:
                nodes = load_docs_goyaml(h["body"])
                texts = split_docs(h["body"])
                kinds = []
                for i, dn in enumerate(nodes):
                    kind, v = self.check_document(tree, bname, minor, dn, i, kinds,
                                                  texts[i] if len(texts) == len(nodes) else None)
                    if v is None:
                        continue
                    self.semantic(tree, bname, minor, kver, kind, v, is_cp, h)
                    if kind == "InitConfiguration":
                        toks = [bt.get("token") for bt in v.get("bootstrapTokens") or []]
                        init_token = toks[0] if toks else None
                    if kind == "ClusterConfiguration":
                        cluster = v
                    if kind == "JoinConfiguration":
                        joins.append((bname, v, is_cp))
                ks = [k for k, _ in kinds]
                if h["target"].endswith("kubeadm-init.yaml") and not ({"InitConfiguration", "ClusterConfiguration"} & set(ks)):
                    self.add("ERROR", tree, bname, h["target"], "", ks,
                             "no InitConfiguration or ClusterConfiguration kind was found in the YAML file", "decode")
                if h["target"].endswith("kubeadm-join.yaml") and "JoinConfiguration" not in ks:
                    self.add("ERROR", tree, bname, h["target"], "", ks, "no JoinConfiguration found in the supplied config", "decode")
                if h["sed"]:
                    self.placeholder(tree, bname, minor, h, name_re.group(1) if name_re else None)
        # cross-document checks
        if cluster:
            cpe = cluster.get("controlPlaneEndpoint")
            for bname, j, is_cp in joins:
                bt = (j.get("discovery") or {}).get("bootstrapToken") or {}
                if init_token and bt.get("token") != init_token:
                    self.add("ERROR", tree, bname, "JoinConfiguration", "discovery.bootstrapToken.token", bt.get("token"),
                             "join token differs from the InitConfiguration bootstrap token %r" % init_token, "discovery")
                if cpe and bt.get("apiServerEndpoint") != cpe:
                    self.add("WARN", tree, bname, "JoinConfiguration", "discovery.bootstrapToken.apiServerEndpoint",
                             bt.get("apiServerEndpoint"), "differs from controlPlaneEndpoint %r" % cpe, "discovery")
                if bt.get("token") == init_token:
                    self.counts["join tokens equal to the init token"] += 1
                for hsh in bt.get("caCertHashes") or []:
                    if ca_hash and hsh == ca_hash:
                        self.counts["CA pins verified against ca.crt"] += 1
                    if ca_hash and hsh != ca_hash:
                        self.add("ERROR", tree, bname, "JoinConfiguration", "discovery.bootstrapToken.caCertHashes", hsh,
                                 "does not pin the cluster CA in /etc/kubernetes/pki/ca.crt (%s): discovery would fail" % ca_hash,
                                 "discovery")
        return minor

    def placeholder(self, tree, bname, minor, h, bash_re):
        """The bundle substitutes KUBEPRINT_NODE_NAME with `hostname` at boot (sed, unquoted)."""
        samples = ["node-1", "ip-172-31-11-193", "worker.example.com", "yes", "no", "on", "off", "y", "n",
                   "true", "null", "123", "0123", "1e3", "0x1f", "0b101", "1.5", "2024-01-01"]
        bad = []
        for s in samples:
            if bash_re and not re.match(bash_re, s):
                continue
            # sed "s/KUBEPRINT_NODE_NAME/$node_name/": first occurrence on each line
            text = "\n".join(l.replace("KUBEPRINT_NODE_NAME", s, 1) for l in h["body"].split("\n"))
            for dn in load_docs_goyaml(text):
                v = node_to_json(dn, "", [])
                if isinstance(v, dict) and "nodeRegistration" in v:
                    name = (v.get("nodeRegistration") or {}).get("name")
                    if name is None:
                        continue  # null -> empty name -> kubeadm defaults it to the hostname
                    if name != s:
                        bad.append("%s -> %r" % (s, name))
                    elif not is_dns1123_subdomain(name):
                        bad.append("%s (not DNS-1123)" % s)
        if bad:
            self.add("WARN", tree, bname, h["target"], "nodeRegistration.name", "KUBEPRINT_NODE_NAME",
                     "hostnames the bundle's own check %s accepts but kubeadm decodes as non-strings once sed "
                     "substitutes them unquoted: %s" % (bash_re, ", ".join(bad)), "yaml")

    def semantic(self, tree, b, minor, kver, kind, v, is_cp, h):
        A = lambda sev, path, rule, src: self.add(sev, tree, b, kind, path, self._get(v, path), rule, src)
        api = v.get("apiVersion", "")
        ver = api.split("/")[-1]
        if kind in ("InitConfiguration", "JoinConfiguration"):
            nr = v.get("nodeRegistration") or {}
            name = nr.get("name")
            if isinstance(name, str) and name != "KUBEPRINT_NODE_NAME" and not is_dns1123_subdomain(name):
                A("ERROR", "nodeRegistration.name", "must be a DNS-1123 subdomain", "validation")
            cs = nr.get("criSocket")
            if not (isinstance(cs, str) and cs.startswith("unix:///") and cs.endswith(".sock")):
                A("ERROR", "nodeRegistration.criSocket", "must be a unix:// URL (kubeadm >=1.24 requires the scheme)", "validation")
            elif cs not in ((getattr(self, "want_socket", None),) if getattr(self, "want_socket", None) else (CRIO_SOCKET, CONTAINERD_SOCKET)):
                A("ERROR", "nodeRegistration.criSocket", "not the socket of the runtime this bundle installs",
                  "CRI-O's crio.sock; containerd/containerd defaults/defaults_linux.go@v2.2.7 DefaultAddress")
            kea = nr.get("kubeletExtraArgs")
            args = []
            if kea is not None:
                if ver == "v1beta4":
                    if isinstance(kea, list):
                        args = [(a.get("name"), a.get("value")) for a in kea if isinstance(a, dict)]
                        for i, (n_, _) in enumerate(args):
                            if not n_:
                                A("ERROR", "nodeRegistration.kubeletExtraArgs[%d].name" % i, "argument has no name", "validation")
                elif isinstance(kea, dict):
                    args = list(kea.items())
            for n_, val in args:
                if n_ == "node-ip":
                    if parse_ip(val) is None:
                        A("ERROR", "nodeRegistration.kubeletExtraArgs", "node-ip %r is not an IP" % (val,), "validation")
                elif n_ == "node-labels":
                    for pair in str(val).split(","):
                        k, _, lv = pair.partition("=")
                        if not is_qualified_name(k) or not is_label_value(lv):
                            A("ERROR", "nodeRegistration.kubeletExtraArgs", "node-labels entry %r is not a valid label" % pair, "labels")
                        elif restricted_label(k) and not is_kubelet_label(k):
                            A("ERROR", "nodeRegistration.kubeletExtraArgs", "kubelet refuses --node-labels %r (kubernetes.io/k8s.io namespace not allowed)" % k, "labels")
                elif n_ in ("register-with-taints", "node-taints"):
                    A("WARN", "nodeRegistration.kubeletExtraArgs", "taints belong in nodeRegistration.taints", "validation")
            taints = nr.get("taints")
            if taints is not None and isinstance(taints, list):
                seen = set()
                for i, t in enumerate(taints):
                    if not isinstance(t, dict):
                        continue
                    p = "nodeRegistration.taints[%d]" % i
                    if isinstance(t.get("key"), str) and not is_qualified_name(t.get("key")):
                        A("ERROR", p + ".key", "taint key must be a qualified name", "taints")
                    if isinstance(t.get("value"), str) and not is_label_value(t.get("value")):
                        A("ERROR", p + ".value", "taint value must be a label value", "taints")
                    if t.get("effect") not in ("NoSchedule", "PreferNoSchedule", "NoExecute"):
                        A("ERROR", p + ".effect", "unsupported taint effect", "taints")
                    if (t.get("key"), t.get("effect")) in seen:
                        A("ERROR", p, "duplicate taint key+effect", "taints")
                    seen.add((t.get("key"), t.get("effect")))
            lae = v.get("localAPIEndpoint") if kind == "InitConfiguration" else ((v.get("controlPlane") or {}).get("localAPIEndpoint") if isinstance(v.get("controlPlane"), dict) else None)
            if lae:
                lp = "localAPIEndpoint" if kind == "InitConfiguration" else "controlPlane.localAPIEndpoint"
                if "advertiseAddress" in lae and parse_ip(lae.get("advertiseAddress")) is None:
                    A("ERROR", lp + ".advertiseAddress", "ip address is not valid", "validation")
                bp = lae.get("bindPort")
                if bp is not None and not (isinstance(bp, int) and 1 <= bp <= 65535):
                    A("ERROR", lp + ".bindPort", "port number is not valid", "validation")
                nip = dict(args).get("node-ip")
                if nip and lae.get("advertiseAddress") and nip != lae.get("advertiseAddress"):
                    A("WARN", lp + ".advertiseAddress", "differs from kubelet node-ip %r" % nip, "validation")
        if kind == "InitConfiguration":
            for i, bt in enumerate(v.get("bootstrapTokens") or []):
                p = "bootstrapTokens[%d]" % i
                if "ttl" in bt and "expires" in bt:
                    A("ERROR", p, "TTL and Expires are mutually exclusive", "validation")
                ttl = bt.get("ttl")
                if isinstance(ttl, str):
                    d = go_parse_duration(ttl)
                    if d is not None and d < 0:
                        A("ERROR", p + ".ttl", "negative TTL", "validation")
                us = bt.get("usages") or []
                for u in us:
                    if u not in ("signing", "authentication"):
                        A("ERROR", p + ".usages", "unknown usage %r" % u, "validation")
                gs = bt.get("groups") or []
                if gs and "authentication" not in us:
                    A("ERROR", p + ".groups", "groups need the authentication usage", "validation")
                for g in gs:
                    if not (isinstance(g, str) and GROUP_RE.match(g)):
                        A("ERROR", p + ".groups", "group %r does not match %s" % (g, GROUP_RE.pattern), "validation")
            if not is_cp:
                A("ERROR", "", "InitConfiguration in a bundle without the CA", "consistency")
        if kind == "JoinConfiguration":
            d = v.get("discovery") or {}
            bt = d.get("bootstrapToken")
            if not bt and not d.get("file"):
                A("ERROR", "discovery", "bootstrapToken or file must be set", "validation")
            if bt:
                if not bt.get("apiServerEndpoint"):
                    A("ERROR", "discovery.bootstrapToken.apiServerEndpoint", "APIServerEndpoint is not set", "validation")
                elif split_host_port(bt.get("apiServerEndpoint")) is None:
                    A("ERROR", "discovery.bootstrapToken.apiServerEndpoint", "net.SplitHostPort fails (needs host:port)", "validation")
                if not (isinstance(bt.get("token"), str) and TOKEN_RE.match(bt.get("token"))):
                    A("ERROR", "discovery.bootstrapToken.token", "the bootstrap token is invalid", "validation")
                hs = bt.get("caCertHashes") or []
                if not hs and not bt.get("unsafeSkipCAVerification"):
                    A("ERROR", "discovery.bootstrapToken.caCertHashes", "token discovery without caCertHashes", "validation")
                for hh in hs:
                    if not (isinstance(hh, str) and CAHASH_RE.match(hh)):
                        A("ERROR", "discovery.bootstrapToken.caCertHashes", "pin must be sha256:<64 hex>", "discovery")
            cp = v.get("controlPlane")
            if is_cp and cp is None:
                A("ERROR", "controlPlane", "control-plane bundle joins without controlPlane: it would become a worker", "validation")
            if not is_cp and cp is not None:
                A("ERROR", "controlPlane", "worker bundle joins as a control plane (and has no shared PKI)", "validation")
            if "caCertPath" in v and not str(v["caCertPath"]).startswith("/"):
                A("ERROR", "caCertPath", "must be absolute", "validation")
        if kind == "ClusterConfiguration":
            kv = v.get("kubernetesVersion")
            m = KVER_RE.match(kv) if isinstance(kv, str) else None
            if not m:
                A("ERROR", "kubernetesVersion", "must be vX.Y.Z", "validation")
            elif "v" + kver != kv:
                A("ERROR", "kubernetesVersion", "differs from the packages pinned (%s)" % kver, "validation")
            cpe = v.get("controlPlaneEndpoint")
            if cpe and parse_host_port(cpe) is None:
                A("ERROR", "controlPlaneEndpoint", "host must be an IP or DNS-1123 subdomain, port 1..65535", "endpoint")
            net = v.get("networking") or {}
            dd = net.get("dnsDomain")
            if dd is not None and not is_dns1123_subdomain(dd):
                A("ERROR", "networking.dnsDomain", "must be a DNS-1123 subdomain", "validation")
            for fld, minaddrs in (("serviceSubnet", 10), ("podSubnet", 14)):
                s = net.get(fld)
                if s is None:
                    continue
                nets = []
                for part in str(s).split(","):
                    try:
                        nets.append(ipaddress.ip_network(part, strict=False))
                    except ValueError:
                        A("ERROR", "networking." + fld, "couldn't parse subnet", "validation")
                for n_ in nets:
                    if n_.num_addresses < minaddrs:
                        A("ERROR", "networking." + fld, "subnet too small (min %d addresses)" % minaddrs, "constants")
                    if fld == "serviceSubnet" and n_.max_prefixlen - n_.prefixlen > 20:
                        A("ERROR", "networking.serviceSubnet", "service subnet too large (mask must be >= %d)" % (n_.max_prefixlen - 20), "validation")
                    if fld == "podSubnet":
                        node_mask = 64 if n_.version == 6 else 24
                        if n_.prefixlen > node_mask:
                            A("ERROR", "networking.podSubnet", "pod subnet smaller than the node mask /%d" % node_mask, "validation")
                        elif node_mask - n_.prefixlen > 16:
                            A("ERROR", "networking.podSubnet", "pod subnet and node mask differ by more than 16", "constants")
            for i, san in enumerate(((v.get("apiServer") or {}).get("certSANs")) or []):
                if not isinstance(san, str) or not (is_dns1123_subdomain(san) or (san.startswith("*.") and is_dns1123_subdomain(san[2:])) or parse_ip(san)):
                    A("ERROR", "apiServer.certSANs[%d]" % i, "not a valid IP, DNS name or wildcard", "validation")
        if kind == "KubeletConfiguration":
            cg = v.get("cgroupDriver")
            if cg not in (None, "systemd", "cgroupfs"):
                A("ERROR", "cgroupDriver", "must be systemd or cgroupfs", "validation")
            elif cg != "systemd":
                A("WARN", "cgroupDriver", "CRI-O defaults to the systemd cgroup manager; kubelet must match", "validation")

    def run(self, trees):
        minors = {}
        for t in trees:
            before = self.docs_checked
            try:
                minors[t] = self.check_tree(t)
            except Exception as e:  # noqa
                self.add("ERROR", t, "-", "-", "", None, "checker failed: %r" % e, "checker")
            # A tree that yields no document proves nothing: it must not pass.
            if self.docs_checked == before:
                self.add("ERROR", t, "-", "-", "", None, "no kubeadm document found: nothing was checked", "checker")
        self.self_port_check(trees)
        return minors

    def check_config(self, path, kver, command):
        """One file as `kubeadm <command> --config path` of kubeadm kver reads it. There
        is no tree here: a control plane is what the documents say it is."""
        minor = int(kver.split(".")[1])
        text = open(path).read()
        try:
            nodes = load_docs_goyaml(text)
        except yaml.YAMLError as e:
            self.add("ERROR", path, command, "-", "", None, "not YAML: %s" % e, "yaml")
            return minor
        texts = split_docs(text)
        kinds = []
        for i, dn in enumerate(nodes):
            kind, v = self.check_document(path, command, minor, dn, i, kinds,
                                          texts[i] if len(texts) == len(nodes) else None)
            if v is None:
                continue
            is_cp = kind != "JoinConfiguration" or v.get("controlPlane") is not None
            self.semantic(path, command, minor, kver, kind, v, is_cp, None)
        ks = [k for k, _ in kinds]
        if command == "init" and not ({"InitConfiguration", "ClusterConfiguration"} & set(ks)):
            self.add("ERROR", path, command, path, "", ks,
                     "no InitConfiguration or ClusterConfiguration kind was found in the YAML file", "decode")
        if command == "join" and "JoinConfiguration" not in ks:
            self.add("ERROR", path, command, path, "", ks, "no JoinConfiguration found in the supplied config", "decode")
        return minor

    def inventory_check(self, tree, defpath):
        """Compare inventory nodes in the cluster definition with what the node bundles tell kubeadm."""
        d = yaml.safe_load(open(defpath)) or {}
        for i, n in enumerate(d.get("nodes") or []):
            name = n.get("name")
            bdir = os.path.join(tree, "nodes", str(name))
            if not os.path.isdir(bdir):
                self.add("ERROR", tree, "nodes/%s" % name, "-", "", None, "inventory node has no bundle", "consistency")
                continue
            docs = {}
            for h in config_heredocs(open(os.path.join(bdir, "bootstrap.sh")).read()):
                for dn in load_docs_goyaml(h["body"]):
                    v = node_to_json(dn, "", [])
                    if isinstance(v, dict) and v.get("kind") in ("InitConfiguration", "JoinConfiguration"):
                        docs = v
            self.counts["inventory nodes compared with their definition"] += 1
            kind = docs.get("kind", "?")
            nr = docs.get("nodeRegistration") or {}
            A = lambda path, val, rule: self.add("ERROR", tree, "nodes/%s" % name, kind, path, val, rule,
                                                 "kubernetes/kubernetes cmd/kubeadm/app/apis/kubeadm/v1beta4/types.go NodeRegistrationOptions")
            if nr.get("name") != name:
                A("nodeRegistration.name", nr.get("name"), "definition says %r" % name)
            kea = nr.get("kubeletExtraArgs") or {}
            args = dict((a["name"], a["value"]) for a in kea) if isinstance(kea, list) else dict(kea)
            if args.get("node-ip") != n.get("address"):
                A("nodeRegistration.kubeletExtraArgs.node-ip", args.get("node-ip"), "definition address %r" % n.get("address"))
            want_labels = ",".join("%s=%s" % kv for kv in sorted((n.get("labels") or {}).items()))
            if (args.get("node-labels") or "") != want_labels:
                A("nodeRegistration.kubeletExtraArgs.node-labels", args.get("node-labels"), "definition labels %r" % want_labels)
            if "taints" in n:
                want = [{k: v for k, v in t.items()} for t in n["taints"] or []]
                got = nr.get("taints", "<absent>")
                if got == "<absent>" or got is None:
                    A("nodeRegistration.taints", "<absent>",
                      "definition sets taints: %s, but the field is omitted, so kubeadm applies its default "
                      "(nil taints = control-plane NoSchedule taint on control planes; only `taints: []` removes it)" % json.dumps(want))
                elif [dict(t) for t in got] != want:
                    A("nodeRegistration.taints", got, "definition taints %s" % json.dumps(want))
            elif "taints" in nr:
                A("nodeRegistration.taints", nr.get("taints"), "definition has no taints (kubeadm default expected)")
            if n.get("role") == "control-plane":
                lae = docs.get("localAPIEndpoint") if kind == "InitConfiguration" else (docs.get("controlPlane") or {}).get("localAPIEndpoint")
                if not lae or lae.get("advertiseAddress") != n.get("address"):
                    A("localAPIEndpoint.advertiseAddress", lae, "control plane should advertise %r" % n.get("address"))

    def self_port_check(self, trees):
        for t in trees:
            nd = os.path.join(t, "nodes")
            if not os.path.isdir(nd):
                continue
            addrs = {}
            cpe = None
            for n in os.listdir(nd):
                for h in config_heredocs(open(os.path.join(nd, n, "bootstrap.sh")).read()):
                    for dn in load_docs_goyaml(h["body"]):
                        v = node_to_json(dn, "", [])
                        if not isinstance(v, dict):
                            continue
                        if v.get("kind") == "ClusterConfiguration":
                            cpe = v.get("controlPlaneEndpoint")
                        lae = v.get("localAPIEndpoint") or ((v.get("controlPlane") or {}).get("localAPIEndpoint") if isinstance(v.get("controlPlane"), dict) else None)
                        if lae and lae.get("advertiseAddress"):
                            addrs[lae["advertiseAddress"]] = (n, lae.get("bindPort") or 6443)
            hp = parse_host_port(cpe) if cpe else None
            if hp and hp[0] in addrs and hp[1] and int(hp[1]) != addrs[hp[0]][1]:
                self.add("WARN", t, "nodes/" + addrs[hp[0]][0], "ClusterConfiguration", "controlPlaneEndpoint", cpe,
                         "endpoint is control plane %s's own address but its API server binds port %d: nothing "
                         "listens on %s unless a forwarder exists (kubeadm config is accepted; init/join would fail "
                         "to reach it)" % (addrs[hp[0]][0], addrs[hp[0]][1], cpe), "endpoint")


def print_report(ch, minors, out=sys.stdout):
    print("Documents checked: %d in %d trees" % (ch.docs_checked, len(minors)), file=out)
    for k, n in sorted(ch.counts.items()):
        print("  %s: %d" % (k, n), file=out)
    print("\n%-6s %-34s %5s %6s %5s  verdict" % ("minor", "document", "docs", "errors", "warn"), file=out)
    for (minor, doc), row in sorted(ch.table.items()):
        verdict = "REJECT" if row["errors"] else ("accept (warnings)" if row["warnings"] else "accept")
        print("1.%-4d %-34s %5d %6d %5d  %s" % (minor, doc, row["docs"], row["errors"], row["warnings"], verdict), file=out)
    print("\nFindings (%d):" % len(ch.findings), file=out)
    for f in ch.findings:
        print(f.line(), file=out)


def selftest(types_dir):
    """The checker must catch known-bad documents (and pass known-good ones)."""
    ch = Checker(types_dir)
    cases = [
        ("v1beta4 good", 33, "apiVersion: kubeadm.k8s.io/v1beta4\nkind: JoinConfiguration\ndiscovery:\n  bootstrapToken:\n"
         "    apiServerEndpoint: a:6443\n    token: abcdef.0123456789abcdef\n    caCertHashes: [sha256:" + "0" * 64 + "]\n"
         "nodeRegistration:\n  name: n1\n  criSocket: unix:///var/run/crio/crio.sock\n  kubeletExtraArgs:\n  - name: node-ip\n    value: 10.0.0.1\n", 0),
        ("v1beta4 map extraArgs", 33, "apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\nnodeRegistration:\n  kubeletExtraArgs:\n    node-ip: 10.0.0.1\n", 1),
        ("v1beta3 list extraArgs", 27, "apiVersion: kubeadm.k8s.io/v1beta3\nkind: InitConfiguration\nnodeRegistration:\n  kubeletExtraArgs:\n  - name: node-ip\n    value: 10.0.0.1\n", 1),
        ("unknown field", 27, "apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\nnetworking:\n  podCIDR: 10.0.0.0/16\n", 1),
        ("case mismatch", 27, "apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\nclustername: x\n", 1),
        ("yaml11 bool taint value", 33, "apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\nnodeRegistration:\n  taints:\n  - key: k\n    value: yes\n    effect: NoSchedule\n", 1),
        ("underscore int", 33, "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nclusterName: 1_000\n", 1),
        ("quoted ok", 33, "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nclusterName: 'yes'\n", 0),
        ("bad token", 33, "apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\nbootstrapTokens:\n- token: ABCDEF.0123456789abcdef\n", 1),
        ("bad duration", 33, "apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\nbootstrapTokens:\n- token: abcdef.0123456789abcdef\n  ttl: 1d\n", 1),
        ("v1beta4 on 1.29", 29, "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n", 1),
        ("v1beta3 on 1.36", 36, "apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\n", 1),
        ("v1beta3 on 1.21", 21, "apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\n", 1),
        ("v1beta2 timeout ok", 21, "apiVersion: kubeadm.k8s.io/v1beta2\nkind: JoinConfiguration\ndiscovery:\n  timeout: 5m0s\n", 0),
        ("v1beta4 discovery.timeout gone", 33, "apiVersion: kubeadm.k8s.io/v1beta4\nkind: JoinConfiguration\ndiscovery:\n  timeout: 5m0s\n", 1),
        ("bindPort string", 33, "apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\nlocalAPIEndpoint:\n  bindPort: '6443'\n", 1),
        ("duplicate", 33, "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nclusterName: a\nclusterName: b\n", 1),
        ("kubelet unknown", 33, "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupdriver: systemd\n", 1),
        ("kubelet good", 33, "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: systemd\n", 0),
    ]
    ok = True
    for name, minor, text, want in cases:
        before = len(ch.findings)
        for i, dn in enumerate(load_docs_goyaml(text)):
            ch.check_document("selftest", name, minor, dn, i, [])
        got = len([f for f in ch.findings[before:] if f.sev == "ERROR"])
        good = (got > 0) == (want > 0)
        ok &= good
        print("%-4s %-32s errors=%d%s" % ("ok" if good else "FAIL", name, got,
                                           "" if good else "  " + "; ".join(f.rule for f in ch.findings[before:])))
    # the go-yaml v2 resolver port
    for s, want in [("yes", True), ("on", True), ("n", False), ("1_000", 1000), ("0123", 83), ("0b101", 5),
                    ("1e3", 1000.0), ("nan", "nan"), ("2024-01-01", "2024-01-01"), ("fd00::1", "fd00::1"),
                    ("10.0.0.1", "10.0.0.1"), ("24h0m0s", "24h0m0s"), ("0x1f", 31), (".5", 0.5)]:
        got = goyaml_resolve_plain(s)
        good = got == want and type(got) == type(want)
        ok &= good
        print("%-4s resolve(%r) = %r" % ("ok" if good else "FAIL", s, got))
    print("selftest:", "passed" if ok else "FAILED")
    return 0 if ok else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("trees", nargs="*")
    ap.add_argument("--types", default=os.path.join(HERE, "upstream"))
    ap.add_argument("--json")
    ap.add_argument("--def", action="append", default=[], metavar="TREE=CLUSTER_YAML",
                    help="compare a tree's inventory bundles with its cluster definition (repeatable)")
    ap.add_argument("--selftest", action="store_true")
    ap.add_argument("--config", metavar="FILE", help="check one kubeadm configuration file")
    ap.add_argument("--kubernetes-version", metavar="X.Y.Z", help="the kubeadm reading --config")
    ap.add_argument("--command", choices=("init", "join"), help="the kubeadm command reading --config")
    a = ap.parse_args()
    if a.selftest:
        return selftest(a.types)
    if a.config:
        if not (a.kubernetes_version and a.command) or a.trees:
            ap.error("--config needs --kubernetes-version and --command, and no trees")
        ch = Checker(a.types)
        minor = ch.check_config(a.config, a.kubernetes_version.lstrip("v"), a.command)
        for f in ch.findings:
            print(f.line(), file=sys.stderr)
        errors = sum(f.sev == "ERROR" for f in ch.findings)
        print("kubeadm 1.%d %s --config %s: %d documents, %d errors" % (minor, a.command, a.config, ch.docs_checked, errors))
        return 1 if errors or not ch.docs_checked else 0
    if not a.trees:
        ap.error("give rendered trees (kubeprint render -o DIR)")
    ch = Checker(a.types)
    minors = ch.run(a.trees)
    for spec in a.__dict__["def"]:
        t, _, dp = spec.partition("=")
        ch.inventory_check(t, dp)
    print_report(ch, minors)
    if a.json:
        json.dump({"table": [{"minor": "1.%d" % m, "document": d, **r} for (m, d), r in sorted(ch.table.items())],
                   "findings": [f.__dict__ for f in ch.findings]}, open(a.json, "w"), indent=1, default=str)
    return 1 if any(f.sev == "ERROR" for f in ch.findings) else 0


if __name__ == "__main__":
    sys.exit(main())
