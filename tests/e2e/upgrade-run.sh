#!/bin/bash
# e2e harness (e2e-upgrade.service, after cloud-final.service and before
# e2e-finish.service): once the bootstrap is done, run the upgrade bundles in
# /root/upgrade as an operator would on this node, every status line into the
# transcript beside the doubles' calls. /etc/e2e-upgrade names the role's bundle.
# A worker's VM has no network to the control plane's: the API state the doubles
# share (kubeadm-config, the control plane's node) is carried over from the control
# plane's disk in /usr/local/share/e2e/api-seed, and its admin.conf with it.
set -u
transcript=/var/log/e2e/transcript.log
up=/root/upgrade
role=$(cat /etc/e2e-upgrade)
node=$(hostname | tr '[:upper:]' '[:lower:]')
seed=/usr/local/share/e2e/api-seed

note() { printf '# operator: %s\n' "$*" >>"$transcript"; }
# run COMMAND...: stdout and stderr straight into the transcript (appends, so in order
# with the doubles' own lines), then the exit code.
run() {
  note "$*"
  "$@" >>"$transcript" 2>&1
  printf '# exit %s\n' "$?" >>"$transcript"
}

[ -f /var/lib/kubeprint/complete ] || { note "bootstrap not complete: no upgrade"; exit 0; }
admin=/etc/kubernetes/admin.conf
if [ "$role" = worker ]; then
  note "the control plane has been upgraded: its API state arrives"
  cp "$seed/kubeadm-config" /var/lib/e2e-api/kubeadm-config
  cp "$seed/node" "/var/lib/e2e-api/nodes/$(cat "$seed/node-name")"
  admin=$seed/admin.conf
fi
run bash "$up/$role/upgrade.sh"
if [ -e /etc/e2e-fail-upgrade-apply ]; then
  run cat /var/lib/kubeprint/upgrade-*/failed
  rm -f /etc/e2e-fail-upgrade-apply
  note "removed /etc/e2e-fail-upgrade-apply"
  run bash "$up/$role/upgrade.sh"
fi
run env KUBECONFIG="$admin" bash "$up/admin/drain.sh" "$node"
run bash "$up/$role/upgrade.sh"
run env KUBECONFIG="$admin" bash "$up/admin/uncordon.sh" "$node"
run bash "$up/$role/upgrade.sh"
# What the worker's VM needs of this one's API state.
if [ "$role" = control-plane ]; then
  mkdir -p /var/log/e2e/api-export
  cp /var/lib/e2e-api/kubeadm-config /etc/kubernetes/admin.conf /var/log/e2e/api-export/
  printf '%s' "$node" >/var/log/e2e/api-export/node-name
  printf 'role=control-plane\nkubeletVersion=%s\nready=True\n' "$(kubelet --version | awk '{print $2}')" \
    >/var/log/e2e/api-export/node
fi
