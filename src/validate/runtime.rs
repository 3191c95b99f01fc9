//! Part of stage 1b (validate): `runtime.*`: which container runtime the nodes run
//! (`name`: `cri-o` or `containerd`) and, for containerd, which release
//! (`containerd_version`), checked against containerd's Kubernetes support matrix.
//! Out: [`Runtime`]; `crio_version` itself is checked with the release (`release`).

use crate::config::Config;
use crate::model::cluster::{Registries, Runtime, Version};
use crate::model::matrix::containerd::{self, Stream};
use crate::validate::fields::Checker;
use crate::validate::syntax::printable;

const NAMES: &[&str] = &["cri-o", "containerd"];

/// `runtime.name` (default `cri-o`) and the version key that belongs to it; `None`
/// when something is wrong (reported).
pub(crate) fn runtime(
    config: &Config,
    version: Option<Version>,
    c: &mut Checker,
) -> Option<Runtime> {
    let r = &config.runtime;
    match r.name.as_deref().unwrap_or("cri-o") {
        "cri-o" => {
            if r.containerd_version.is_some() {
                c.error(
                    "runtime.containerd_version",
                    "`containerd_version` pins containerd, but the runtime is CRI-O",
                    "remove `containerd_version`, or set `runtime.name: containerd`",
                );
                return None;
            }
            Some(Runtime::CriO)
        }
        "containerd" => {
            if r.crio_version.is_some() {
                c.error(
                    "runtime.crio_version",
                    "`crio_version` pins CRI-O, but `runtime.name` is `containerd`",
                    "remove `crio_version`; pin containerd with `containerd_version: \"2.2.6\"` instead",
                );
                return None;
            }
            let v = version?;
            sandbox_facts(v, c);
            let version = containerd_version(config, v.minor, c)?;
            Some(Runtime::Containerd { version })
        }
        other => {
            c.error(
                "runtime.name",
                format!("unknown container runtime `{}`", printable(other)),
                crate::diagnostics::choose_one_of(other, NAMES),
            );
            None
        }
    }
}

/// Warns where the matrix extrapolates: containerd's table does not list the minor, or
/// no source confirms kubeadm's pause tag for the release (the sandbox image).
fn sandbox_facts(v: Version, c: &mut Checker) {
    if !containerd::listed(v.minor) {
        c.warning(
            "runtime.name",
            format!("containerd's support matrix does not list Kubernetes 1.{} yet", v.minor),
            "kubeprint applies 1.36's row (containerd 2.2.0+, 2.3.0+); check containerd's RELEASES.md",
        );
    }
    let (tag, confirmed) = containerd::pause_tag(v.minor, v.patch);
    if !confirmed {
        c.warning(
            "runtime.name",
            format!("kubeprint has no confirmed kubeadm pause tag for Kubernetes {v}; containerd's sandbox image is pause:{tag}"),
            "kubeadm warns when its own pause image differs: compare with `kubeadm config images list` and pin the matching patch release",
        );
    }
}

/// `runtime.containerd_version` (one release, `X.Y.Z`) or the matrix's default.
fn containerd_version(config: &Config, minor: u32, c: &mut Checker) -> Option<String> {
    const FIELD: &str = "runtime.containerd_version";
    let Some(scalar) = &config.runtime.containerd_version else {
        return Some(containerd::default_version(minor).to_string());
    };
    let text = match scalar.as_text() {
        Ok(t) => t,
        Err(hint) => {
            c.error(FIELD, "the containerd version must be a string", hint.0);
            return None;
        }
    };
    let Some([major, stream, patch]) = release_parts(&text) else {
        c.error(
            FIELD,
            format!("`{}` is not a containerd release", printable(&text)),
            "write one release as `MAJOR.MINOR.PATCH`, like `containerd_version: \"2.2.6\"`",
        );
        return None;
    };
    let streams = containerd::recommended(minor);
    let listed = streams
        .iter()
        .find(|s| s.major == major && s.minor == stream);
    match listed {
        Some(s) if patch < s.min_patch => c.error(
            FIELD,
            format!("containerd {text} is older than {major}.{stream}.{}, the oldest {major}.{stream} release containerd recommends for Kubernetes 1.{minor}", s.min_patch),
            format!("use {} (containerd's RELEASES.md, Kubernetes support)", list(streams)),
        ),
        Some(_) => {}
        None if major < 2 && minor >= 36 => c.error(
            FIELD,
            format!("Kubernetes 1.{minor} needs containerd 2.x; {text} is a 1.x release"),
            format!("use {} (containerd's RELEASES.md, Kubernetes support)", list(streams)),
        ),
        None => c.warning(
            FIELD,
            format!("containerd {major}.{stream} is not among the releases containerd recommends for Kubernetes 1.{minor}"),
            format!("containerd's RELEASES.md lists {} for it", list(streams)),
        ),
    }
    Some(text)
}

/// containerd reads a mirror with a path (`host/prefix`) through `override_path`, which
/// hosts.toml has from 1.6.0 (containerd/containerd docs/hosts.md: absent at v1.5.18).
pub(crate) fn check_mirrors(
    runtime: Option<&Runtime>,
    registries: Option<&Registries>,
    c: &mut Checker,
) {
    let (Some(Runtime::Containerd { version }), Some(r)) = (runtime, registries) else {
        return;
    };
    let Some([1, minor, _]) = release_parts(version) else {
        return;
    };
    if minor >= 6 {
        return;
    }
    for (registry, mirrors) in &r.mirrors {
        if mirrors.iter().any(|m| m.contains('/')) {
            c.error(
                &format!("registries.mirrors.{registry}"),
                format!("containerd {version} cannot use a mirror with a path: its hosts.toml has no `override_path` before 1.6"),
                "serve the mirror at the root of its host, or set `runtime.containerd_version` to 1.6 or newer",
            );
        }
    }
}

/// `2.2.7` → [2, 2, 7]; anything else (a stream, a package revision) → `None`.
fn release_parts(text: &str) -> Option<[u32; 3]> {
    let parts: Vec<&str> = text.split('.').collect();
    let [a, b, p] = parts.as_slice() else {
        return None;
    };
    let num = |s: &str| {
        (!s.is_empty() && s.len() < 6 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    Some([num(a)?, num(b)?, num(p)?])
}

fn list(streams: &[Stream]) -> String {
    streams
        .iter()
        .map(|s| format!("{}.{}.{}+", s.major, s.minor, s.min_patch))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::release_parts;

    #[test]
    fn only_a_full_release_is_a_version() {
        assert_eq!(release_parts("2.2.7"), Some([2, 2, 7]));
        for bad in ["2.2", "2.2.7-1", "v2.2.7", "2..7", "2.2.x", ""] {
            assert_eq!(release_parts(bad), None, "{bad}");
        }
    }
}
