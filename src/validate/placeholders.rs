//! Part of stage 1b (validate): the example values `kubeprint init` writes, still in
//! place. In: the name and the endpoint as read; out: a warning for each, since a
//! starter renders as written and nodes would then join a cluster of that name at that
//! address. The starter takes its values from here, so the two cannot drift apart.

use crate::model::cluster::Endpoint;
use crate::validate::fields::Checker;

/// The starter's `name`.
pub(crate) const NAME: &str = "my-cluster";
/// The starter's endpoint host (a private address, which makes it look plausible).
pub(crate) const ENDPOINT_HOST: &str = "10.0.1.10";

/// Warns about each starter value left unchanged.
pub(crate) fn placeholders(name: Option<&str>, endpoint: Option<&Endpoint>, c: &mut Checker) {
    if name == Some(NAME) {
        c.warning(
            "name",
            format!("`name` is still `{NAME}`, the example `kubeprint init` writes"),
            "name the cluster (a DNS-1123 label); secrets.yaml records it, so choose it before the first render",
        );
    }
    if let Some(endpoint) = endpoint.filter(|e| e.host == ENDPOINT_HOST) {
        c.warning(
            "kubernetes.endpoint",
            format!(
                "`kubernetes.endpoint` is still `{}`, the example `kubeprint init` writes",
                endpoint.host_port()
            ),
            format!(
                "set the control plane's private IP, or a load balancer's address or DNS name; if `{ENDPOINT_HOST}` really is that address, ignore this warning"
            ),
        );
    }
}
