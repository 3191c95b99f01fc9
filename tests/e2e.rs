//! End-to-end: boot real Debian 12 (bookworm) and Debian 13 (trixie) VMs (real kernel,
//! systemd and cloud-init) with kubeprint's rendered user-data, unmodified, as their
//! NoCloud seed, and check what the bundle did to the machine by reading the guest disk
//! afterwards. Each suite's root filesystem is built once with debootstrap and cached in
//! `target/e2e-cache/`.
//!
//! Needs root, `debootstrap` (with a debian-archive-keyring that has the Debian 13 keys),
//! `qemu-system-x86_64`, `mkfs.ext4`/`debugfs` (e2fsprogs), `mkswap`, `useradd`, `gpg`
//! and `unshare`, and the Debian mirror apt uses on this machine. `.ci/run` installs
//! them. Run with:
//!
//! ```sh
//! cargo test --release --test e2e -- --ignored
//! ```
//!
//! The VM has no network. Test doubles in `/usr/local/sbin` (ahead of `/usr/bin` on the
//! PATH systemd gives cloud-init) stand in for apt-get, apt-mark, curl, gpg, kubeadm,
//! kubectl, kubelet, crio and crictl, record every call in `/var/log/e2e/transcript.log`, refuse what the
//! real tools refuse (README's end-to-end section lists it) and otherwise succeed (but
//! for kubeadm init or join while the test's trigger file exists: they fail part-way,
//! leaving what the real ones leave, which the double's kubeadm reset removes);
//! everything else is real: swapoff on a real swap file, modprobe of the kernel's modules,
//! `sysctl --system`, write_files with modes, systemd units, the bundle's runner, and the
//! CNI manifests: the curl double serves the real upstream files, so the node's sha256
//! check against kubeprint's pins and its pod-subnet rewrite run on the real bytes. The
//! harness files live in `tests/e2e/`:
//!
//! - `double.sh`: the multi-call test double (dispatches on its name). Its kubeadm runs
//!   `tests/conformance/check_kubeadm.py` (copied into the image) on the `--config` it is
//!   given; its apt-get checks each repository's InRelease with gpgv.
//! - `repos.rs`: what the doubles serve, from kubeprint's facts (the URLs curl answers,
//!   the InRelease files signed with `repo-key.TEST-ONLY-secret.asc`, whose public part
//!   is `repo-key.asc`).
//! - `standins.rs`: the doubles' refusals, run without a VM in a mount namespace.
//! - `aws-double.py` + `e2e-aws-double.service`: the AWS and artifact store stand-in of
//!   the delivery scenarios (botocore checks every signature; python3-botocore is in the
//!   root filesystem for this).
//! - `downloads/`: the upstream files the curl double serves, gzip-compressed and named
//!   after their URL (`https://raw.githubusercontent.com/OWNER/REPO/TAG/PATH` is
//!   `OWNER-REPO-TAG-PATH.gz`, `/` turned into `-`); the unit test
//!   `cached_downloads_match_their_pins` (src/model/matrix/tests.rs) checks each against
//!   the release matrix without booting anything.
//! - `crio.service`, `kubelet.service`: stand-in units so `systemctl enable --now` works.
//! - `e2e-boot.service` + `boot.sh`: counts boots and marks each in the transcript.
//! - `e2e-finish.service` + `finish.sh`: after cloud-final.service, optionally resumes a
//!   failed bundle by hand (first with altered downloads, if the test asked for that),
//!   writes lsmod/sysctl/swap/unit state, then powers off.
//! - `e2e-upgrade.service` + `upgrade-run.sh` (the upgrade scenario): after the bootstrap,
//!   run the upgrade bundles in `/root/upgrade` as an operator would (`upgrade.sh`,
//!   `admin/drain.sh`, `upgrade.sh`, `admin/uncordon.sh`).
//! - `baked.rs` (the baked-image scenario): `boot.sh` holds the seed back on the image
//!   build's boot and `finish.sh` runs `out/packer/scripts/*.sh` there, then returns it.
//!   Every boot's cloud-init seconds go to `target/e2e-cache/boot-times.tsv`.
//! - `90-e2e.cfg`: `datasource_list: [NoCloud, None]` (cloud.cfg.d, not user-data).
//!
//! Environment: `KUBEPRINT_E2E_MIRROR` overrides the Debian mirror, `KUBEPRINT_E2E_ACCEL`
//! the QEMU accelerator (default `tcg`: a KVM guest hung on the machines this was
//! written on).

#[path = "e2e/assertions.rs"]
mod assertions;
#[path = "e2e/baked.rs"]
mod baked;
#[path = "e2e/calico.rs"]
mod calico;
mod common;
#[path = "e2e/containerd.rs"]
mod containerd;
#[path = "e2e/debian13.rs"]
mod debian13;
#[path = "e2e/delivery.rs"]
mod delivery;
#[path = "e2e/guide.rs"]
mod guide;
#[path = "e2e/harness.rs"]
mod harness;
#[path = "e2e/options.rs"]
mod options;
#[path = "e2e/repos.rs"]
mod repos;
#[path = "e2e/scenarios.rs"]
mod scenarios;
#[path = "e2e/standins.rs"]
mod standins;
#[path = "e2e/upgrade.rs"]
mod upgrade;

use std::collections::BTreeSet;
use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

use kubeprint::Artifacts;

use assertions::*;
use harness::*;
use scenarios::*;
