//! `secrets import` and the strength of the PKI in any secrets file: weak keys, SHA-1
//! signatures, CAs that may not sign or do not outlive kubeadm's one-year certificates
//! are refused (made here with openssl); a PKI directory that lacks the cluster's own
//! etcd CA, front-proxy CA or service-account keys is refused unless
//! `--generate-missing` asks for them, and then control planes never join with them.

use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;
use std::process::{Command, Output};

use crate::common;
use crate::limits::{refused, run, stderr};
use common::kubeprint;

fn openssl(dir: &Path, args: &[&str]) {
    let o = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "openssl {args:?}: {}", stderr(&o));
}

/// A self-signed CA `<name>.crt`/`<name>.key` in `dir`; `extra` adds to `openssl req`.
fn ca(dir: &Path, name: &str, key: &str, usage: &str, extra: &[&str]) {
    if let Some(parent) = Path::new(name).parent() {
        fs::create_dir_all(dir.join(parent)).unwrap();
    }
    let (crt, keyfile) = (format!("{name}.crt"), format!("{name}.key"));
    let basic = "basicConstraints=critical,CA:TRUE".to_string();
    let usage = format!("keyUsage=critical,{usage}");
    let mut args = vec![
        "req",
        "-x509",
        "-newkey",
        key,
        "-nodes",
        "-keyout",
        &keyfile,
        "-out",
        &crt,
        "-subj",
        "/CN=kubernetes",
        "-addext",
        &basic,
        "-addext",
        &usage,
    ];
    args.extend_from_slice(extra);
    if !extra.contains(&"-days") {
        args.extend_from_slice(&["-days", "3650"]);
    }
    openssl(dir, &args);
}

/// A whole kubeadm-like PKI directory at `dir`/pki, strong, with the cluster CA made by
/// `cluster_ca` (so one test can weaken it).
fn pki_dir(dir: &Path, cluster_ca: impl Fn(&Path)) {
    let pki = dir.join("pki");
    fs::create_dir_all(&pki).unwrap();
    cluster_ca(&pki);
    ca(&pki, "front-proxy-ca", "rsa:2048", "keyCertSign", &[]);
    ca(&pki, "etcd/ca", "rsa:2048", "keyCertSign", &[]);
    openssl(
        &pki,
        &[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
            "sa.key",
        ],
    );
    openssl(
        &pki,
        &["pkey", "-in", "sa.key", "-pubout", "-out", "sa.pub"],
    );
}

fn import(dir: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["secrets", "import", "--pki-dir", "pki", "-s", "s.yaml"];
    args.extend_from_slice(extra);
    kubeprint(dir, &args)
}

#[test]
fn a_full_strong_pki_directory_imports() {
    if !common::require_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    pki_dir(dir.path(), |p| {
        ca(
            p,
            "ca",
            "ec",
            "keyCertSign",
            &["-pkeyopt", "ec_paramgen_curve:P-384"],
        )
    });
    let o = import(dir.path(), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("generated"), "{}", stderr(&o));
    let file = fs::read_to_string(dir.path().join("s.yaml")).unwrap();
    assert!(!file.contains("generated_at_import"), "{file}");
}

/// Makes the cluster CA in a PKI directory.
type MakeCa = dyn Fn(&Path);

#[test]
fn weak_cas_are_refused_at_import() {
    if !common::require_tool("openssl") {
        return;
    }
    let cases: [(&str, &MakeCa, &str); 5] = [
        (
            "rsa-1024",
            &|p| ca(p, "ca", "rsa:1024", "keyCertSign", &[]),
            "error: the RSA key has 1024 bits; at least 2048 are required\n  --> pki (`cluster_ca.certificate`)",
        ),
        (
            "sha1",
            &|p| ca(p, "ca", "rsa:2048", "keyCertSign", &["-sha1"]),
            "error: the certificate is signed with SHA-1, which is broken\n  --> pki (`cluster_ca.certificate`)",
        ),
        (
            "no-keycertsign",
            &|p| ca(p, "ca", "rsa:2048", "digitalSignature", &[]),
            "error: the CA may not sign certificates (keyUsage keyCertSign missing)\n  --> pki (`cluster_ca.certificate`)",
        ),
        (
            "p521",
            &|p| {
                ca(
                    p,
                    "ca",
                    "ec",
                    "keyCertSign",
                    &["-pkeyopt", "ec_paramgen_curve:P-521"],
                )
            },
            "only P-256 and P-384 are accepted",
        ),
        (
            "short",
            &|p| ca(p, "ca", "rsa:2048", "keyCertSign", &["-days", "30"]),
            "before the one-year certificates kubeadm signs with it would",
        ),
    ];
    for (name, make, expected) in cases {
        let dir = tempfile::tempdir().unwrap();
        pki_dir(dir.path(), make);
        let o = import(dir.path(), &[]);
        refused(&o, expected);
        assert!(!dir.path().join("s.yaml").exists(), "{name}");
    }
}

/// A CA that ended in 2021, signed by `openssl ca` (which can set past dates).
fn expired_ca(pki: &Path) {
    fs::write(
        pki.join("ca.cnf"),
        "[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\nserial = serial\nnew_certs_dir = .\ndefault_md = sha256\npolicy = p\n[p]\ncommonName = supplied\n[v3_ca]\nbasicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign\n",
    )
    .unwrap();
    fs::write(pki.join("index.txt"), "").unwrap();
    fs::write(pki.join("serial"), "01\n").unwrap();
    openssl(
        pki,
        &[
            "req",
            "-new",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.csr",
            "-subj",
            "/CN=kubernetes",
        ],
    );
    openssl(
        pki,
        &[
            "ca",
            "-batch",
            "-selfsign",
            "-keyfile",
            "ca.key",
            "-in",
            "ca.csr",
            "-out",
            "ca.crt",
            "-startdate",
            "20200101000000Z",
            "-enddate",
            "20210101000000Z",
            "-config",
            "ca.cnf",
            "-extensions",
            "v3_ca",
        ],
    );
}

#[test]
fn an_expired_ca_is_refused_at_import_and_on_load() {
    if !common::require_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    pki_dir(dir.path(), expired_ca);
    refused(
        &import(dir.path(), &[]),
        "error: the CA expired on 2021-01-01\n  --> pki (`cluster_ca.certificate`)",
    );
    // A secrets file holding that CA does not load either.
    let mut secrets = common::fixture_secrets_yaml();
    let pki = dir.path().join("pki");
    secrets["cluster_ca"]["certificate"] = fs::read_to_string(pki.join("ca.crt")).unwrap().into();
    secrets["cluster_ca"]["private_key"] = fs::read_to_string(pki.join("ca.key")).unwrap().into();
    let file = dir.path().join("old.yaml");
    fs::write(&file, serde_yaml::to_string(&secrets).unwrap()).unwrap();
    fs::set_permissions(&file, fs::Permissions::from_mode(0o600)).unwrap();
    for args in [
        &["secrets", "show", "-s", "old.yaml"][..],
        &["render", "-s", "old.yaml", "-o", "out"][..],
    ] {
        refused(
            &kubeprint(dir.path(), args),
            "error: the CA expired on 2021-01-01\n  --> old.yaml (`cluster_ca.certificate`)",
        );
    }
}

#[test]
fn a_weak_key_in_a_secrets_file_is_refused_on_load() {
    if !common::require_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    openssl(
        d,
        &[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:1024",
            "-out",
            "sa.key",
        ],
    );
    openssl(d, &["pkey", "-in", "sa.key", "-pubout", "-out", "sa.pub"]);
    let mut secrets = common::fixture_secrets_yaml();
    secrets["service_account"]["public_key"] = fs::read_to_string(d.join("sa.pub")).unwrap().into();
    secrets["service_account"]["private_key"] =
        fs::read_to_string(d.join("sa.key")).unwrap().into();
    fs::write(d.join("s.yaml"), serde_yaml::to_string(&secrets).unwrap()).unwrap();
    fs::set_permissions(d.join("s.yaml"), fs::Permissions::from_mode(0o600)).unwrap();
    refused(
        &kubeprint(d, &["secrets", "show", "-s", "s.yaml"]),
        "error: the RSA key has 1024 bits; at least 2048 are required\n  --> s.yaml (`service_account.public_key`)",
    );
}

#[test]
fn a_partial_pki_directory_is_refused_unless_generated_parts_are_asked_for() {
    if !common::require_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let pki = d.join("pki");
    fs::create_dir(&pki).unwrap();
    ca(&pki, "ca", "rsa:2048", "keyCertSign", &[]);
    refused(
        &import(d, &[]),
        "error: the PKI directory `pki` lacks front-proxy-ca.crt, front-proxy-ca.key, etcd/ca.crt, etcd/ca.key, sa.pub, sa.key (front_proxy_ca, etcd_ca, service_account)",
    );
    assert!(!d.join("s.yaml").exists());

    // Asked for: made, recorded, and said even under --quiet.
    let o = import(d, &["--generate-missing", "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o)
            .contains("warning: front_proxy_ca, etcd_ca, service_account not in pki and generated"),
        "{}",
        stderr(&o)
    );
    let file: serde_yaml::Value =
        serde_yaml::from_str(&fs::read_to_string(d.join("s.yaml")).unwrap()).unwrap();
    assert_eq!(
        file["generated_at_import"],
        serde_yaml::from_str::<serde_yaml::Value>("[front_proxy_ca, etcd_ca, service_account]")
            .unwrap()
    );

    // Workers (one control plane) render; a second control plane is refused.
    let o = kubeprint(d, &["render", "-s", "s.yaml", "-o", "out"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let ha =
        kubeprint::DEFAULT_CLUSTER.replace("kubernetes:\n", "kubernetes:\n  control_planes: 3\n");
    fs::write(d.join("ha.yaml"), ha).unwrap();
    let o = kubeprint(
        d,
        &["render", "-c", "ha.yaml", "-s", "s.yaml", "-o", "out-ha"],
    );
    refused(
        &o,
        "error: a control plane cannot join with front_proxy_ca, etcd_ca, service_account: `secrets import` generated them, and the running cluster does not trust them\n  --> s.yaml (`generated_at_import`)",
    );
    assert!(!d.join("out-ha").exists());
}

#[test]
fn a_half_pair_or_an_unreadable_file_is_an_error_not_an_absence() {
    if !common::require_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    pki_dir(d, |p| ca(p, "ca", "rsa:2048", "keyCertSign", &[]));
    fs::remove_file(d.join("pki/etcd/ca.key")).unwrap();
    refused(
        &import(d, &["--generate-missing"]),
        "error: `pki` holds etcd/ca.crt but not etcd/ca.key",
    );
    // A file that is there but cannot be read is said so; nothing is generated for it.
    fs::write(d.join("pki/etcd/ca.key"), [0xff, 0xfe, 0x00]).unwrap();
    refused(
        &import(d, &["--generate-missing"]),
        "error: the PKI file `pki/etcd/ca.key` is not UTF-8 text",
    );
    fs::remove_file(d.join("pki/etcd/ca.key")).unwrap();
    fs::create_dir(d.join("pki/etcd/ca.key")).unwrap();
    refused(
        &import(d, &["--generate-missing"]),
        "error: the PKI file `pki/etcd/ca.key` is a directory, not a regular file",
    );
    assert!(!d.join("s.yaml").exists());
}

#[test]
fn a_missing_pki_directory_says_it_does_not_exist() {
    let dir = tempfile::tempdir().unwrap();
    let o = kubeprint(
        dir.path(),
        &["secrets", "import", "--pki-dir", "nowhere", "-s", "s.yaml"],
    );
    refused(&o, "error: the PKI directory `nowhere` does not exist");
}

#[test]
fn import_refuses_a_pki_file_that_is_a_device_and_never_hangs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let pki = d.join("pki");
    fs::create_dir(&pki).unwrap();
    let generated = kubeprint(d, &["secrets", "generate", "-s", "s.yaml"]);
    assert!(generated.status.success(), "{}", stderr(&generated));
    let secrets: serde_yaml::Value =
        serde_yaml::from_str(&fs::read_to_string(d.join("s.yaml")).unwrap()).unwrap();
    fs::write(
        pki.join("ca.crt"),
        secrets["cluster_ca"]["certificate"].as_str().unwrap(),
    )
    .unwrap();
    symlink("/dev/zero", pki.join("ca.key")).unwrap();
    let o = run(
        d,
        &["secrets", "import", "--pki-dir", "pki", "-s", "out.yaml"],
        b"",
    );
    refused(
        &o,
        "error: the PKI file `pki/ca.key` is a device, not a regular file",
    );
    crate::limits::mkfifo(&pki.join("fifo"));
    fs::remove_file(pki.join("ca.key")).unwrap();
    symlink("fifo", pki.join("ca.key")).unwrap();
    let o = run(
        d,
        &["secrets", "import", "--pki-dir", "pki", "-s", "out.yaml"],
        b"",
    );
    refused(
        &o,
        "error: the PKI file `pki/ca.key` is a FIFO, not a regular file",
    );
    assert!(!d.join("out.yaml").exists());
}
