//! The VM harness: root filesystems built once with debootstrap (cached under
//! `target/e2e-cache/`), a scenario's disk image made from one (doubles, harness units,
//! NoCloud seed, swap file), booting it under QEMU, and reading the guest disk afterwards
//! with debugfs. In: a [`Scenario`]; out: a booted [`Vm`] to assert on.

use super::*;

/// The Debian releases the scenarios boot, each from its own cached root filesystem.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Suite {
    /// Debian 12.
    Bookworm,
    /// Debian 13.
    Trixie,
}

impl Suite {
    pub(crate) const ALL: [Suite; 2] = [Suite::Bookworm, Suite::Trixie];

    pub(crate) fn codename(self) -> &'static str {
        match self {
            Suite::Bookworm => "bookworm",
            Suite::Trixie => "trixie",
        }
    }

    /// debootstrap --include: what a cloud image has that the bundle or cloud-init use.
    /// debootstrap does not resolve virtual packages: python3-cryptography (cloud-init's)
    /// depends on the virtual python3-cffi-backend-api-*, so the package providing it is
    /// named. The cloud kernel has virtio and the modules the bundle loads. Trixie's
    /// minbase lacks e2fsprogs (priority required in bookworm, important in trixie):
    /// cloud-init's resizefs fails without resize2fs. Not on a node, for the stand-ins:
    /// python3-botocore (the AWS stand-in checks SigV4 with botocore's signer). Bookworm
    /// also gets Debian's real containerd (1.6.20, with runc), which the containerd
    /// scenario's step configures and starts; every image has it disabled until then.
    /// The package list is part of the cache key, so a change here rebuilds the cache.
    pub(crate) fn packages(self) -> String {
        let common = "systemd-sysv,cloud-init,python3-cffi-backend,kmod,udev,\
                      linux-image-cloud-amd64,initramfs-tools,procps,python3-botocore";
        match self {
            Suite::Bookworm => format!("{common},containerd"),
            // apt verifies with sqv here; the apt stand-in verifies with gpgv, as bookworm's.
            Suite::Trixie => format!("{common},e2fsprogs,gpgv"),
        }
    }
}

/// Hard limit for one boot; a boot takes 70-120 s under TCG on idle cores, and over 600 s
/// when the two cores are shared with other builds.
pub(crate) const QEMU_TIMEOUT: Duration = Duration::from_secs(1200);
/// At most this many VMs at a time (the CI machine has 2 cores).
pub(crate) const MAX_PARALLEL_BOOTS: usize = 2;
pub(crate) const FAIL_TRIGGER: &str = "/etc/e2e-fail-kubeadm";
/// While this exists on the guest, the curl double alters the files it serves from
/// `tests/e2e/downloads/` (the harness removes it after one resumed run).
pub(crate) const TAMPER_TRIGGER: &str = "/etc/e2e-tamper-downloads";
/// The line the curl double appends to what it serves while tampering.
pub(crate) const TAMPER_LINE: &str = "# altered by the e2e curl double\n";
/// Real upstream files the curl double serves, gzip-compressed, named by URL.
pub(crate) const DOWNLOADS: &str = "tests/e2e/downloads";

pub(crate) const DOUBLE: &str = include_str!("double.sh");
pub(crate) const DOUBLES: [&str; 9] = [
    "apt-get", "apt-mark", "curl", "gpg", "kubeadm", "kubectl", "kubelet", "crio", "crictl",
];
/// The stand-in repositories' signing key: a real armored OpenPGP public key (made for
/// these tests, ed25519) that the curl double serves as every `Release.key` and the gpg
/// double dearmors, so a keyring is real OpenPGP data as apt's signed-by needs; the apt
/// double checks each InRelease against it with gpgv (the private part signs them, see
/// repos.rs).
pub(crate) const REPO_KEY: &str = include_str!("repo-key.asc");
pub(crate) const BOOT_SH: &str = include_str!("boot.sh");
pub(crate) const FINISH_SH: &str = include_str!("finish.sh");
pub(crate) const BOOT_UNIT: &str = include_str!("e2e-boot.service");
pub(crate) const FINISH_UNIT: &str = include_str!("e2e-finish.service");
pub(crate) const CRIO_UNIT: &str = include_str!("crio.service");
pub(crate) const KUBELET_UNIT: &str = include_str!("kubelet.service");
pub(crate) const CLOUD_CFG: &str = include_str!("90-e2e.cfg");
pub(crate) const FSTAB: &str =
    "/dev/vda / ext4 rw,errors=remount-ro 0 0\n/swapfile none swap sw 0 0\n";

pub(crate) fn cache_dir() -> PathBuf {
    common::root().join("target/e2e-cache")
}

// ---------------------------------------------------------------------------------------
// Host commands

pub(crate) fn run(cmd: &mut Command) -> String {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e} (is it installed? see .ci/run)"));
    if !out.status.success() {
        panic!(
            "{cmd:?} failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub(crate) fn write(path: &Path, contents: &str, mode: u32) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, contents).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

// ---------------------------------------------------------------------------------------
// The base root filesystem, built once with debootstrap and cached between runs.

pub(crate) struct Base {
    pub(crate) root: PathBuf,
    pub(crate) kernel: PathBuf,
    pub(crate) initrd: PathBuf,
}

/// The Debian mirror apt on this machine uses for `suite` (one-line `.list` files and
/// deb822 `.sources` files), else the one it uses for another of the suites (a mirror
/// carries them all), or `KUBEPRINT_E2E_MIRROR`.
pub(crate) fn debian_mirror(suite: Suite) -> String {
    if let Ok(m) = std::env::var("KUBEPRINT_E2E_MIRROR") {
        return m;
    }
    let others = Suite::ALL.into_iter().filter(|s| *s != suite);
    std::iter::once(suite)
        .chain(others)
        .find_map(|s| apt_mirror_for(s.codename()))
        .unwrap_or_else(|| "http://deb.debian.org/debian".to_string())
}

/// The first `deb` URI apt's sources on this machine give for `suite`.
pub(crate) fn apt_mirror_for(suite: &str) -> Option<String> {
    let mut files = vec![PathBuf::from("/etc/apt/sources.list")];
    if let Ok(dir) = fs::read_dir("/etc/apt/sources.list.d") {
        let mut more: Vec<PathBuf> = dir.map(|e| e.unwrap().path()).collect();
        more.sort();
        files.extend(more);
    }
    for file in files {
        let name = file.to_string_lossy().into_owned();
        let Ok(text) = fs::read_to_string(&file) else {
            continue;
        };
        if name.ends_with(".sources") {
            for stanza in text.split("\n\n") {
                let field = |key: &str| {
                    stanza.lines().find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.trim()
                            .eq_ignore_ascii_case(key)
                            .then(|| v.trim().to_string())
                    })
                };
                let enabled = field("Enabled").is_none_or(|v| v != "no");
                let deb = field("Types").is_some_and(|t| t.split_whitespace().any(|t| t == "deb"));
                let listed =
                    field("Suites").is_some_and(|s| s.split_whitespace().any(|s| s == suite));
                if enabled
                    && deb
                    && listed
                    && let Some(uri) =
                        field("URIs").and_then(|u| u.split_whitespace().next().map(String::from))
                {
                    return Some(uri);
                }
            }
        } else if name.ends_with(".list") || name.ends_with("sources.list") {
            for line in text.lines() {
                let words: Vec<&str> = line
                    .split_whitespace()
                    .filter(|w| !w.starts_with('['))
                    .collect();
                // deb [options] URI SUITE COMPONENTS...
                if words.len() >= 3 && words[0] == "deb" && words[2] == suite {
                    return Some(words[1].to_string());
                }
            }
        }
    }
    None
}

/// The base root filesystem of `suite`. The first test to need one builds every suite's
/// root filesystem that is not cached yet, side by side (debootstrap mostly waits on the
/// mirror and on dpkg), so a cold cache costs one build's time, not one per suite. A
/// suite that failed to build fails only the tests that boot it.
pub(crate) fn base(suite: Suite) -> &'static Base {
    static BASES: OnceLock<Vec<Result<Base, String>>> = OnceLock::new();
    let bases = BASES.get_or_init(|| {
        std::thread::scope(|scope| {
            let builds: Vec<_> = Suite::ALL
                .into_iter()
                .map(|s| scope.spawn(move || build_base(s)))
                .collect();
            builds
                .into_iter()
                .map(|b| {
                    b.join().map_err(|panic| {
                        panic
                            .downcast_ref::<String>()
                            .cloned()
                            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                            .unwrap_or_default()
                    })
                })
                .collect()
        })
    });
    let i = Suite::ALL.iter().position(|s| *s == suite).unwrap();
    match &bases[i] {
        Ok(base) => base,
        Err(e) => panic!("the {} root filesystem: {e}", suite.codename()),
    }
}

pub(crate) fn build_base(suite: Suite) -> Base {
    let codename = suite.codename();
    let cache = cache_dir();
    fs::create_dir_all(&cache).unwrap();
    // Several test processes may share the cache: one builds, the others wait.
    let lock = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(cache.join(format!("rootfs-{codename}.lock")))
        .unwrap();
    rustix::fs::flock(&lock, rustix::fs::FlockOperation::LockExclusive).unwrap();

    let root = cache.join(format!("rootfs-{codename}"));
    let stamp = cache.join(format!("rootfs-{codename}.stamp"));
    let mirror = debian_mirror(suite);
    let args: Vec<String> = vec![
        "--variant=minbase".into(),
        format!("--include={}", suite.packages()),
        codename.into(),
        root.to_string_lossy().into_owned(),
        mirror.clone(),
    ];
    let key = format!("debootstrap {}\n", args.join(" "));
    if fs::read_to_string(&stamp).ok().as_deref() != Some(&key) {
        eprintln!(
            "e2e: building the {codename} root filesystem with debootstrap from {mirror} (about 2.5 minutes)"
        );
        let started = Instant::now();
        let _ = fs::remove_file(&stamp);
        if root.exists() {
            run(Command::new("rm").arg("-rf").arg(&root));
        }
        let log = cache.join(format!("debootstrap-{codename}.log"));
        let err = cache.join(format!("debootstrap-{codename}.err"));
        let out = Command::new("debootstrap")
            .args(&args)
            .stdin(Stdio::null())
            .stdout(fs::File::create(&log).unwrap())
            .stderr(fs::File::create(&err).unwrap())
            .status()
            .expect("cannot run debootstrap (is it installed? see .ci/run)");
        if !out.success() {
            let tail = tail_file(&log, 40) + &tail_file(&err, 40);
            panic!("debootstrap {codename} failed ({out}); last lines of its log:\n{tail}");
        }
        fs::write(&stamp, &key).unwrap();
        eprintln!(
            "e2e: {codename} root filesystem built in {} s",
            started.elapsed().as_secs()
        );
    }

    let boot = root.join("boot");
    let find = |prefix: &str| {
        let mut found: Vec<PathBuf> = fs::read_dir(&boot)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with(prefix))
            .collect();
        found.sort();
        found
            .pop()
            .unwrap_or_else(|| panic!("no {prefix}* in {}", boot.display()))
    };
    let kernel = find("vmlinuz-");
    let initrd = find("initrd.img-");
    // The modules of the booted kernel must be in the image (modprobe overlay/br_netfilter),
    // plain (bookworm) or xz-compressed (trixie).
    let version = kernel.file_name().unwrap().to_string_lossy()["vmlinuz-".len()..].to_string();
    for module in [
        "kernel/fs/overlayfs/overlay.ko",
        "kernel/net/bridge/br_netfilter.ko",
    ] {
        let path = root.join("lib/modules").join(&version).join(module);
        assert!(
            ["", ".xz", ".zst"]
                .iter()
                .any(|ext| Path::new(&format!("{}{ext}", path.display())).exists()),
            "{}[.xz|.zst] is missing from the image",
            path.display()
        );
    }
    Base {
        root,
        kernel,
        initrd,
    }
}

// ---------------------------------------------------------------------------------------
// Scenarios: a per-scenario image built from the base root filesystem.

pub(crate) struct Scenario {
    /// Snapshot and directory name, e.g. `default-control-plane`.
    pub(crate) name: &'static str,
    pub(crate) suite: Suite,
    pub(crate) artifacts: Artifacts,
    /// The cluster's `admin_user`, created in the image as the cloud image's login user
    /// would be.
    pub(crate) admin_user: &'static str,
    /// What the control plane's cni step must apply.
    pub(crate) cni: CniManifest,
    /// `control-plane` or `worker`.
    pub(crate) role: &'static str,
    pub(crate) hostname: &'static str,
    /// Make the kubeadm double fail until the test removes the trigger from the disk, and
    /// let the harness re-run the bundle by hand on the next boot.
    pub(crate) fail_kubeadm: bool,
    /// Also make the curl double alter the files it serves until the harness's first
    /// resumed run has failed on them (with `fail_kubeadm`).
    pub(crate) tamper_downloads: bool,
    /// The rendered file seeded as user-data, e.g. `user-data.yaml` or its gzip twin
    /// `user-data.yaml.gz` (what EC2 gets when the text is over its 16 KiB limit).
    pub(crate) user_data_file: &'static str,
    /// More files for the image and units to enable (the delivery doubles).
    pub(crate) extra: Vec<Extra>,
}

/// Something a scenario adds to the image.
pub(crate) enum Extra {
    /// A file under the root filesystem: relative path, content, mode.
    File(String, Vec<u8>, u32),
    /// `(wants, unit)`: link /etc/systemd/system/UNIT into WANTS.wants/.
    Enable(&'static str, &'static str),
}

/// A CNI manifest as the node must apply it: a file of `tests/e2e/downloads/` (the real
/// upstream bytes kubeprint pins) with literal replacements, the test's own statement of
/// what makes the manifest agree with the pod subnet.
pub(crate) struct CniManifest {
    pub(crate) plugin: &'static str,
    pub(crate) download: &'static str,
    pub(crate) rewrites: &'static [(&'static str, &'static str)],
}

impl CniManifest {
    /// The upstream bytes the curl double serves.
    pub(crate) fn upstream(&self) -> String {
        let path = format!("{DOWNLOADS}/{}", self.download);
        let bytes = fs::read(common::root().join(&path)).unwrap();
        common::plain_text(&path, &bytes)
    }

    pub(crate) fn expected(&self) -> String {
        let upstream = self.upstream();
        let mut text = upstream.clone();
        for (from, to) in self.rewrites {
            assert_eq!(text.matches(from).count(), 1, "{from} in {}", self.download);
            text = text.replace(from, to);
        }
        assert_eq!(self.rewrites.is_empty(), text == upstream);
        text
    }
}

pub(crate) struct Vm {
    pub(crate) name: &'static str,
    pub(crate) base: &'static Base,
    pub(crate) dir: PathBuf,
    pub(crate) disk: PathBuf,
    pub(crate) boots: u32,
}

pub(crate) fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path(common::root().join("snapshots/e2e"));
    s.set_prepend_module_to_snapshot(false);
    s.set_omit_expression(true);
    s
}

impl Scenario {
    pub(crate) fn user_data(&self) -> Vec<u8> {
        let path = format!("{}/{}", self.role, self.user_data_file);
        let artifact = self
            .artifacts
            .get(&path)
            .unwrap_or_else(|| panic!("{path} was not rendered"));
        artifact.bytes.clone()
    }

    /// Step ids (`01-disable-swap`, ...) in order, from the rendered `steps/` files.
    pub(crate) fn steps(&self) -> Vec<String> {
        let prefix = format!("{}/steps/", self.role);
        self.artifacts
            .keys()
            .filter_map(|k| {
                k.strip_prefix(&prefix)?
                    .strip_suffix(".sh")
                    .map(String::from)
            })
            .collect()
    }

    /// Copies the base root filesystem, installs the harness and the seed, and makes the
    /// disk image with `mkfs.ext4 -d` (no loop mounts).
    pub(crate) fn build_image(&self) -> Vm {
        let base = base(self.suite);
        let dir = cache_dir().join("runs").join(self.name);
        if dir.exists() {
            run(Command::new("rm").arg("-rf").arg(&dir));
        }
        fs::create_dir_all(&dir).unwrap();
        let root = dir.join("root");
        run(Command::new("cp").arg("-a").arg(&base.root).arg(&root));

        // Debian's containerd (bookworm) stays off until a bundle enables it, as on a
        // machine where it is not installed yet.
        let _ = fs::remove_file(
            root.join("etc/systemd/system/multi-user.target.wants/containerd.service"),
        );
        // Test doubles, first on PATH (systemd's default PATH starts with /usr/local/sbin).
        for name in DOUBLES {
            write(&root.join("usr/local/sbin").join(name), DOUBLE, 0o755);
        }
        for path in common::walk(&common::root().join(DOWNLOADS)) {
            let to = root
                .join("usr/local/share/e2e/downloads")
                .join(path.file_name().unwrap());
            fs::create_dir_all(to.parent().unwrap()).unwrap();
            fs::copy(&path, &to).unwrap();
        }
        // The conformance checker, which the kubeadm double runs on the file it is given.
        let conformance = common::root().join("tests/conformance");
        for path in common::walk(&conformance) {
            let rel = path.strip_prefix(&conformance).unwrap();
            if rel.starts_with("upstream") || rel == Path::new("check_kubeadm.py") {
                let to = root.join("usr/local/lib/e2e/conformance").join(rel);
                fs::create_dir_all(to.parent().unwrap()).unwrap();
                fs::copy(&path, &to).unwrap();
            }
        }
        write(
            &root.join("usr/local/share/e2e/repo-key.asc"),
            REPO_KEY,
            0o644,
        );
        let added = self.extra.iter().filter_map(|e| match e {
            Extra::File(_, bytes, _) => Some(bytes.as_slice()),
            Extra::Enable(..) => None,
        });
        repos::install(&root, &self.artifacts, added);
        write(&root.join("usr/local/lib/e2e/boot.sh"), BOOT_SH, 0o755);
        write(&root.join("usr/local/lib/e2e/finish.sh"), FINISH_SH, 0o755);
        // Stand-in units where packages would install theirs.
        write(
            &root.join("usr/local/lib/systemd/system/crio.service"),
            CRIO_UNIT,
            0o644,
        );
        write(
            &root.join("usr/local/lib/systemd/system/kubelet.service"),
            KUBELET_UNIT,
            0o644,
        );
        // Harness units, enabled by hand (what `systemctl enable` would link).
        let units = root.join("etc/systemd/system");
        write(&units.join("e2e-boot.service"), BOOT_UNIT, 0o644);
        write(&units.join("e2e-finish.service"), FINISH_UNIT, 0o644);
        for (wants, unit) in [
            ("sysinit.target.wants", "e2e-boot.service"),
            ("cloud-final.service.wants", "e2e-finish.service"),
        ] {
            fs::create_dir_all(units.join(wants)).unwrap();
            std::os::unix::fs::symlink(
                format!("/etc/systemd/system/{unit}"),
                units.join(wants).join(unit),
            )
            .unwrap();
        }
        write(
            &root.join("etc/cloud/cloud.cfg.d/90-e2e.cfg"),
            CLOUD_CFG,
            0o644,
        );

        for extra in &self.extra {
            match extra {
                Extra::File(path, bytes, mode) => {
                    let to = root.join(path);
                    fs::create_dir_all(to.parent().unwrap()).unwrap();
                    fs::write(&to, bytes).unwrap();
                    fs::set_permissions(&to, fs::Permissions::from_mode(*mode)).unwrap();
                }
                Extra::Enable(wants, unit) => {
                    let dir = units.join(format!("{wants}.wants"));
                    fs::create_dir_all(&dir).unwrap();
                    std::os::unix::fs::symlink(
                        format!("/etc/systemd/system/{unit}"),
                        dir.join(unit),
                    )
                    .unwrap();
                }
            }
        }

        // NoCloud seed: kubeprint's user-data, byte for byte.
        let seed = root.join("var/lib/cloud/seed/nocloud");
        fs::create_dir_all(&seed).unwrap();
        // Root-only, as cloud-init keeps its copies (/var/lib/cloud/instance/user-data.txt):
        // it holds the token.
        fs::write(seed.join("user-data"), self.user_data()).unwrap();
        fs::set_permissions(seed.join("user-data"), fs::Permissions::from_mode(0o600)).unwrap();
        let meta = format!(
            "instance-id: e2e-{}\nlocal-hostname: {}\n",
            self.name, self.hostname
        );
        write(&seed.join("meta-data"), &meta, 0o600);

        // A real swap file that systemd activates from fstab at boot. Not zeros: mkfs.ext4
        // -d turns zero blocks into holes, and swapon refuses files with holes.
        write(&root.join("etc/fstab"), FSTAB, 0o644);
        let mut swap = fs::OpenOptions::new()
            .create(true)
            .truncate(true)
            .write(true)
            .mode(0o600)
            .open(root.join("swapfile"))
            .unwrap();
        swap.write_all(&vec![0xa5u8; 32 << 20]).unwrap();
        drop(swap);
        run(Command::new("mkswap").arg(root.join("swapfile")));

        // The cluster's admin_user, as the cloud image's login user would be.
        run(Command::new("useradd").arg("--root").arg(&root).args([
            "-m",
            "-s",
            "/bin/bash",
            self.admin_user,
        ]));

        if self.fail_kubeadm {
            write(&root.join(FAIL_TRIGGER.trim_start_matches('/')), "", 0o644);
            write(&root.join("etc/e2e-resume-on-boot"), "", 0o644);
        }
        if self.tamper_downloads {
            write(
                &root.join(TAMPER_TRIGGER.trim_start_matches('/')),
                "",
                0o644,
            );
        }

        let disk = dir.join("disk.img");
        run(Command::new("truncate").args(["-s", "3G"]).arg(&disk));
        run(Command::new("mkfs.ext4")
            .args(["-q", "-d"])
            .arg(&root)
            .arg(&disk));
        run(Command::new("rm").arg("-rf").arg(&root));
        Vm {
            name: self.name,
            base,
            dir,
            disk,
            boots: 0,
        }
    }
}

// ---------------------------------------------------------------------------------------
// Booting

/// A counting semaphore: at most MAX_PARALLEL_BOOTS VMs at a time, however many test
/// threads run.
struct Slots(Mutex<usize>, Condvar);

fn boot_slots() -> &'static Slots {
    static SLOTS: Slots = Slots(Mutex::new(0), Condvar::new());
    &SLOTS
}

fn tail_file(path: &Path, lines: usize) -> String {
    let text = fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n") + "\n"
}

impl Vm {
    pub(crate) fn console(&self) -> PathBuf {
        self.dir.join(format!("console-{}.log", self.boots))
    }

    /// What the guest wrote to its serial console during the latest boot (the kernel
    /// command line makes ttyS0 the console).
    pub(crate) fn console_text(&self) -> String {
        String::from_utf8_lossy(&fs::read(self.console()).unwrap_or_default()).into_owned()
    }

    pub(crate) fn console_tail(&self) -> String {
        format!(
            "--- last 80 lines of the serial console ({}) ---\n{}",
            self.console().display(),
            tail_file(&self.console(), 80)
        )
    }

    /// Boots the disk until the harness powers the VM off (or QEMU_TIMEOUT).
    pub(crate) fn boot(&mut self) {
        self.boots += 1;
        let accel = std::env::var("KUBEPRINT_E2E_ACCEL").unwrap_or_else(|_| "tcg".into());
        let slots = boot_slots();
        let mut used = slots.0.lock().unwrap();
        while *used >= MAX_PARALLEL_BOOTS {
            used = slots.1.wait(used).unwrap();
        }
        *used += 1;
        drop(used);

        // Under emulation (TCG) a guest kernel now and then panics in its first seconds,
        // before it mounts the disk or runs cloud-init: that says nothing about the
        // bundle, so such a boot is repeated (twice at most). Any later failure counts.
        let mut attempt = 0;
        let (status, secs) = loop {
            attempt += 1;
            let (status, secs) = self.run_qemu(&accel);
            let console = fs::read_to_string(self.console()).unwrap_or_default();
            let early_panic =
                console.contains("Kernel panic") && !console.contains("Cloud-init v.");
            if early_panic && attempt < 3 {
                eprintln!(
                    "e2e: {} boot {}: the guest kernel panicked before cloud-init ran (emulation); booting again",
                    self.name, self.boots
                );
                continue;
            }
            break (status, secs);
        };
        *slots.0.lock().unwrap() -= 1;
        slots.1.notify_one();

        match status {
            None => panic!(
                "{} boot {}: no poweroff within {} s\n{}",
                self.name,
                self.boots,
                QEMU_TIMEOUT.as_secs(),
                self.console_tail()
            ),
            Some(s) if !s.success() => {
                panic!(
                    "{} boot {}: qemu exited with {s}\n{}",
                    self.name,
                    self.boots,
                    self.console_tail()
                )
            }
            Some(_) => eprintln!("e2e: {} boot {} ({accel}): {secs} s", self.name, self.boots),
        }
        self.record_cloud_init_time(&accel);
        // -no-reboot also ends QEMU on a panic or reboot: the harness's state file proves
        // that this boot reached the end of cloud-init and powered off on purpose.
        let state = self.state();
        let expected = format!("## boot {}\n", self.boots);
        self.check(
            state.starts_with(&expected),
            &format!("the harness did not finish boot {}", self.boots),
        );
    }

    /// Seconds from cloud-init's start (its init-local stage) to the end of its final
    /// stage, which runs the bundle, as the guest's `/var/lib/cloud/data/status.json`
    /// records them; `None` when cloud-init did not finish a run on this boot (an image
    /// build's sysprep cleans it away).
    pub(crate) fn cloud_init_seconds(&self) -> Option<f64> {
        if !self.exists("/var/lib/cloud/data/status.json") {
            return None;
        }
        let status = self.debugfs("cat /var/lib/cloud/data/status.json").0;
        let status: serde_json::Value = serde_json::from_str(&status).ok()?;
        let v1 = &status["v1"];
        let start = v1["init-local"]["start"].as_f64()?;
        let finished = v1["modules-final"]["finished"].as_f64()?;
        Some(finished - start)
    }

    /// Prints this boot's cloud-init time and appends it to `target/e2e-cache/boot-times.tsv`
    /// (scenario, boot, accelerator, seconds), the numbers BENCHMARKS.md reports.
    fn record_cloud_init_time(&self, accel: &str) {
        let Some(secs) = self.cloud_init_seconds() else {
            return;
        };
        eprintln!(
            "e2e: {} boot {}: cloud-init start to done: {secs:.1} s",
            self.name, self.boots
        );
        let line = format!("{}\t{}\t{accel}\t{secs:.1}\n", self.name, self.boots);
        let path = cache_dir().join("boot-times.tsv");
        if let Ok(mut f) = fs::OpenOptions::new().create(true).append(true).open(path) {
            let _ = f.write_all(line.as_bytes());
        }
    }

    /// One QEMU run of the disk, until the guest powers off or the timeout: the exit
    /// status (`None` on timeout) and the seconds it took.
    pub(crate) fn run_qemu(&self, accel: &str) -> (Option<std::process::ExitStatus>, u64) {
        let base = self.base;
        let console = fs::File::create(self.console()).unwrap();
        let started = Instant::now();
        let mut child = Command::new("qemu-system-x86_64")
            .args([
                "-accel",
                accel,
                "-m",
                "1536",
                "-smp",
                "2",
                "-nographic",
                "-no-reboot",
                "-nic",
                "none",
            ])
            .arg("-kernel")
            .arg(&base.kernel)
            .arg("-initrd")
            .arg(&base.initrd)
            .args(["-append", "root=/dev/vda rw console=ttyS0 panic=-1"])
            .arg("-drive")
            .arg(format!("file={},if=virtio,format=raw", self.disk.display()))
            .stdin(Stdio::null())
            .stdout(console.try_clone().unwrap())
            .stderr(console)
            .spawn()
            .expect("cannot run qemu-system-x86_64 (is it installed? see .ci/run)");
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break Some(status);
            }
            if started.elapsed() > QEMU_TIMEOUT {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(500));
        };
        (status, started.elapsed().as_secs())
    }

    /// Panics with the console tail unless `ok`.
    pub(crate) fn check(&self, ok: bool, what: &str) {
        if !ok {
            panic!("{}: {what}\n{}", self.name, self.console_tail());
        }
    }

    // -- reading the guest disk with debugfs (no mounts) --

    pub(crate) fn debugfs(&self, request: &str) -> (String, String) {
        let out = Command::new("debugfs")
            .args(["-R", request])
            .arg(&self.disk)
            .stdin(Stdio::null())
            .output()
            .expect("cannot run debugfs (e2fsprogs)");
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    pub(crate) fn exists(&self, path: &str) -> bool {
        let (out, err) = self.debugfs(&format!("stat {path}"));
        !err.contains("File not found") && out.contains("Inode:")
    }

    pub(crate) fn read(&self, path: &str) -> String {
        self.check(
            self.exists(path),
            &format!("{path} does not exist on the guest disk"),
        );
        self.debugfs(&format!("cat {path}")).0
    }

    /// (mode & 0o7777, uid, gid) of a file on the guest disk.
    pub(crate) fn stat(&self, path: &str) -> (u32, u32, u32) {
        self.check(
            self.exists(path),
            &format!("{path} does not exist on the guest disk"),
        );
        let (out, _) = self.debugfs(&format!("stat {path}"));
        let field = |name: &str| -> u32 {
            let rest = &out[out
                .find(name)
                .unwrap_or_else(|| panic!("no {name} in {out}"))
                + name.len()..];
            let word = rest.split_whitespace().next().unwrap();
            if name == "Mode:" {
                u32::from_str_radix(word, 8).unwrap()
            } else {
                word.parse().unwrap()
            }
        };
        (field("Mode:") & 0o7777, field("User:"), field("Group:"))
    }

    /// Names in a directory on the guest disk (without `.` and `..`).
    pub(crate) fn list(&self, dir: &str) -> BTreeSet<String> {
        let (out, _) = self.debugfs(&format!("ls -p {dir}"));
        // /inode/mode/uid/gid/name/size/
        out.lines()
            .filter_map(|l| l.split('/').nth(5).map(String::from))
            .filter(|n| !n.is_empty() && n != "." && n != "..")
            .collect()
    }

    pub(crate) fn remove(&self, path: &str) {
        let out = Command::new("debugfs")
            .args(["-w", "-R", &format!("rm {path}")])
            .arg(&self.disk)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "debugfs rm {path}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!self.exists(path), "{path} is still on the disk");
    }

    pub(crate) fn state(&self) -> String {
        if !self.exists("/var/log/e2e/state.txt") {
            return String::new();
        }
        self.read("/var/log/e2e/state.txt")
    }

    /// The section `## NAME` of the harness's state file.
    pub(crate) fn state_section(&self, name: &str) -> String {
        let state = self.state();
        let start = state
            .find(&format!("## {name}\n"))
            .unwrap_or_else(|| panic!("no section {name} in state:\n{state}"));
        let body = &state[start + name.len() + 4..];
        body[..body.find("## ").unwrap_or(body.len())].to_string()
    }

    /// The transcript of every double called, with mktemp names made stable.
    pub(crate) fn transcript(&self) -> String {
        normalize_tmp(&self.read("/var/log/e2e/transcript.log"))
    }

    /// Keeps the console log and removes the disk image (it is large) once a test passed.
    pub(crate) fn cleanup(self) {
        let _ = fs::remove_file(&self.disk);
    }
}

/// `/tmp/tmp.XKl5Hzwccq` (mktemp) → `/tmp/tmp.XXXXXXXXXX`.
pub(crate) fn normalize_tmp(text: &str) -> String {
    pub(crate) const PREFIX: &str = "/tmp/tmp.";
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find(PREFIX) {
        out.push_str(&rest[..i + PREFIX.len()]);
        rest = &rest[i + PREFIX.len()..];
        let n = rest
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
        out.push_str(&"X".repeat(n));
        rest = &rest[n..];
    }
    out.push_str(rest);
    out
}
