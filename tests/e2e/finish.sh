#!/bin/bash
# e2e harness (e2e-finish.service, after cloud-final.service): resume a failed bundle by
# hand when the test asked for it, write the node's state for the test to read from the
# disk, then power off.
set -u
log=/var/log/e2e
state=$log/state.txt
mkdir -p "$log"

resume() {
  echo "# harness: bash /usr/local/lib/kubeprint/bootstrap.sh" >>"$log/transcript.log"
  bash /usr/local/lib/kubeprint/bootstrap.sh
}

# The failure scenario: its first boot fails a step on purpose; the test then removes the
# trigger from the disk, and this boot re-runs the bundle as an operator would.
if [ -e /etc/e2e-resume-on-boot ] && [ -e /var/lib/kubeprint/failed ] && [ ! -e /etc/e2e-fail-kubeadm ]; then
  # While the curl double alters downloads, the resumed run must stop at the pinned CNI
  # manifest: keep what it left, stop the tampering and resume once more.
  if [ -e /etc/e2e-tamper-downloads ]; then
    resume
    echo "$?" >"$log/tampered-exit"
    cp /var/lib/kubeprint/failed "$log/tampered-failed"
    rm -f /etc/e2e-tamper-downloads
  fi
  resume
  echo "$?" >"$log/resume-exit"
fi

# The baked-image scenario's first boot: run the image build's scripts as Packer's shell
# provisioner does (`sudo -E bash SCRIPT`, in order, stopping at a failure; the last is
# the sysprep), then give the disk its seed back for the boot from the image.
if [ -e /etc/e2e-bake ]; then
  for script in /usr/local/lib/e2e/packer/*.sh; do
    echo "# bake: ${script##*/}" >>"$log/transcript.log"
    bash "$script" >>"$log/bake.log" 2>&1 || { echo "${script##*/} exit $?" >"$log/bake-failed"; break; }
  done
  rm -f /etc/e2e-bake
  mv /var/lib/e2e-held-seed /var/lib/cloud/seed/nocloud
fi

{
  echo "## boot $(cat "$log/boots" 2>/dev/null)"
  echo "## lsmod"
  lsmod | awk 'NR > 1 {print $1}' | sort
  echo "## sysctl"
  for key in net.bridge.bridge-nf-call-iptables net.bridge.bridge-nf-call-ip6tables net.ipv4.ip_forward; do
    echo "$key = $(sysctl -n "$key" 2>&1)"
  done
  echo "## swaps"
  tail -n +2 /proc/swaps
  echo "## units"
  for unit in crio kubelet containerd; do
    echo "$unit $(systemctl is-enabled "$unit" 2>&1) $(systemctl is-active "$unit" 2>&1)"
  done
  # The real containerd (bookworm's), where a bundle configured it: its version, the
  # configuration as it reads it, the CRI configuration the running daemon logged at
  # start, and whether it answers on its socket.
  if grep -qs '^# Written by kubeprint' /etc/containerd/config.toml; then
    echo "## containerd"
    containerd --version 2>&1
    echo "## containerd config dump"
    containerd config dump 2>&1
    echo "## containerd cri start"
    journalctl -b -u containerd -o cat --no-pager 2>/dev/null | grep -m1 'Start cri plugin with config' |
      grep -o 'SandboxImage:[^ ]*\|Options:map\[SystemdCgroup:[a-z]*\]\|ConfigPath:[^ ]*' | sort -u
    echo "## ctr version"
    ctr --address /run/containerd/containerd.sock version 2>&1
    echo "## ctr plugins"
    ctr --address /run/containerd/containerd.sock plugins ls 2>&1 | awk '$2 == "cri" {print $1, $2, $NF}'
  fi
  echo "## token"
  # The bootstrap token (from the kubeadm configuration kubeadm got, which the kubeadm
  # double keeps root-only: a complete node removes its own copy) must be in no
  # world-readable file and not in the journal. Only paths and counts are written.
  token=$(sed -n "s/^[ -]*token: *'\{0,1\}\([a-z0-9]\{6\}\.[a-z0-9]\{16\}\)'\{0,1\}$/\1/p" \
    /var/log/e2e/recorded/kubeadm-init.yaml /var/log/e2e/recorded/kubeadm-join.yaml 2>/dev/null | head -n1)
  if [ -n "$token" ]; then
    echo "known"
    # Where a bundle writes (not /usr, /proc, /sys: packages and the kernel).
    find /etc /var /home /root /tmp /opt /srv /usr/local -xdev \( -path /var/log/e2e/recorded \
      -o -path /var/cache -o -path /var/lib/apt -o -path /var/lib/dpkg \) -prune \
      -o -type f -perm -o=r -size -20M -print0 2>/dev/null | xargs -0 -r grep -lF -- "$token" 2>/dev/null |
      sed 's/^/world-readable: /'
    echo "journal: $(journalctl -b -o cat --no-pager 2>/dev/null | grep -cF -- "$token")"
  fi
  echo "## cloud-init"
  cloud-init status --long 2>&1
  echo "## end"
} >"$state" 2>&1
sync
echo "e2e harness: state written, powering off"
systemctl poweroff --no-block
