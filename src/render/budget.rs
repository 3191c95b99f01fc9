//! Part of stage 4 (render): the user-data size budget. EC2 accepts at most 16384 bytes
//! of user-data; cloud-init also reads gzip-compressed user-data. A user-data over the
//! limit gets a `.gz` twin; one that does not fit even compressed fails the render.

use crate::error::{Error, Result};
use std::io::Write;

use flate2::Compression;
use flate2::GzBuilder;

use crate::artifact::{Artifact, Artifacts};

/// Where user-data has to fit: EC2 takes at most 16384 bytes before base64
/// (docs.aws.amazon.com/AWSEC2/latest/UserGuide/user-data.html, "User data limits").
pub(crate) const USER_DATA_LIMIT: usize = 16384;

/// Deterministic gzip: no file name, mtime 0, a fixed level, so twins are reproducible.
/// The default level: `best` saves a few bytes here at twice the time.
pub(crate) fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), Compression::default());
    encoder.write_all(bytes).expect("writing to memory");
    encoder.finish().expect("writing to memory")
}

/// One user-data file's size and what makes it up.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub path: String,
    pub size: usize,
    pub gzip_size: Option<usize>,
    pub certificates: usize,
    pub configs: usize,
}

impl Row {
    pub(crate) fn fits(&self) -> bool {
        self.size <= USER_DATA_LIMIT || self.gzip_size.is_some_and(|g| g <= USER_DATA_LIMIT)
    }
}

/// Whether `path` is a user-data file an instance is given: the cloud-config or its
/// MIME multipart twin (their `.gz` twins are listed beside them).
fn is_user_data(path: &str) -> bool {
    (path.ends_with(".yaml") || path.ends_with(".mime"))
        && path
            .rsplit('/')
            .next()
            .is_some_and(|f| f.starts_with("user-data"))
}

/// Sizes of every user-data artifact: PEM blocks count as certificates and keys,
/// kubeadm documents as configs, the rest is script.
pub(crate) fn rows(artifacts: &Artifacts) -> Vec<Row> {
    artifacts
        .iter()
        .filter(|(p, _)| is_user_data(p))
        .map(|(path, a)| {
            let text = String::from_utf8_lossy(&a.bytes);
            let (mut certificates, mut configs, mut in_pem, mut in_config) = (0, 0, false, false);
            for line in text.lines() {
                let t = line.trim_start();
                if t.starts_with("-----BEGIN ") {
                    in_pem = true;
                }
                if t.starts_with("apiVersion: kubeadm.k8s.io")
                    || t.starts_with("apiVersion: kubelet.config")
                {
                    in_config = true;
                }
                if in_pem {
                    certificates += line.len() + 1;
                } else if in_config {
                    configs += line.len() + 1;
                }
                if t.starts_with("-----END ") {
                    in_pem = false;
                }
                if t == crate::layout::HEREDOC_END {
                    in_config = false;
                }
            }
            let gzip_size = artifacts.get(&format!("{path}.gz")).map(|g| g.bytes.len());
            Row {
                path: path.clone(),
                size: a.bytes.len(),
                gzip_size,
                certificates,
                configs,
            }
        })
        .collect()
}

/// Adds `user-data*.yaml.gz` (and `.mime.gz`) for each user-data over the limit;
/// fails when even the compressed form does not fit.
pub(crate) fn add_gzip_twins(artifacts: &mut Artifacts) -> Result<()> {
    let over: Vec<(String, Artifact)> = artifacts
        .iter()
        .filter(|(p, a)| is_user_data(p) && a.bytes.len() > USER_DATA_LIMIT)
        .map(|(p, a)| (p.clone(), a.clone()))
        .collect();
    for (path, artifact) in over {
        let gz = gzip(&artifact.bytes);
        if gz.len() > USER_DATA_LIMIT {
            return Err(Error::new(format!(
                "`{path}` is {} bytes, and {} compressed, over the {USER_DATA_LIMIT}-byte EC2 user-data limit\n  = help: fetch the bundle instead (`delivery.mode: aws-secrets-manager` or `url` leaves a small stub as user-data), bake an image (out/packer) and use user-data.baked.yaml, or move files out of user-data (fewer `files`, inventory labels, certificate SANs)",
                artifact.bytes.len(),
                gz.len()
            )));
        }
        artifacts.insert(
            format!("{path}.gz"),
            Artifact {
                bytes: gz,
                ..artifact
            },
        );
    }
    Ok(())
}

/// The table `render` prints. Inventory nodes repeat their role's sizes, so they are
/// summarized unless one of them needs its gzip twin or does not fit.
pub(crate) fn table(rows: &[Row]) -> String {
    let mut out = format!(
        "{:<44} {:>7} {:>7} {:>7} {:>7}  {}\n",
        "user-data (EC2 limit 16384 bytes)", "bytes", "certs", "configs", "gzip", "fits"
    );
    let (nodes, roles): (Vec<&Row>, Vec<&Row>) =
        rows.iter().partition(|r| r.path.starts_with("nodes/"));
    for r in roles {
        out.push_str(&line(r));
    }
    if !nodes.is_empty() {
        let direct = nodes.iter().filter(|r| r.size <= USER_DATA_LIMIT).count();
        let twins = nodes
            .iter()
            .filter(|r| r.size > USER_DATA_LIMIT && r.fits())
            .count();
        let largest = nodes.iter().map(|r| r.size).max().unwrap_or(0);
        out.push_str(&format!(
            "nodes/*: {} user-data files, {direct} fit as they are, {twins} as .gz; the largest is {largest} bytes\n",
            nodes.len()
        ));
    }
    out
}

fn line(r: &Row) -> String {
    let gz = r.gzip_size.map_or("-".to_string(), |g| g.to_string());
    let fits = match (r.size <= USER_DATA_LIMIT, r.fits()) {
        (true, _) => "yes",
        (false, true) => "as .gz",
        (false, false) => "NO",
    };
    format!(
        "{:<44} {:>7} {:>7} {:>7} {:>7}  {fits}\n",
        r.path, r.size, r.certificates, r.configs, gz
    )
}
