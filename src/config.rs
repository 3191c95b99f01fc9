//! Stage 1, load: `cluster.yaml` text → [`Config`], the definition exactly as written.
//!
//! Every key is optional here (absent keys take the guide's defaults in `validate`), and
//! unknown keys are rejected so a typo never silently falls back to a default.

use serde::Deserialize;

use crate::diagnostics::Diagnostic;

/// The embedded default cluster: the 2021 guide (Kubernetes 1.21.3, CRI-O 1.21, Canal).
pub const DEFAULT_CLUSTER: &str = include_str!("../examples/guide-1.21.yaml");
pub const DEFAULT_CLUSTER_NAME: &str = "<embedded default cluster>";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub name: Option<String>,
    pub os: Option<String>,
    #[serde(default)]
    pub kubernetes: KubernetesConfig,
    #[serde(default)]
    pub runtime: RuntimeConfig,
    #[serde(default)]
    pub cni: CniConfig,
    pub admin_user: Option<String>,
    #[serde(default)]
    pub packages: PackagesConfig,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KubernetesConfig {
    /// Kept as a raw scalar: `1.30` written without quotes is a YAML number, which we
    /// want to explain rather than misread.
    pub version: Option<Scalar>,
    pub endpoint: Option<String>,
    pub pod_subnet: Option<String>,
    pub service_subnet: Option<String>,
    pub dns_domain: Option<String>,
    pub token_ttl: Option<Scalar>,
    pub cert_sans: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuntimeConfig {
    pub crio_version: Option<Scalar>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CniConfig {
    pub plugin: Option<String>,
    pub manifest: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackagesConfig {
    pub kubernetes_repo: Option<String>,
    pub kubernetes_key: Option<String>,
    pub crio_repo: Option<String>,
    pub crio_key: Option<String>,
}

/// A scalar that may have been written as a string or a number.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Scalar {
    Text(String),
    Integer(i64),
    Float(f64),
}

impl Scalar {
    /// The value as text; `Err` carries a hint when YAML read it as a number, since a
    /// number cannot be turned back into what was typed (`1.20` reads as `1.2`).
    pub fn as_text(&self) -> Result<String, String> {
        match self {
            Scalar::Text(s) => Ok(s.clone()),
            Scalar::Integer(i) => Ok(i.to_string()),
            Scalar::Float(f) => Err(format!(
                "YAML reads this unquoted value as the number {f}; quote it, e.g. \"{f}\""
            )),
        }
    }
}

/// Parses a definition. YAML syntax errors and wrong types come back as one diagnostic
/// with the line and column serde_yaml reports.
pub fn load(text: &str) -> Result<Config, Diagnostic> {
    if text.trim().is_empty() {
        return Ok(Config::default());
    }
    serde_yaml::from_str(text).map_err(|err| {
        let location = err.location().map(|l| (l.line(), l.column()));
        let (path, message) = split_serde_path(&err.to_string());
        let help = if message.contains("unknown field") {
            "remove the key or fix its spelling; see the cluster.yaml reference in README"
        } else {
            "fix the YAML at this position; see the cluster.yaml reference in README"
        };
        Diagnostic::error(path, strip_location(&message))
            .help(help)
            .at(location)
    })
}

/// serde_yaml prefixes messages with the dotted path (`kubernetes.pod_subnet: ...`).
fn split_serde_path(message: &str) -> (String, String) {
    if let Some((head, rest)) = message.split_once(": ")
        && !head.contains(' ')
        && head
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._[]".contains(c))
    {
        return (head.to_string(), rest.to_string());
    }
    (String::new(), message.to_string())
}

/// serde_yaml appends " at line L column C"; the location is shown separately.
fn strip_location(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(idx) => message[..idx].to_string(),
        None => message.to_string(),
    }
}

/// Line and column of each field, for pointing diagnostics at the source. Built from a
/// span-preserving parse; when that parse fails the map is empty and diagnostics simply
/// carry no position.
pub struct SourceMap {
    root: Option<marked_yaml::Node>,
}

impl SourceMap {
    pub fn new(text: &str) -> Self {
        SourceMap {
            root: marked_yaml::parse_yaml(0, text).ok(),
        }
    }

    pub fn empty() -> Self {
        SourceMap { root: None }
    }

    /// Position of the value at a dotted path such as `kubernetes.cert_sans[1]`; falls
    /// back to the nearest parent that exists (a missing key points at its section).
    pub fn locate(&self, path: &str) -> Option<(usize, usize)> {
        let mut node = self.root.as_ref()?;
        // A key missing at the top level has no better place to point at than nothing.
        let mut best = None;
        for segment in path.split('.').filter(|s| !s.is_empty()) {
            let (key, index) = match segment.split_once('[') {
                Some((k, rest)) => (k, rest.trim_end_matches(']').parse::<usize>().ok()),
                None => (segment, None),
            };
            let Some(next) = node.as_mapping().and_then(|m| m.get_node(key)) else {
                return best;
            };
            node = next;
            best = position(node).or(best);
            if let Some(i) = index {
                let Some(item) = node.as_sequence().and_then(|s| s.get_node(i)) else {
                    return best;
                };
                node = item;
                best = position(node).or(best);
            }
        }
        best
    }
}

fn position(node: &marked_yaml::Node) -> Option<(usize, usize)> {
    node.span().start().map(|m| (m.line(), m.column()))
}
