//! `kubeprint secrets import`: a copy of a control plane's kubeadm PKI directory → a
//! secrets file for that cluster, with a new token. Part of the command line. Each file
//! is read as a regular file of at most 64 KiB; a file that is there but cannot be read
//! is an error, never taken for absent. Parts the directory lacks are refused unless
//! `--generate-missing` asks for them, and then recorded, since the cluster does not
//! trust them.

use std::fs;
use std::path::Path;

use crate::error::{Error, Result};
use crate::input::{self, Unread};
use crate::secrets::{self, CertPair, KeyPairPem, Secret, Secrets};

/// What `secrets import` was asked to do.
pub(super) struct Import<'a> {
    pub(super) cluster: &'a str,
    pub(super) dir: &'a Path,
    pub(super) output: &'a Path,
    pub(super) force: bool,
    pub(super) generate_missing: bool,
    pub(super) needs: secrets::Needs,
}

/// The shared parts of kubeadm's PKI directory besides the cluster CA: the key in the
/// secrets file and the two files kubeadm keeps it in (kubernetes/kubernetes
/// cmd/kubeadm/app/constants/constants.go, commit 00886ac01fec1c8432967e8bb597828f46a9ba8b:
/// `FrontProxyCACertName`, `EtcdCACertName`, `ServiceAccountPublicKeyName`, ...).
const PARTS: [(&str, &str, &str); 3] = [
    ("front_proxy_ca", "front-proxy-ca.crt", "front-proxy-ca.key"),
    ("etcd_ca", "etcd/ca.crt", "etcd/ca.key"),
    ("service_account", "sa.pub", "sa.key"),
];

pub(super) fn import(job: &Import) -> Result<()> {
    let (mut imported, lacking) = read_pki_dir(job.cluster, job.dir)?;
    if !lacking.is_empty() && !job.generate_missing {
        return Err(lacks(job.dir, &lacking));
    }
    secrets::rotate_token(&mut imported)?;
    // Check what the directory holds before building on it, so a weak or damaged CA is
    // reported by its field rather than as a failure to sign with it.
    let report = |d| crate::diagnostics::Report::of(job.dir.display().to_string(), d);
    secrets::check(imported.clone()).map_err(report)?;
    // Only the admin certificates are always new (signed by the cluster's own CA).
    let key_type = secrets::key_type_of(&imported);
    secrets::complete(&mut imported, key_type, job.needs)?;
    imported.generated_at_import = lacking.iter().map(|p| p.to_string()).collect();
    let checked = secrets::check(imported).map_err(report)?;
    secrets::save(job.output, &checked.secrets, job.force)?;
    crate::cli::say::info(format!(
        "imported {} into {} for cluster `{}` (mode 0600); CA hash {}",
        job.dir.display(),
        job.output.display(),
        job.cluster,
        checked.ca_cert_hash
    ));
    if !lacking.is_empty() {
        // Said even under --quiet: these parts silently differ from the cluster's.
        crate::cli::say::always(format!(
            "warning: {} not in {} and generated (recorded as `generated_at_import` in {}): the cluster does not trust them, so only workers can join with this file\n  = help: for control planes, import a control plane's whole /etc/kubernetes/pki",
            lacking.join(", "),
            job.dir.display(),
            job.output.display()
        ));
    }
    crate::cli::say::info(format!(
        "register the new bootstrap token with the cluster from a machine with admin credentials: `kubeprint secrets token-secret -s {} | kubectl apply -f -`",
        job.output.display()
    ));
    Ok(())
}

fn lacks(dir: &Path, lacking: &[&str]) -> Error {
    let files: Vec<String> = PARTS
        .iter()
        .filter(|(part, ..)| lacking.contains(part))
        .map(|(_, crt, key)| format!("{crt}, {key}"))
        .collect();
    Error::new(format!(
        "the PKI directory `{}` lacks {} ({})",
        dir.display(),
        files.join(", "),
        lacking.join(", ")
    ))
    .note("these are the running cluster's own: a node given new ones would not work with it")
    .help("copy a control plane's whole /etc/kubernetes/pki; or pass --generate-missing to have new ones made, which only workers can join with")
}

/// The cluster's shared PKI as kubeadm keeps it in `dir` (`/etc/kubernetes/pki`), and
/// the parts it lacks. The cluster CA is required; a part with one half missing or a
/// file that cannot be read is an error.
fn read_pki_dir(cluster: &str, dir: &Path) -> Result<(Secrets, Vec<&'static str>)> {
    match fs::metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::new(format!(
                "the PKI directory `{}` does not exist",
                dir.display()
            ))
            .help("point --pki-dir at a copy of a control plane's /etc/kubernetes/pki"));
        }
        Err(e) => {
            return Err(Error::new(format!(
                "the PKI directory `{}` cannot be read: {e}",
                dir.display()
            ))
            .help("check the directory's owner and mode"));
        }
        Ok(meta) if !meta.is_dir() => {
            return Err(
                Error::new(format!("`{}` is not a directory", dir.display()))
                    .help("point --pki-dir at a copy of a control plane's /etc/kubernetes/pki"),
            );
        }
        Ok(_) => {}
    }
    let cluster_ca = pair(dir, "ca.crt", "ca.key")?.ok_or_else(|| {
        Error::new(format!("`{}` lacks ca.crt and ca.key", dir.display()))
            .help("point --pki-dir at a control plane's /etc/kubernetes/pki (copied securely)")
    })?;
    let mut secrets = Secrets {
        cluster: Some(cluster.to_string()),
        bootstrap_token: secrets::generate_token()?,
        token_created: None,
        cluster_ca,
        front_proxy_ca: pair(dir, PARTS[0].1, PARTS[0].2)?,
        etcd_ca: pair(dir, PARTS[1].1, PARTS[1].2)?,
        service_account: None,
        admin: Vec::new(),
        encryption_key: None,
        generated_at_import: Vec::new(),
    };
    if let Some((public_key, private_key)) = both(dir, PARTS[2].1, PARTS[2].2)? {
        secrets.service_account = Some(KeyPairPem {
            public_key,
            private_key: Secret::new(private_key),
        });
    }
    let lacking = [
        secrets.front_proxy_ca.is_none(),
        secrets.etcd_ca.is_none(),
        secrets.service_account.is_none(),
    ];
    let lacking = PARTS
        .iter()
        .zip(lacking)
        .filter(|(_, absent)| *absent)
        .map(|((part, ..), _)| *part)
        .collect();
    Ok((secrets, lacking))
}

fn pair(dir: &Path, crt: &str, key: &str) -> Result<Option<CertPair>> {
    Ok(both(dir, crt, key)?.map(|(certificate, key)| CertPair {
        certificate,
        private_key: Secret::new(key),
    }))
}

/// Both files, neither, or an error naming the half that is missing.
fn both(dir: &Path, first: &str, second: &str) -> Result<Option<(String, String)>> {
    match (read(dir, first)?, read(dir, second)?) {
        (Some(a), Some(b)) => Ok(Some((a, b))),
        (None, None) => Ok(None),
        (there, _) => {
            let (there, absent) = match there {
                Some(_) => (first, second),
                None => (second, first),
            };
            Err(Error::new(format!(
                "`{}` holds {there} but not {absent}",
                dir.display()
            ))
            .help(format!("copy {absent} from the same control plane too")))
        }
    }
}

/// One file of the directory: `None` only when it does not exist.
fn read(dir: &Path, name: &str) -> Result<Option<String>> {
    let path = dir.join(name);
    match input::read_text(&path, input::PKI_FILE_CAP) {
        Ok(text) => Ok(Some(text)),
        Err(Unread::Missing) => Ok(None),
        Err(unread) => Err(input::refusal(&path, "the PKI file", &unread)),
    }
}
