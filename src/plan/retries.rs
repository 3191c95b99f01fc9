//! Part of stage 3 (plan): how often a node retries what can fail for a moment at boot
//! (a mirror mid-sync, a dpkg lock, GitHub, an API server still settling after init) and
//! how long it waits in between. The prelude's `retry`, the CNI and wait-for-node steps
//! read them.

use serde::Serialize;

#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct Retry {
    pub(crate) attempts: u32,
    pub(crate) delay_seconds: u32,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct Retries {
    /// `apt-get update` and `install` (which also wait up to ten minutes for the dpkg lock).
    pub(crate) apt: Retry,
    /// A repository's signing key.
    pub(crate) key_download: Retry,
    /// The CNI manifest, before its sha256 is checked.
    pub(crate) manifest_download: Retry,
    /// `kubectl apply` of the CNI manifest, while the new API server settles.
    pub(crate) manifest_apply: Retry,
    /// `wait-for-node`: polls until the node is registered (Ready on control planes),
    /// which can take the CNI's image pulls: 61 tries 10 s apart, ten minutes.
    pub(crate) node_wait: Retry,
}

pub(crate) const RETRIES: Retries = Retries {
    apt: Retry {
        attempts: 3,
        delay_seconds: 10,
    },
    key_download: Retry {
        attempts: 5,
        delay_seconds: 5,
    },
    manifest_download: Retry {
        attempts: 5,
        delay_seconds: 10,
    },
    manifest_apply: Retry {
        attempts: 10,
        delay_seconds: 15,
    },
    node_wait: Retry {
        attempts: 61,
        delay_seconds: 10,
    },
};
