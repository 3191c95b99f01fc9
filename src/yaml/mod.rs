//! The YAML writer for every document a node reads: kubeadm, kubelet and kube-proxy
//! configuration, kubeconfigs and cloud-init user-data.
//!
//! Those readers speak YAML 1.1: kubeadm and the kubelet decode through
//! sigs.k8s.io/yaml (go-yaml v2), cloud-init through PyYAML. serde_yaml writes YAML
//! 1.2 and quotes only what YAML 1.2 would misread, so a cluster named `on`, a node
//! named `1e3` or a taint value `Off` came out plain, and kubeadm read a bool or a
//! number where it wanted a string.
//!
//! [`to_string`] lays a value out exactly as serde_yaml 0.9 does (libyaml's block style:
//! the same indentation, `[]`/`{}` for empty collections, `|` literals for multi-line
//! text), so a document of ordinary values is byte for byte what serde_yaml gives. Only
//! the choice of quoting differs: a string is written plain only when a conservative
//! whitelist ([`plain_is_safe`](plain::plain_is_safe)) proves every YAML 1.1 and YAML 1.2 reader takes it
//! for that same string. Every other string is single-quoted, or double-quoted with
//! escapes when it holds characters a single-quoted scalar cannot carry.
//!
//! `emitter` is libyaml's block layout (lines, indentation, indicators), `scalar` the
//! style and writing of one string, `plain` the whitelist.

mod emitter;
mod plain;
mod scalar;
#[cfg(test)]
mod tests;
mod writer;

use crate::error::{Error, Result};
use serde::Serialize;

/// Serializes `value` as one block-style YAML document, every string of it read back
/// unchanged under YAML 1.1 and YAML 1.2.
///
/// Mapping keys must be scalars that fit on one line (at most 128 bytes), and enum
/// variants with data (YAML tags) are refused: no document of ours needs either. The
/// value goes through `serde_yaml::to_value` first, so a `char` is written like a
/// one-character string and an `f32` as the `f64` it widens to.
pub(crate) fn to_string<T: Serialize + ?Sized>(value: &T) -> Result<String> {
    to_string_quoting(value, &[])
}

/// [`to_string`], also single-quoting every string equal to one of `always_quoted`: for
/// placeholders that are replaced in the written text later, by a value that must stay
/// a string whatever it is.
pub(crate) fn to_string_quoting<T: Serialize + ?Sized>(
    value: &T,
    always_quoted: &[&str],
) -> Result<String> {
    let tree = serde_yaml::to_value(value).map_err(|e| Error::new(e.to_string()))?;
    emitter::emit(&tree, always_quoted)
}
