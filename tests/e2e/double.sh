#!/bin/bash
# kubeprint e2e test double, installed as apt-get, apt-mark, curl, gpg, kubeadm, kubectl
# and crio in /usr/local/sbin (ahead of /usr/bin on systemd's and cloud-init's PATH).
# Each call appends `name args...` to the transcript. The VM has no network: each double
# does what the real tool does where a later step depends on it, and refuses what the
# real tool refuses (unknown subcommands and flags, repositories that do not exist for
# this OS, malformed sources, versions a repository does not use, URLs nobody serves).
# While /etc/e2e-fail-kubeadm exists, kubeadm init and join fail part-way instead,
# leaving what the real ones leave; kubeadm reset removes it again.
set -u
name=$(basename "$0")
transcript=/var/log/e2e/transcript.log
recorded=/var/log/e2e/recorded
mkdir -p "$recorded"
# The recorded copies hold the token: root only, as the originals.
chmod 0700 "$recorded"
printf '%s\n' "$name $*" >>"$transcript"

# The value following FLAG in the arguments, if any.
arg_after() {
  local flag=$1 prev=
  shift
  for a in "$@"; do
    [ "$prev" = "$flag" ] && { printf '%s' "$a"; return 0; }
    prev=$a
  done
  return 1
}

fail() {
  printf '%s\n' "$*" >&2
  printf '%s\n' "# $name refused: $*" >>"$transcript"
  exit "${code:-1}"
}

. /etc/os-release
# What openSUSE's Kubic calls this OS (its repository directories).
case $ID in
debian) kubic_dir=Debian_$VERSION_ID ;;
ubuntu) kubic_dir=xUbuntu_$VERSION_ID ;;
esac
opensuse=https://download.opensuse.org/repositories
apt_state=/var/lib/e2e-apt
mkdir -p "$apt_state"
# What the stand-ins serve, from kubeprint's own facts (tests/e2e/repos.rs): one URL a
# line, and each repository's signed InRelease.
served=/usr/local/share/e2e/served-urls
repos=/usr/local/share/e2e/repos

# repo_dir URL: a repository's directory under $repos.
repo_dir() {
  printf '%s' "${1#https://}" | tr / -
}

# repo_exists URL: the repositories that exist for this OS, and the packages and
# version format each serves (printed as `PACKAGES;VERSION_REGEX;SOURCE`). Kubic
# built CRI-O 1.25 to 1.27 for Debian 12 and nothing for Debian 13; pkgs.k8s.io serves
# v1.24 and later, isv:/cri-o v1.28 and later; apt.kubernetes.io is gone.
repo_exists() {
  local url=$1 minor
  case $url in
  "$opensuse/devel:/kubic:/libcontainers:/stable/$kubic_dir/")
    [ "$kubic_dir" = Debian_12 ] && echo "cri-o-runc;;" ;;
  "$opensuse/devel:/kubic:/libcontainers:/stable:/cri-o:/1."*"/$kubic_dir/")
    minor=${url#"$opensuse/devel:/kubic:/libcontainers:/stable:/cri-o:/1."}
    minor=${minor%%/*}
    [ "$kubic_dir" = Debian_12 ] && [ "$minor" -ge 25 ] && [ "$minor" -le 27 ] && echo "cri-o;;kubic-$minor" ;;
  "$opensuse/isv:/cri-o:/stable:/v1."*/deb/)
    minor=${url#"$opensuse/isv:/cri-o:/stable:/v1."}
    minor=${minor%%/*}
    [ "$minor" -ge 28 ] && echo "cri-o;;isv-$minor" ;;
  https://pkgs.k8s.io/core:/stable:/v1.*/deb/)
    minor=${url#https://pkgs.k8s.io/core:/stable:/v1.}
    minor=${minor%%/*}
    [ "$minor" -ge 24 ] && echo "kubelet kubeadm kubectl;^1\\.$minor\\.[0-9]+-(\\*|[0-9]+\\.[0-9]+)\$;" ;;
  esac
}

# is_keyring FILE: a binary OpenPGP keyring (a public-key packet first: old-format tag 6
# is 0x98-0x9b, new-format 0xc6), as signed-by needs; an armored key is not one.
is_keyring() {
  local first
  [ -s "$1" ] || return 1
  first=$(head -c1 "$1" | od -An -tx1 | tr -d ' ')
  case $first in 98 | 99 | 9a | 9b | c6) return 0 ;; esac
  return 1
}

# gpgv_reason STDERR: why apt distrusts a Release file, in apt's words.
gpgv_reason() {
  local key
  key=$(grep -o 'key [0-9A-F]*$' "$1" | head -n1 | cut -d' ' -f2)
  if grep -q 'BAD signature' "$1"; then
    echo "The following signatures were invalid: BADSIG $key"
  else
    echo "The following signatures couldn't be verified because the public key is not available: NO_PUBKEY $key"
  fi
}

apt_update() {
  local f line opts url suite rest keyring found
  : >"$apt_state/available.new"
  for f in /etc/apt/sources.list.d/*.list; do
    [ -e "$f" ] || continue
    while IFS= read -r line; do
      case $line in '' | '#'*) continue ;; esac
      # deb [signed-by=KEYRING] URL SUITE [COMPONENT...]
      [[ $line =~ ^deb\ \[([^]]*)\]\ ([^ ]+)\ ([^ ]+)(\ (.*))?$ ]] ||
        code=100 fail "E: Malformed entry in list file $f: $line"
      opts=${BASH_REMATCH[1]} url=${BASH_REMATCH[2]} suite=${BASH_REMATCH[3]} rest=${BASH_REMATCH[5]}
      [[ $opts =~ ^signed-by=(/[^ ]+)$ ]] || code=100 fail "E: $f: expected [signed-by=/path], got [$opts]"
      keyring=${BASH_REMATCH[1]}
      is_keyring "$keyring" || code=100 fail "E: $f: signed-by $keyring is not an OpenPGP keyring (missing or armored): NO_PUBKEY"
      # A flat repository: no components, and the directory ends in /.
      [ -z "$rest" ] && [ "${suite: -1}" != / ] && code=100 fail "E: Malformed entry in list file $f (absolute Suite Component)"
      [ "${url: -1}" = / ] || code=100 fail "E: $f: $url: a flat repository's URL ends in / here"
      found=$(repo_exists "$url") ||
        code=100 fail "E: The repository '$url $suite Release' does not have a Release file."
      [ -n "$found" ] || code=100 fail "E: The repository '$url $suite Release' does not have a Release file."
      # The repository's InRelease, signed with the stand-in key (tests/e2e/repos.rs),
      # checked against the signed-by keyring as apt does (gpgv).
      inrelease=$repos/$(repo_dir "$url")/InRelease
      [ -f "$inrelease" ] || code=100 fail "E: The repository '$url $suite InRelease' is not served to this VM (not named by the rendered sources)."
      gpgv --keyring "$keyring" "$inrelease" >/dev/null 2>"$apt_state/gpgv.err" ||
        code=100 fail "W: GPG error: $url $suite InRelease: $(gpgv_reason "$apt_state/gpgv.err")
E: The repository '$url $suite InRelease' is not signed."
      printf '%s\n' "$found" >>"$apt_state/available.new"
    done <"$f"
  done
  mv "$apt_state/available.new" "$apt_state/available"
}

# dpkg_record NAME VERSION FILE...: what dpkg's database says once NAME is installed,
# so the real dpkg-query sees it.
dpkg_record() {
  local pkg=$1 version=$2
  shift 2
  grep -qx "Package: $pkg" /var/lib/dpkg/status && return 0
  printf 'Package: %s\nStatus: install ok installed\nPriority: optional\nSection: admin\nMaintainer: kubeprint e2e <e2e@kubeprint.invalid>\nArchitecture: amd64\nVersion: %s\nDescription: e2e stand-in for %s\n\n' \
    "$pkg" "$version" "$pkg" >>/var/lib/dpkg/status
  printf '%s\n' "$@" >"/var/lib/dpkg/info/$pkg.list"
}

# crio_files SOURCE: what the cri-o package puts in /etc (the bridge network configs
# are what kubeprint must remove before the CNI: cri-o/packaging templates/latest/cri-o/
# cri-o.spec, see CRIO_BRIDGE_CONFIGS in src/plan/context.rs for the history).
crio_files() {
  local source=$1 minor=${1#*-} files=(/etc/crio/crio.conf.d/10-crio.conf)
  case $source in
  kubic-*) files+=(/etc/cni/net.d/100-crio-bridge.conflist) ;;
  isv-*) if [ "$minor" -le 31 ]; then
      files+=(/etc/cni/net.d/11-crio-ipv4-bridge.conflist)
    else
      files+=(/etc/cni/net.d/10-crio-bridge.conflist.disabled)
    fi ;;
  esac
  for f in "${files[@]}"; do
    mkdir -p "$(dirname "$f")"
    printf '# e2e stand-in for the cri-o package (%s)\n' "$source" >"$f"
  done
  printf '%s\n' "${files[@]}"
}

apt_install() {
  local spec pkg version line regex source
  for spec in "$@"; do
    case $spec in -*) continue ;; esac
    pkg=${spec%%=*} version=
    [ "$pkg" = "$spec" ] || version=${spec#*=}
    case $pkg in
    ca-certificates | curl | gpg)
      # Debian's own archive (on the image's sources, not in sources.list.d).
      dpkg_record "$pkg" 0-e2e
      continue ;;
    esac
    [ -f "$apt_state/available" ] || code=100 fail "E: Unable to locate package $pkg"
    line=$(grep -E "^([^;]* )?$pkg( [^;]*)?;" "$apt_state/available" | head -n1) ||
      code=100 fail "E: Unable to locate package $pkg"
    regex=$(printf '%s' "$line" | cut -d';' -f2)
    source=$(printf '%s' "$line" | cut -d';' -f3)
    if [ -n "$version" ]; then
      [ -n "$regex" ] && [[ $version =~ $regex ]] ||
        code=100 fail "E: Version '$version' for '$pkg' was not found"
      version=${version//\*/1.1}
    else
      version=${source#*-}
      version=1.${version:-0}.0-e2e
    fi
    if [ "$pkg" = cri-o ]; then
      # shellcheck disable=SC2046
      dpkg_record "$pkg" "$version" $(crio_files "$source")
    else
      dpkg_record "$pkg" "$version"
    fi
  done
}

# installed_version PACKAGE: its version in dpkg's status, as dpkg-query reports it.
installed_version() {
  dpkg-query -W -f='${Version}' "$1" 2>/dev/null
}

case $name in
apt-get)
  while [ "${1:-}" = -o ]; do shift 2; done
  sub=${1:-}
  shift || true
  case $sub in
  update) apt_update ;;
  install) apt_install "$@" ;;
  clean) ;;
  *) code=100 fail "E: Invalid operation $sub" ;;
  esac
  ;;
apt-mark)
  [ "${1:-}" = hold ] || fail "apt-mark: unknown subcommand ${1:-}"
  shift
  for p in "$@"; do
    [ -n "$(installed_version "$p")" ] || fail "E: Unable to locate package $p"
  done
  ;;
curl)
  url=${*: -1}
  out=$(arg_after -o "$@") || out=
  failing=
  case " $* " in *" -f"* | *" -"[a-zA-Z]*f*) failing=1 ;; esac
  # Real upstream files the test ships (tests/e2e/downloads), gzip-compressed and named
  # by their URL: https://raw.githubusercontent.com/OWNER/REPO/TAG/PATH is
  # OWNER-REPO-TAG-PATH.gz with every / turned into -.
  shipped=/usr/local/share/e2e/downloads/$(printf '%s' "${url#https://}" | sed 's|^raw\.githubusercontent\.com/||; s|/|-|g').gz
  # Only URLs kubeprint names are served (the node's own API server aside).
  case $url in
  */healthz) ;;
  *) grep -qxF -- "$url" "$served" || {
      [ -z "$failing" ] && exit 0
      code=22 fail "curl: (22) The requested URL returned error: 404 ($url is named nowhere in kubeprint's facts)"
    } ;;
  esac
  if [ -f "$shipped" ]; then
    {
      gzip -dc "$shipped"
      # The pin check's scenario: serve altered bytes while this trigger exists.
      [ ! -e /etc/e2e-tamper-downloads ] || echo "# altered by the e2e curl double"
    } >"${out:-/dev/stdout}"
    exit 0
  fi
  case $url in
  */healthz)
    # The API server answers only from the third probe on: wait loops must loop.
    n=$(($(cat "$recorded/healthz-probes" 2>/dev/null || echo 0) + 1))
    echo "$n" >"$recorded/healthz-probes"
    [ "$n" -ge 3 ] || code=7 fail "curl: (7) Failed to connect to ${url#https://}: Connection refused"
    body=ok ;;
  */Release.key)
    # The signing key of a repository that exists for this OS (the stand-in repository's
    # test key, a real armored OpenPGP key).
    found=$(repo_exists "${url%Release.key}") || found=
    [ -n "$found" ] || { [ -z "$failing" ] && exit 0; code=22 fail "curl: (22) The requested URL returned error: 404 (no such repository for $kubic_dir)"; }
    body=$(cat /usr/local/share/e2e/repo-key.asc) ;;
  *)
    [ -z "$failing" ] && exit 0
    code=22 fail "curl: (22) The requested URL returned error: 404 (kubeprint names $url but tests/e2e/downloads has no copy)" ;;
  esac
  if [ -n "$out" ]; then
    printf '%s\n' "$body" >"$out"
  else
    printf '%s\n' "$body"
  fi
  ;;
gpg)
  # gpg --batch --yes --dearmor: the binary packets of an armored key on stdin (base64
  # between the header and the CRC line), or an error as gpg gives for anything else.
  [ "$*" = "--batch --yes --dearmor" ] || fail "gpg: e2e double knows only --batch --yes --dearmor, got: $*"
  armored=$(cat)
  case $armored in "-----BEGIN PGP PUBLIC KEY BLOCK-----"*) ;; *) code=2 fail "gpg: dearmoring failed: invalid armor header" ;; esac
  binary=$(mktemp)
  printf '%s\n' "$armored" | sed '1,/^$/d; /^=/d; /^-----END/d' | base64 -d >"$binary" 2>/dev/null ||
    code=2 fail "gpg: dearmoring failed: invalid radix64"
  is_keyring "$binary" || code=2 fail "gpg: dearmoring failed: no public key packet"
  cat "$binary"
  rm -f "$binary"
  ;;
kubeadm)
  manifests=/etc/kubernetes/manifests
  # Beside --config, kubeadm takes only the flags isAllowedFlag lists (kubernetes/
  # kubernetes commit 00d24de699fe4409b5829a5e51b73c1fc7bcba12, cmd/kubeadm/app/apis/
  # kubeadm/validation/validation.go; names from cmd/kubeadm/app/cmd/options/constant.go)
  # and any skip-*. Other versions of the function also allow cri-socket, or log-file and
  # yes (kubernetes/kubernetes PR #125566, in release-1.30 by #126422): only the flags
  # every version seen allows pass here.
  mixed_ok() {
    case $1 in
    --config | --ignore-preflight-errors | --dry-run | --kubeconfig | --node-name | \
      --kubeconfig-dir | --upload-certs | --print-join-command | --rootfs | --v | --skip-*) return 0 ;;
    esac
    return 1
  }
  sub=${1:-}
  shift || true
  case $sub in
  version)
    [ "$*" = "-o short" ] || fail "kubeadm version: unknown flags: $*"
    v=$(installed_version kubeadm)
    [ -n "$v" ] || fail "kubeadm: command not found (package not installed)"
    echo "v${v%%-*}"
    ;;
  config)
    [ "${1:-} ${2:-}" = "images pull" ] || fail "kubeadm config: unknown command ${1:-} ${2:-}"
    ;;
  init | join)
    config='' skip_token_print=''
    while [ $# -gt 0 ]; do
      flag=${1%%=*}
      mixed_ok "$flag" || fail "can not mix '--config' with arguments [${flag#--}] (or unknown flag $1)"
      [ "$flag" = --skip-token-print ] && skip_token_print=1
      if [ "$flag" = --config ]; then
        if [ "$1" = "$flag" ]; then config=${2:-}; shift; else config=${1#*=}; fi
      fi
      shift
    done
    [ -n "$config" ] || fail "kubeadm $sub: no --config"
    [ -f "$config" ] || fail "kubeadm $sub: $config: no such file"
    # kubeadm decodes the file before anything else: the conformance checker reads it as
    # the installed kubeadm would (tests/conformance/check_kubeadm.py, README there).
    # Stricter in one respect: an unknown or duplicate field, which recent init and join
    # only warn about, fails here as it fails `kubeadm config validate`.
    v=$(installed_version kubeadm)
    [ -n "$v" ] || fail "kubeadm: command not found (package not installed)"
    verdict=$(python3 /usr/local/lib/e2e/conformance/check_kubeadm.py --config "$config" \
      --kubernetes-version "${v%%-*}" --command "$sub") || fail "$verdict (kubeadm $sub refuses the file)"
    printf '# %s\n' "$verdict" >>"$transcript"
    # Preflight, as kubeadm's refuses what an earlier run left (cmd/kubeadm/app/preflight/
    # checks.go: the static Pod manifests for init, kubelet.conf for join).
    blocker=$manifests/kube-apiserver.yaml
    [ "$sub" = init ] || blocker=/etc/kubernetes/kubelet.conf
    if [ -e "$blocker" ]; then
      echo "[preflight] Some fatal errors occurred: $blocker already exists (e2e double)" >&2
      exit 1
    fi
    install -m 0600 "$config" "$recorded/kubeadm-$sub.yaml"
    if [ -e /etc/e2e-fail-kubeadm ]; then
      # Fail part-way, as when the control-plane images do not come up in time: init has
      # written its kubeconfig files, the kubelet's configuration and the static Pod
      # manifests; join its bootstrap kubeconfig, the CA certificate and the kubelet's
      # configuration.
      if [ "$sub" = init ]; then
        left=(/etc/kubernetes/admin.conf /etc/kubernetes/kubelet.conf
          "$manifests"/{etcd,kube-apiserver,kube-controller-manager,kube-scheduler}.yaml)
      else
        left=(/etc/kubernetes/bootstrap-kubelet.conf /etc/kubernetes/pki/ca.crt)
      fi
      for f in "${left[@]}" /var/lib/kubelet/config.yaml; do
        mkdir -p "$(dirname "$f")"
        printf '# e2e stand-in written by a kubeadm %s that then failed\n' "$sub" >"$f"
      done
      echo "e2e: kubeadm $sub fails on purpose after writing its files (/etc/e2e-fail-kubeadm exists)" >&2
      echo "[wait-control-plane] timed out waiting for the condition (e2e double)" >&2
      exit 1
    fi
    mkdir -p /etc/kubernetes
    if [ "$sub" = init ]; then
      conf=/etc/kubernetes/admin.conf
    else
      conf=/etc/kubernetes/kubelet.conf
    fi
    printf 'apiVersion: v1\nkind: Config\n# e2e stand-in written by the kubeadm double\n' >"$conf"
    chmod 0600 "$conf"
    if [ "$sub" = init ] && [ -z "$skip_token_print" ]; then
      # What kubeadm init prints unless --skip-token-print (cmd/kubeadm/app/cmd/phases/
      # init/bootstraptoken.go, runBootstrapToken; the join command at the end).
      token=$(sed -n "s/^[ -]*token: *'\{0,1\}\([a-z0-9]\{6\}\.[a-z0-9]\{16\}\)'\{0,1\}$/\1/p" "$config" | head -n1)
      echo "[bootstrap-token] Using token: $token"
      echo "[bootstrap-token] Configuring bootstrap tokens, cluster-info ConfigMap, RBAC Roles"
      printf '\nYour Kubernetes control-plane has initialized successfully!\n\n'
      printf 'Then you can join any number of worker nodes by running the following on each as root:\n\n'
      printf 'kubeadm join %s --token %s \\\n\t--discovery-token-ca-cert-hash sha256:%s\n' \
        "$(sed -n "s/^controlPlaneEndpoint: *'\{0,1\}\([^']*\)'\{0,1\}$/\1/p" "$config" | head -n1)" "$token" \
        "$(python3 -c 'import hashlib,sys
from cryptography import x509
from cryptography.hazmat.primitives import serialization as s
c = x509.load_pem_x509_certificate(open("/etc/kubernetes/pki/ca.crt","rb").read())
print(hashlib.sha256(c.public_key().public_bytes(s.Encoding.DER, s.PublicFormat.SubjectPublicKeyInfo)).hexdigest())' 2>/dev/null)"
    fi
    ;;
  reset)
    [ "${1:-}" = -f ] && [ "${2:-}" = --cri-socket ] && [ -n "${3:-}" ] && [ $# -eq 3 ] ||
      fail "kubeadm reset: unexpected arguments: $*"
    # What kubeadm reset's cleanup-node phase deletes (kubernetes/kubernetes commit
    # 0738386a25a2626a3f8240822b1bbfb8df852cdf, cmd/kubeadm/app/cmd/phases/reset/
    # cleanupnode.go): the contents of the manifests, kubelet and certificates
    # directories, and the kubeconfig files.
    for d in "$manifests" /var/lib/kubelet /etc/kubernetes/pki; do
      [ ! -d "$d" ] || find "$d" -mindepth 1 -delete
    done
    rm -f /etc/kubernetes/{admin,kubelet,bootstrap-kubelet,controller-manager,scheduler}.conf
    ;;
  *) fail "unknown command \"$sub\" for \"kubeadm\"" ;;
  esac
  ;;
kubectl)
  if [ "${1:-}" = --kubeconfig ] && [ "${3:-} ${4:-}" = "get node" ]; then
    # The wait for this node: kubectl reads the kubeconfig first, then the API server
    # has no Node yet on the first call, then reports it NotReady twice (its Ready
    # condition's status False), then Ready: wait loops must loop.
    [ "${6:-}" = "-o" ] && [ "${7:-}" = "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}" ] && [ $# -eq 7 ] ||
      fail "kubectl: e2e double knows only get node NAME -o jsonpath={...Ready...}, got: $*"
    [ -s "$2" ] || fail "error: stat $2: no such file or directory"
    n=$(($(cat "$recorded/node-queries" 2>/dev/null || echo 0) + 1))
    echo "$n" >"$recorded/node-queries"
    [ "$n" -ge 2 ] || fail "Error from server (NotFound): nodes \"$5\" not found"
    if [ "$n" -ge 4 ]; then printf True; else printf False; fi
    exit 0
  fi
  [ "${1:-}" = apply ] && [ "${2:-}" = -f ] && [ $# -eq 3 ] || fail "kubectl: e2e double knows only apply -f FILE, got: $*"
  kubeconfig=${KUBECONFIG:-/root/.kube/config}
  [ -s "$kubeconfig" ] || fail "error: $kubeconfig: no such file (the connection to the server localhost:8080 was refused)"
  file=$3
  # kubectl decodes every document before it applies anything.
  python3 -c 'import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d is not None]
assert docs and all(isinstance(d, dict) and d.get("kind") and d.get("apiVersion") for d in docs), "not a manifest"' "$file" ||
    fail "error: error parsing $file"
  cp "$file" "$recorded/kubectl-applied.yaml"
  # What CRI-O would hand pods when the CNI is applied: the configs it loads then.
  ls /etc/cni/net.d >"$recorded/net.d-at-cni.txt" 2>/dev/null
  ;;
crio)
  [ "${1:-}" = --version ] || fail "crio: e2e double knows only --version"
  v=$(installed_version cri-o)
  [ -n "$v" ] || fail "crio: not installed"
  printf 'crio version %s\nVersion:        %s\n' "${v%%-*}" "${v%%-*}"
  ;;
*)
  echo "e2e double: unknown name $name" >&2
  exit 2
  ;;
esac
exit 0
