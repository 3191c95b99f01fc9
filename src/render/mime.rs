//! Part of stage 4 (render), on request (`--format mime`): each user-data as a MIME
//! multipart message, for users who combine kubeprint's cloud-config with their own
//! parts. Deterministic: the boundary derives from the content.

use sha2::{Digest, Sha256};

use crate::artifact::{Artifact, Artifacts};

/// Wraps a `#cloud-config` document as the single part of a multipart message. The
/// part asks cloud-init to append its lists (write_files, runcmd) to those of parts
/// before it and to leave their other keys alone, so put kubeprint's part last.
pub(crate) fn multipart(cloud_config: &str) -> String {
    let digest = Sha256::digest(cloud_config.as_bytes());
    let boundary = format!("==kubeprint-{}==", crate::digest::hex(&digest[..12]));
    debug_assert!(!cloud_config.contains(&boundary));
    let encoding = if cloud_config.is_ascii() {
        "7bit"
    } else {
        "8bit"
    };
    format!(
        "Content-Type: multipart/mixed; boundary=\"{boundary}\"\n\
         MIME-Version: 1.0\n\
         \n\
         --{boundary}\n\
         Content-Type: text/cloud-config; charset=\"utf-8\"\n\
         MIME-Version: 1.0\n\
         Content-Transfer-Encoding: {encoding}\n\
         Content-Disposition: attachment; filename=\"kubeprint.yaml\"\n\
         Merge-Type: list(append)+dict(no_replace,recurse_list)+str()\n\
         \n\
         {cloud_config}\
         --{boundary}--\n"
    )
}

/// Adds `user-data*.mime` beside each `user-data*.yaml`.
pub(crate) fn add_multipart_twins(artifacts: &mut Artifacts) {
    let twins: Vec<(String, Artifact)> = artifacts
        .iter()
        .filter(|(p, _)| p.ends_with(".yaml") && p.contains("user-data"))
        .map(|(p, a)| {
            let text = String::from_utf8_lossy(&a.bytes);
            let bytes = multipart(&text).into_bytes();
            (p.replace(".yaml", ".mime"), Artifact { bytes, ..a.clone() })
        })
        .collect();
    artifacts.extend(twins);
}
