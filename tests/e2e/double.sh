#!/bin/bash
# kubeprint e2e test double, installed as apt-get, apt-mark, curl, gpg, kubeadm, kubectl
# and crio in /usr/local/sbin (ahead of /usr/bin on systemd's and cloud-init's PATH).
# Each call appends `name args...` to the transcript and succeeds, doing what the real
# tool does on success where a later step depends on it. The VM has no network. While
# /etc/e2e-fail-kubeadm exists, kubeadm init and join fail part-way instead, leaving what
# the real ones leave; kubeadm reset removes it again.
set -u
name=$(basename "$0")
transcript=/var/log/e2e/transcript.log
recorded=/var/log/e2e/recorded
mkdir -p "$recorded"
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

case $name in
apt-get | apt-mark)
  exit 0
  ;;
curl)
  url=${*: -1}
  out=$(arg_after -o "$@") || out=
  # Real upstream files the test ships (tests/e2e/downloads), gzip-compressed and named
  # by their URL: https://raw.githubusercontent.com/OWNER/REPO/TAG/PATH is
  # OWNER-REPO-TAG-PATH.gz with every / turned into -.
  shipped=/usr/local/share/e2e/downloads/$(printf '%s' "${url#https://}" | sed 's|^raw\.githubusercontent\.com/||; s|/|-|g').gz
  if [ -f "$shipped" ]; then
    {
      gzip -dc "$shipped"
      # The pin check's scenario: serve altered bytes while this trigger exists.
      [ ! -e /etc/e2e-tamper-downloads ] || echo "# altered by the e2e curl double"
    } >"${out:-/dev/stdout}"
    exit 0
  fi
  case $url in
  */healthz) body=ok ;;
  *.gpg) body=$(printf 'e2e-binary-keyring-for %s' "$url") ;;
  *Release.key | *.key | *.asc)
    body=$(printf -- '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\ne2e placeholder for %s\n-----END PGP PUBLIC KEY BLOCK-----' "$url") ;;
  *.yaml | *.yml)
    # Not shipped: carries the lines kubeprint's cni step rewrites (flannel's/canal's
    # net-conf, calico's commented-out IP pool), but fails a pinned manifest's sha256.
    body=$(cat <<YAML
# e2e stand-in for $url
kind: ConfigMap
data:
  net-conf.json: |
    {
      "Network": "10.244.0.0/16",
      "Backend": {
        "Type": "vxlan"
      }
    }
---
kind: DaemonSet
spec:
  containers:
    env:
            # - name: CALICO_IPV4POOL_CIDR
            #   value: "192.168.0.0/16"
YAML
) ;;
  *) body="e2e stand-in for $url" ;;
  esac
  if [ -n "$out" ]; then
    printf '%s\n' "$body" >"$out"
  else
    printf '%s\n' "$body"
  fi
  ;;
gpg)
  # gpg --dearmor: binary keyring on stdout.
  cat >/dev/null
  printf '\x99\x01\x0de2e-dearmored-keyring'
  ;;
kubeadm)
  manifests=/etc/kubernetes/manifests
  case ${1:-} in
  version) echo v0.0.0-e2e-double ;;
  init | join)
    config=$(arg_after --config "$@") || { echo "kubeadm $1: no --config" >&2; exit 2; }
    # Preflight, as kubeadm's refuses what an earlier run left (cmd/kubeadm/app/preflight/
    # checks.go: the static Pod manifests for init, kubelet.conf for join).
    blocker=$manifests/kube-apiserver.yaml
    [ "$1" = init ] || blocker=/etc/kubernetes/kubelet.conf
    if [ -e "$blocker" ]; then
      echo "[preflight] Some fatal errors occurred: $blocker already exists (e2e double)" >&2
      exit 1
    fi
    cp "$config" "$recorded/kubeadm-$1.yaml"
    if [ -e /etc/e2e-fail-kubeadm ]; then
      # Fail part-way, as when the control-plane images do not come up in time: init has
      # written its kubeconfig files, the kubelet's configuration and the static Pod
      # manifests; join its bootstrap kubeconfig, the CA certificate and the kubelet's
      # configuration.
      if [ "$1" = init ]; then
        left=(/etc/kubernetes/admin.conf /etc/kubernetes/kubelet.conf
          "$manifests"/{etcd,kube-apiserver,kube-controller-manager,kube-scheduler}.yaml)
      else
        left=(/etc/kubernetes/bootstrap-kubelet.conf /etc/kubernetes/pki/ca.crt)
      fi
      for f in "${left[@]}" /var/lib/kubelet/config.yaml; do
        mkdir -p "$(dirname "$f")"
        printf '# e2e stand-in written by a kubeadm %s that then failed\n' "$1" >"$f"
      done
      echo "e2e: kubeadm $1 fails on purpose after writing its files (/etc/e2e-fail-kubeadm exists)" >&2
      echo "[wait-control-plane] timed out waiting for the condition (e2e double)" >&2
      exit 1
    fi
    mkdir -p /etc/kubernetes
    if [ "$1" = init ]; then
      conf=/etc/kubernetes/admin.conf
    else
      conf=/etc/kubernetes/kubelet.conf
    fi
    printf 'apiVersion: v1\nkind: Config\n# e2e stand-in written by the kubeadm double\n' >"$conf"
    chmod 0600 "$conf"
    ;;
  reset)
    # What kubeadm reset's cleanup-node phase deletes (kubernetes/kubernetes commit
    # 0738386a25a2626a3f8240822b1bbfb8df852cdf, cmd/kubeadm/app/cmd/phases/reset/
    # cleanupnode.go): the contents of the manifests, kubelet and certificates
    # directories, and the kubeconfig files.
    for d in "$manifests" /var/lib/kubelet /etc/kubernetes/pki; do
      [ ! -d "$d" ] || find "$d" -mindepth 1 -delete
    done
    rm -f /etc/kubernetes/{admin,kubelet,bootstrap-kubelet,controller-manager,scheduler}.conf
    ;;
  esac
  ;;
kubectl)
  file=$(arg_after -f "$@") && cp "$file" "$recorded/kubectl-applied.yaml"
  ;;
crio)
  [ "${1:-}" = --version ] && printf 'crio version 0.0.0-e2e\nVersion:        0.0.0-e2e\n'
  ;;
*)
  echo "e2e double: unknown name $name" >&2
  exit 2
  ;;
esac
exit 0
