//! The operator's `admin.conf`, built as data and serialized: a kubeconfig for the
//! cluster endpoint with a client certificate signed by the cluster CA, usable with
//! `kubectl` as soon as the API server answers. Part of `plan`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Kubeconfig<'a> {
    api_version: &'a str,
    kind: &'a str,
    clusters: [Named<'a, ClusterEntry>; 1],
    users: [Named<'a, UserEntry>; 1],
    contexts: [Named<'a, ContextEntry<'a>>; 1],
    current_context: &'a str,
}

#[derive(Serialize)]
struct Named<'a, T> {
    name: &'a str,
    #[serde(flatten)]
    value: T,
}

#[derive(Serialize)]
struct ClusterEntry {
    cluster: ClusterData,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct ClusterData {
    server: String,
    certificate_authority_data: String,
}

#[derive(Serialize)]
struct UserEntry {
    user: UserData,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct UserData {
    client_certificate_data: String,
    client_key_data: String,
}

#[derive(Serialize)]
struct ContextEntry<'a> {
    context: ContextData<'a>,
}

#[derive(Serialize)]
struct ContextData<'a> {
    cluster: &'a str,
    user: &'a str,
}

pub(crate) struct AdminInputs<'a> {
    pub cluster_name: &'a str,
    /// `host:port` of the API server.
    pub endpoint: &'a str,
    pub ca_certificate: &'a str,
    pub client_certificate: &'a str,
    pub client_key: &'a str,
    pub user: &'a str,
}

pub(crate) fn admin_kubeconfig(i: &AdminInputs) -> String {
    let context = format!("{}@{}", i.user, i.cluster_name);
    let config = Kubeconfig {
        api_version: "v1",
        kind: "Config",
        clusters: [Named {
            name: i.cluster_name,
            value: ClusterEntry {
                cluster: ClusterData {
                    server: format!("https://{}", i.endpoint),
                    certificate_authority_data: STANDARD.encode(i.ca_certificate),
                },
            },
        }],
        users: [Named {
            name: i.user,
            value: UserEntry {
                user: UserData {
                    client_certificate_data: STANDARD.encode(i.client_certificate),
                    client_key_data: STANDARD.encode(i.client_key),
                },
            },
        }],
        contexts: [Named {
            name: &context,
            value: ContextEntry {
                context: ContextData {
                    cluster: i.cluster_name,
                    user: i.user,
                },
            },
        }],
        current_context: &context,
    };
    crate::yaml::to_string(&config).expect("kubeconfig serializes")
}
