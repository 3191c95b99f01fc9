//! Part of stage 3 (plan): registry mirrors for CRI-O. In: the cluster's
//! [`Registries`]; out: a containers-registries.conf(5) v2 drop-in and the mirrors' CA
//! files, which the `cri-o` step writes before CRI-O first starts.
//!
//! Format: containers/image docs/containers-registries.conf.5.md (at
//! 05d705ce05d5caefb91dd221ed3671147393406e): one `[[registry]]` table per registry with
//! `prefix` and `location`, and `[[registry.mirror]]` tables whose `location`s are tried
//! in order before the registry itself. CA files: containers/image
//! docs/containers-certs.d.5.md (at 3a73701c94c4e8850350030fb9f8c202278ae49f):
//! `/etc/containers/certs.d/<host:port>/*.crt` are CA certificates for that registry.

use serde::Serialize;

use crate::layout;
use crate::model::cluster::{Cluster, Registries};

#[derive(Debug, Clone, Serialize)]
pub(crate) struct RegistriesPlan {
    pub dropin_path: &'static str,
    pub dropin: String,
    /// One CA file per mirror host: path and PEM.
    pub ca_files: Vec<CaFile>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct CaFile {
    pub path: String,
    pub content: String,
}

/// `None` without mirrors: nothing is rendered then (user-data budget).
pub(crate) fn registries_plan(cluster: &Cluster) -> Option<RegistriesPlan> {
    let r = cluster
        .registries
        .as_ref()
        .filter(|r| !r.mirrors.is_empty())?;
    Some(RegistriesPlan {
        dropin_path: layout::REGISTRIES_DROPIN,
        dropin: dropin(r),
        ca_files: ca_files(r),
    })
}

/// Validated values hold no quote or backslash, so a TOML basic string is the value in
/// quotes.
fn dropin(r: &Registries) -> String {
    let mut out = String::from("# Written by kubeprint: registry mirrors, tried in order.\n");
    for (registry, mirrors) in &r.mirrors {
        out.push_str(&format!(
            "\n[[registry]]\nprefix = \"{registry}\"\nlocation = \"{registry}\"\n"
        ));
        for mirror in mirrors {
            out.push_str(&format!("\n[[registry.mirror]]\nlocation = \"{mirror}\"\n"));
        }
    }
    out
}

/// The CA under each mirror's `host[:port]`, the directory name containers/image looks
/// up for a registry host.
fn ca_files(r: &Registries) -> Vec<CaFile> {
    let Some(pem) = &r.ca else {
        return Vec::new();
    };
    let mut hosts: Vec<&str> = r
        .mirrors
        .iter()
        .flat_map(|(_, m)| m.iter().map(|l| l.split('/').next().unwrap_or(l)))
        .collect();
    hosts.sort_unstable();
    hosts.dedup();
    hosts
        .into_iter()
        .map(|host| CaFile {
            path: format!("{}/{host}/ca.crt", layout::CONTAINERS_CERTS_DIR),
            content: pem.clone(),
        })
        .collect()
}
