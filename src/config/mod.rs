//! Stage 1, load: `cluster.yaml` text → [`Config`], the definition exactly as written.
//!
//! Every key is optional here (absent keys take the guide's defaults in `validate`), and
//! unknown keys are rejected so a typo never silently falls back to a default.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_yaml::{Mapping, Value};

use crate::diagnostics::Diagnostic;

/// The embedded default cluster: the 2021 guide (Kubernetes 1.21.3, CRI-O 1.21, Canal).
mod source;

pub use source::SourceMap;

pub const DEFAULT_CLUSTER: &str = include_str!("../../examples/guide-1.21.yaml");
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
    /// Optional inventory: machines known by name and address.
    pub nodes: Option<Vec<NodeConfig>>,
    #[serde(default)]
    pub image: ImageConfig,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageConfig {
    pub arch: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeConfig {
    pub name: Option<String>,
    pub role: Option<String>,
    pub address: Option<String>,
    #[serde(default)]
    pub labels: std::collections::BTreeMap<String, String>,
    /// Absent: kubeadm's default taints; present, even empty: exactly these.
    pub taints: Option<Vec<TaintConfig>>,
}

/// A taint as written: a mapping (`{key, value, effect}`) or kubectl's
/// `key=value:Effect` / `key:Effect`; both read into the same fields.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(from = "TaintInput")]
pub struct TaintConfig {
    pub key: Option<String>,
    pub value: Option<String>,
    pub effect: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum TaintInput {
    Kubectl(String),
    Fields(TaintFields),
}

/// The mapping form's keys.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaintFields {
    pub key: Option<String>,
    pub value: Option<String>,
    pub effect: Option<String>,
}

impl From<TaintInput> for TaintConfig {
    fn from(input: TaintInput) -> Self {
        match input {
            TaintInput::Fields(f) => TaintConfig {
                key: f.key,
                value: f.value,
                effect: f.effect,
            },
            TaintInput::Kubectl(text) => parse_kubectl_taint(&text),
        }
    }
}

/// `key=value:Effect` or `key:Effect`, as `kubectl taint` and kubespray write taints.
/// Whatever is missing stays `None` for validation to report.
pub fn parse_kubectl_taint(text: &str) -> TaintConfig {
    let (spec, effect) = match text.rsplit_once(':') {
        Some((spec, effect)) => (spec, Some(effect.to_string())),
        None => (text, None),
    };
    let (key, value) = match spec.split_once('=') {
        Some((key, value)) => (key, Some(value.to_string())),
        None => (spec, None),
    };
    TaintConfig {
        key: Some(key.to_string()),
        value,
        effect,
    }
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
    /// How many control planes (default: those in `nodes`, else 1).
    pub control_planes: Option<u32>,
    /// The port the API servers bind (default 6443); the endpoint's port may differ
    /// behind a load balancer.
    pub api_server_port: Option<u16>,
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
    pub manifest_sha256: Option<String>,
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
    pub fn as_text(&self) -> Result<String, NumberRead> {
        match self {
            Scalar::Text(s) => Ok(s.clone()),
            Scalar::Integer(i) => Ok(i.to_string()),
            // Say what was read, not what might have been typed: `1.35` reads as 1.35,
            // `1.20` as 1.2, and only the second lost anything.
            Scalar::Float(f) => Err(NumberRead(format!(
                "YAML read this unquoted value as the number {f}, not as text; write it in quotes"
            ))),
        }
    }
}

/// Why a scalar cannot be taken as text: YAML read it as a number. Holds the hint to
/// show with the field's diagnostic.
#[derive(Debug, Clone, PartialEq)]
pub struct NumberRead(pub String);

/// A definition as far as it could be read: the fields that failed are left out of
/// `config` (and listed in `failed`), so validation can still check the rest.
#[derive(Debug, Default)]
pub struct Loaded {
    pub config: Config,
    pub problems: Vec<Diagnostic>,
    /// Dotted paths of keys that were unknown or of the wrong type.
    pub failed: Vec<String>,
}

/// Parses a definition, reporting every unknown key and wrong type at once (not just
/// the first), each with its dotted path and position. YAML syntax errors stop parsing
/// and come back alone, with the line and column the parser reports.
pub fn load(text: &str, source: &SourceMap) -> Result<Loaded, Vec<Diagnostic>> {
    let value: Value = serde_yaml::from_str(text).map_err(|err| {
        let location = err.location().map(|l| (l.line(), l.column()));
        vec![
            Diagnostic::error("", strip_location(&err.to_string()))
                .help("fix the YAML syntax at this position")
                .at(location),
        ]
    })?;
    let mut value = value;
    // `<<: *defaults` merge keys, as YAML 1.1 readers resolve them.
    value.apply_merge().map_err(|err| {
        vec![
            Diagnostic::error("", strip_location(&err.to_string()))
                .help("a merge key (`<<`) takes a mapping or a list of mappings"),
        ]
    })?;
    let mut root = match value {
        Value::Null => return Ok(Loaded::default()),
        Value::Mapping(m) => m,
        _ => {
            return Err(vec![
                Diagnostic::error("", "the cluster definition must be a mapping of keys")
                    .help("start with keys like `name:` and `kubernetes:`; see the cluster.yaml reference in README"),
            ]);
        }
    };

    let mut problems = Vec::new();
    let mut failed = Vec::new();
    root.retain(|key, value| keep_top_level(key, value, source, &mut problems, &mut failed));
    let config = serde_yaml::from_value(Value::Mapping(root)).unwrap_or_else(|e| {
        // Every field was checked on its own, so this is not expected; still, report
        // it rather than lose it.
        problems.push(Diagnostic::error("", strip_location(&e.to_string())));
        Config::default()
    });
    Ok(Loaded {
        config,
        problems,
        failed,
    })
}

/// Checks one top-level key (a section key by key); `false` drops it from the mapping
/// because it could not be read at all (and was reported).
fn keep_top_level(
    key: &Value,
    value: &mut Value,
    source: &SourceMap,
    problems: &mut Vec<Diagnostic>,
    failed: &mut Vec<String>,
) -> bool {
    let Some(name) = key.as_str() else {
        problems.push(Diagnostic::error("", "keys must be strings").help("quote the key"));
        return false;
    };
    // A place for YAML anchors, as in Compose files: `x-worker: &worker {...}` and
    // `<<: *worker` in nodes (merges are resolved by now).
    if name.starts_with("x-") {
        return false;
    }
    let before = problems.len();
    match name {
        "kubernetes" => check_section::<KubernetesConfig>(name, value, source, problems, failed),
        "runtime" => check_section::<RuntimeConfig>(name, value, source, problems, failed),
        "cni" => check_section::<CniConfig>(name, value, source, problems, failed),
        "packages" => check_section::<PackagesConfig>(name, value, source, problems, failed),
        "image" => check_section::<ImageConfig>(name, value, source, problems, failed),
        "nodes" if value.is_sequence() => {
            check_nodes(value, source, problems, failed);
            return true;
        }
        _ => {
            if !check_field::<Config>("", name, value, source, problems) {
                failed.push(name.to_string());
                return false;
            }
        }
    }
    // A section that is not a mapping at all is dropped whole.
    let drop = problems.len() > before && !value.is_mapping() && !value.is_null();
    if drop {
        failed.push(name.to_string());
    }
    !drop
}

/// Checks every key of every `nodes` entry on its own, so a typo inside a node is
/// reported at its own position with its full path (`nodes[1].adress`), and the rest
/// of the inventory is still checked.
fn check_nodes(
    value: &mut Value,
    source: &SourceMap,
    problems: &mut Vec<Diagnostic>,
    failed: &mut Vec<String>,
) {
    let Value::Sequence(items) = value else {
        return;
    };
    // An entry that is not a mapping is reported and dropped, so the others still load.
    let mut i = 0;
    items.retain(|item| {
        let path = format!("nodes[{i}]");
        i += 1;
        if item.is_mapping() {
            return true;
        }
        problems.push(
            Diagnostic::error(&path, "a node must be a mapping of keys")
                .help("write `- name: ...` followed by indented `role:` and `address:` lines")
                .at(source.locate(&path)),
        );
        false
    });
    for (i, item) in items.iter_mut().enumerate() {
        let path = format!("nodes[{i}]");
        let Value::Mapping(map) = item else {
            continue;
        };
        map.retain(|key, value| {
            let Some(name) = key.as_str() else {
                problems.push(
                    Diagnostic::error(&path, "keys must be strings")
                        .help("quote the key")
                        .at(source.locate(&path)),
                );
                return false;
            };
            if name == "taints"
                && let Value::Sequence(taints) = value
            {
                check_taints(&path, taints, source, problems, failed);
                return true;
            }
            let ok = check_field::<NodeConfig>(&path, name, value, source, problems);
            if !ok {
                failed.push(format!("{path}.{name}"));
            }
            ok
        });
    }
}

/// Each taint is kubectl's text form or a mapping whose keys are checked one by one.
fn check_taints(
    node: &str,
    taints: &mut [Value],
    source: &SourceMap,
    problems: &mut Vec<Diagnostic>,
    failed: &mut Vec<String>,
) {
    for (t, taint) in taints.iter_mut().enumerate() {
        let path = format!("{node}.taints[{t}]");
        match taint {
            Value::String(_) => {}
            Value::Mapping(map) => map.retain(|key, value| {
                let name = key.as_str().unwrap_or_default();
                let ok = check_field::<TaintFields>(&path, name, value, source, problems);
                if !ok {
                    failed.push(format!("{path}.{name}"));
                }
                ok
            }),
            _ => {
                problems.push(
                    Diagnostic::error(&path, "a taint is `key=value:Effect` or a mapping")
                        .help("write `dedicated=infra:NoSchedule`, or `{key: dedicated, value: infra, effect: NoSchedule}`")
                        .at(source.locate(&path)),
                );
                failed.push(path);
                *taint = Value::String(String::new());
            }
        }
    }
}

/// Checks each key of a section separately so every problem in it is reported.
/// Fields that fail are removed from the section and recorded in `failed`.
fn check_section<T: DeserializeOwned>(
    section: &str,
    value: &mut Value,
    source: &SourceMap,
    problems: &mut Vec<Diagnostic>,
    failed: &mut Vec<String>,
) {
    match value {
        Value::Null => {}
        Value::Mapping(map) => map.retain(|key, value| match key.as_str() {
            Some(name) => {
                let ok = check_field::<T>(section, name, value, source, problems);
                if !ok {
                    failed.push(format!("{section}.{name}"));
                }
                ok
            }
            None => {
                problems.push(
                    Diagnostic::error(section, "keys must be strings")
                        .help("quote the key")
                        .at(source.locate(section)),
                );
                false
            }
        }),
        _ => problems.push(
            Diagnostic::error(section, format!("`{section}` must be a mapping of keys"))
                .help(format!(
                    "write `{section}:` followed by indented `key: value` lines"
                ))
                .at(source.locate(section)),
        ),
    }
}

/// Deserializes `{name: value}` into `T` (all of whose fields are optional), so only
/// this field's problem can surface. Returns whether the field is fine.
fn check_field<T: DeserializeOwned>(
    section: &str,
    name: &str,
    value: &Value,
    source: &SourceMap,
    problems: &mut Vec<Diagnostic>,
) -> bool {
    let mut single = Mapping::new();
    single.insert(Value::String(name.to_string()), value.clone());
    let Err(err) = serde_yaml::from_value::<T>(Value::Mapping(single)) else {
        return true;
    };
    let path = if section.is_empty() {
        name.to_string()
    } else {
        format!("{section}.{name}")
    };
    let message = plain_types(&strip_location(&err.to_string()));
    let (inner, message) = split_serde_path(&message);
    // serde names nested positions relative to the single-key mapping (`cert_sans[1]`).
    let full_path = match (inner.is_empty(), section.is_empty()) {
        (true, _) => path.clone(),
        (false, true) => inner,
        (false, false) => format!("{section}.{inner}"),
    };
    let diag = if let Some(expected) = unknown_field_choices(&message) {
        let help = match closest(name, &expected) {
            Some(best) => format!(
                "did you mean `{best}`? known keys here: {}",
                expected.join(", ")
            ),
            None => format!("known keys here: {}", expected.join(", ")),
        };
        // Point at the key itself: the value of an unknown key is not the problem.
        Diagnostic::error(&path, format!("unknown key `{name}`"))
            .help(help)
            .at(source.locate_key(&path))
    } else {
        let help = if message.contains("expected a sequence") {
            "write a YAML list: one `- item` per line, or `[a, b]`"
        } else if message.contains("expected a string") {
            "write a single value here (quote it if it contains `:` or starts with a special character)"
        } else {
            "see the cluster.yaml reference in README for this key's type"
        };
        Diagnostic::error(&full_path, message)
            .help(help)
            .at(source.locate(&full_path))
    };
    problems.push(diag);
    false
}

/// serde names Rust types (`expected struct TaintFields`, `expected option`); say what
/// to write instead.
fn plain_types(message: &str) -> String {
    let mut out = message.replace("expected option", "expected a value");
    while let Some(i) = out.find("expected struct ") {
        let end = out[i + 16..]
            .find(|c: char| !c.is_alphanumeric())
            .map_or(out.len(), |e| i + 16 + e);
        out.replace_range(i..end, "expected a mapping of keys");
    }
    out
}

/// The known keys serde lists in "unknown field `x`, expected one of `a`, `b`".
fn unknown_field_choices(message: &str) -> Option<Vec<String>> {
    let rest = message.strip_prefix("unknown field `")?;
    let (_, expected) = rest.split_once("`, expected ")?;
    Some(
        expected
            .split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect(),
    )
}

/// The known key nearest to a typo, when it is near enough to be a likely meaning.
fn closest(typo: &str, known: &[String]) -> Option<String> {
    known
        .iter()
        .map(|k| (strsim::damerau_levenshtein(typo, k), k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k.clone())
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
