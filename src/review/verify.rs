//! Review tooling, `kubeprint verify`: a rendered [`Tree`] alone (no secrets file) →
//! every inconsistency between its files, or a short summary of what agrees.
//!
//! The checks are the ways a cluster fails to come up even though every file looks
//! fine by itself: a join token or CA pin that does not match the control plane, an
//! endpoint the API server certificate does not cover, a CNI network that is not the
//! pod subnet, package pins from another release, a secret in a file meant to be baked.

use crate::error::Result;
use std::collections::BTreeSet;

use serde_yaml::Value;

use crate::artifact::{MANIFEST, SHA256SUMS};
use crate::digest::sha256_hex;
use crate::plan::kubeadm::CRIO_SOCKET;
use crate::review::facts::{self, Bundle, Found, NodeKind, kind_of};
use crate::review::mask;
use crate::review::tree::Tree;
use crate::secrets::pki;

#[derive(Debug, Default)]
pub struct Outcome {
    /// `file: what disagrees`, never with a secret value.
    pub problems: Vec<String>,
    /// What was checked, for the success message.
    pub summary: Vec<String>,
}

pub fn verify(tree: &Tree) -> Outcome {
    let mut out = Outcome::default();
    let bundles = facts::bundles(tree);
    if bundles.is_empty() {
        out.problems.push(
            "no role bundle found (a directory with `bootstrap.sh` and `steps/`)".to_string(),
        );
        return out;
    }
    for b in &bundles {
        out.problems.extend(b.problems.iter().cloned());
    }
    out.summary.push(format!(
        "bundles: {}",
        bundles
            .iter()
            .map(|b| format!("{} ({})", display_dir(&b.dir), b.kind().label()))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    let tokens = match reference(&bundles, &mut out) {
        Some(r) => {
            check_cluster(&bundles, &r, &mut out);
            r.tokens
        }
        None => Vec::new(),
    };
    check_secret_placement(tree, &bundles, &tokens, &mut out);
    check_sums(tree, &mut out);
    // The same copy can fail two checks the same way (reference and cross-check).
    let mut seen = BTreeSet::new();
    out.problems.retain(|p| seen.insert(p.clone()));
    out
}

fn display_dir(dir: &str) -> &str {
    if dir.is_empty() { "." } else { dir }
}

/// What every other file is compared with: the first init bundle's own step files.
struct Reference {
    file: String,
    tokens: Vec<String>,
    cluster: Value,
    ca_file: String,
    ca_hash: String,
}

fn reference(bundles: &[Bundle], out: &mut Outcome) -> Option<Reference> {
    let Some(init) = bundles.iter().find(|b| b.kind() == NodeKind::Init) else {
        out.problems
            .push("no bundle runs `kubeadm init` (a `kubeadm-init` step)".to_string());
        return None;
    };
    let Some(config) = init.step_kubeadm() else {
        out.problems.push(format!(
            "{}: the kubeadm-init step has no kubeadm configuration here-document",
            display_dir(&init.dir)
        ));
        return None;
    };
    let docs = &config.value;
    let tokens: Vec<String> = docs
        .iter()
        .filter(|d| kind_of(d) == "InitConfiguration")
        .flat_map(|d| {
            d["bootstrapTokens"]
                .as_sequence()
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|t| t["token"].as_str().map(str::to_string))
        .collect();
    if tokens.is_empty() {
        out.problems.push(format!(
            "{}: InitConfiguration has no bootstrapTokens, so no node can join",
            config.file
        ));
    }
    let Some(cluster) = docs
        .iter()
        .find(|d| kind_of(d) == "ClusterConfiguration")
        .cloned()
    else {
        out.problems
            .push(format!("{}: no ClusterConfiguration document", config.file));
        return None;
    };
    let (ca_file, ca_hash) = match init.ca_certs.first() {
        None => {
            out.problems.push(format!(
                "{}: no step installs the cluster CA certificate (/etc/kubernetes/pki/ca.crt), so the CA pin cannot be checked",
                display_dir(&init.dir)
            ));
            (String::new(), String::new())
        }
        Some(ca) => match ca_hash(&ca.value) {
            Ok(h) => (ca.file.clone(), h),
            Err(e) => {
                out.problems.push(format!(
                    "{}: the CA certificate cannot be read: {e}",
                    ca.file
                ));
                (String::new(), String::new())
            }
        },
    };
    Some(Reference {
        file: config.file.clone(),
        tokens,
        cluster,
        ca_file,
        ca_hash,
    })
}

fn ca_hash(pem: &str) -> Result<String> {
    pki::inspect_certificate(pem).map(|info| pki::ca_cert_hash(&info.spki_der))
}

fn check_cluster(bundles: &[Bundle], r: &Reference, out: &mut Outcome) {
    let c = &r.cluster;
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let version = text(&c["kubernetesVersion"]);
    let version = version.trim_start_matches('v').to_string();
    let minor: Option<u32> = version.split('.').nth(1).and_then(|m| m.parse().ok());
    let endpoint = text(&c["controlPlaneEndpoint"]);
    let pod_subnet = text(&c["networking"]["podSubnet"]);
    let sans: Vec<String> = c["apiServer"]["certSANs"]
        .as_sequence()
        .into_iter()
        .flatten()
        .map(text)
        .collect();
    if endpoint.is_empty() {
        out.problems.push(format!(
            "{}: ClusterConfiguration has no controlPlaneEndpoint, so the API server certificate need not cover the address nodes join through",
            r.file
        ));
    }
    if minor.is_none() {
        out.problems.push(format!(
            "{}: kubernetesVersion `{version}` is not a version",
            r.file
        ));
    }
    let covered = |host: &str| host == host_of(&endpoint) || sans.iter().any(|s| s == host);

    let mut joins = 0;
    let join_bundles = bundles
        .iter()
        .filter(|b| b.kind() == NodeKind::Join)
        .count();
    let mut cni_seen = Vec::new();
    for b in bundles {
        for k in &b.kubeadm {
            for doc in &k.value {
                check_document(doc, k, r, &covered, out, &mut joins);
            }
        }
        if b.kind() == NodeKind::Init {
            let has_kubelet = b
                .kubeadm
                .iter()
                .all(|k| k.value.iter().any(|d| kind_of(d) == "KubeletConfiguration"));
            if !has_kubelet {
                out.problems.push(format!(
                    "{}: the kubeadm init configuration has no KubeletConfiguration (cgroupDriver: systemd, which CRI-O uses)",
                    display_dir(&b.dir)
                ));
            }
        }
        for ca in &b.ca_certs {
            match ca_hash(&ca.value) {
                Ok(h) if h == r.ca_hash || r.ca_hash.is_empty() => {}
                Ok(h) => out.problems.push(format!(
                    "{}: installs a CA certificate with hash {h}, but {} installs {}",
                    ca.file, r.ca_file, r.ca_hash
                )),
                Err(e) => out.problems.push(format!(
                    "{}: the CA certificate cannot be read: {e}",
                    ca.file
                )),
            }
        }
        for cni in &b.cni {
            match facts::cni_pod_network(&cni.value) {
                Ok(net) if net == pod_subnet => {}
                Ok(net) => out.problems.push(format!(
                    "{}: the {} manifest gets pod network {net}, but podSubnet is {pod_subnet} ({})",
                    cni.file, cni.value.plugin, r.file
                )),
                Err(e) => out.problems.push(format!("{}: {e}", cni.file)),
            }
            cni_seen.push(cni.value.plugin.clone());
        }
        check_packages(b, &version, minor, out);
    }
    if !r.ca_hash.is_empty() {
        out.summary.push(format!(
            "token and CA pin {} agree in {join_bundles} joining bundle(s) ({joins} join configurations, counting copies)",
            r.ca_hash
        ));
    }
    if !endpoint.is_empty() {
        out.summary.push(format!(
            "endpoint {endpoint} is covered by the API server certificate"
        ));
    }
    cni_seen.dedup();
    out.summary.push(match cni_seen.as_slice() {
        [] => format!("pod subnet {pod_subnet} (no CNI step)"),
        plugins => format!("pod subnet {pod_subnet} matches {}", plugins.join(", ")),
    });
    out.summary.push(format!(
        "packages pinned to Kubernetes {version}; CRI-O socket and systemd cgroup driver set"
    ));
}

/// `10.0.0.1:6443` → `10.0.0.1`, `[fd00::1]:6443` → `fd00::1`, `name` → `name`.
fn host_of(endpoint: &str) -> &str {
    if let Some(rest) = endpoint.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match endpoint.rsplit_once(':') {
        Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) => host,
        _ => endpoint,
    }
}

fn check_document(
    doc: &Value,
    k: &Found<Vec<Value>>,
    r: &Reference,
    covered: &dyn Fn(&str) -> bool,
    out: &mut Outcome,
    joins: &mut usize,
) {
    let file = &k.file;
    let socket = doc["nodeRegistration"]["criSocket"].as_str();
    match kind_of(doc) {
        "InitConfiguration" | "JoinConfiguration" if socket != Some(CRIO_SOCKET) => {
            out.problems.push(format!(
                "{file}: {} criSocket is `{}`, expected `{CRIO_SOCKET}` (CRI-O)",
                kind_of(doc),
                socket.unwrap_or("(unset)")
            ));
        }
        _ => {}
    }
    match kind_of(doc) {
        "InitConfiguration" => {
            let tokens: Vec<&str> = doc["bootstrapTokens"]
                .as_sequence()
                .into_iter()
                .flatten()
                .filter_map(|t| t["token"].as_str())
                .collect();
            if tokens != r.tokens.iter().map(String::as_str).collect::<Vec<_>>() {
                out.problems.push(format!(
                    "{file}: the bootstrap token differs from the one in {}",
                    r.file
                ));
            }
        }
        "ClusterConfiguration" => {
            for field in ["kubernetesVersion", "controlPlaneEndpoint", "clusterName"] {
                if doc[field] != r.cluster[field] {
                    out.problems.push(format!(
                        "{file}: ClusterConfiguration {field} differs from the one in {}",
                        r.file
                    ));
                }
            }
            if doc["networking"] != r.cluster["networking"] {
                out.problems.push(format!(
                    "{file}: ClusterConfiguration networking differs from the one in {}",
                    r.file
                ));
            }
        }
        "KubeletConfiguration" => {
            let driver = doc["cgroupDriver"].as_str();
            if driver != Some("systemd") {
                out.problems.push(format!(
                    "{file}: KubeletConfiguration cgroupDriver is `{}`, expected `systemd` (CRI-O's)",
                    driver.unwrap_or("(unset)")
                ));
            }
        }
        "JoinConfiguration" => {
            *joins += 1;
            let discovery = &doc["discovery"]["bootstrapToken"];
            let token = discovery["token"].as_str().unwrap_or_default();
            if !r.tokens.iter().any(|t| t == token) {
                out.problems.push(format!(
                    "{file}: the join token differs from the bootstrap token in {}",
                    r.file
                ));
            }
            let pins: Vec<&str> = discovery["caCertHashes"]
                .as_sequence()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            if pins.is_empty() {
                out.problems.push(format!(
                    "{file}: caCertHashes is empty, so the node would trust any API server"
                ));
            }
            for pin in pins {
                if !r.ca_hash.is_empty() && pin != r.ca_hash {
                    out.problems.push(format!(
                        "{file}: caCertHashes pins {pin}, but the CA certificate in {} hashes to {}",
                        r.ca_file, r.ca_hash
                    ));
                }
            }
            let api = discovery["apiServerEndpoint"].as_str().unwrap_or_default();
            if !covered(host_of(api)) {
                out.problems.push(format!(
                    "{file}: apiServerEndpoint `{api}` is neither the controlPlaneEndpoint nor in certSANs ({}), so the API server certificate does not cover it",
                    r.file
                ));
            }
        }
        _ => {}
    }
}

fn check_packages(b: &Bundle, version: &str, minor: Option<u32>, out: &mut Outcome) {
    let mut pinned = BTreeSet::new();
    for pin in &b.pins {
        pinned.insert(pin.value.package.as_str());
        let upstream = pin.value.version.split('-').next().unwrap_or_default();
        if upstream != version {
            out.problems.push(format!(
                "{}: {} is pinned to {}, but kubernetesVersion is v{version}",
                pin.file, pin.value.package, pin.value.version
            ));
        }
    }
    for package in ["kubelet", "kubeadm", "kubectl"] {
        if !pinned.contains(package) {
            out.problems.push(format!(
                "{}: {package} is not installed at a pinned version",
                display_dir(&b.dir)
            ));
        }
    }
    let Some(minor) = minor else { return };
    for repo in &b.repos {
        let relevant = repo.value.name == "cri-o" || repo.value.name == "kubernetes";
        match facts::repo_minor(&repo.value.url) {
            Some(m) if relevant && m != minor => out.problems.push(format!(
                "{}: the {} repository is for 1.{m} ({}), but kubernetesVersion is v{version}",
                repo.file, repo.value.name, repo.value.url
            )),
            // Mirrors do not name their release: nothing to compare.
            _ => {}
        }
    }
}

/// Workers never get a private key; bake-stage and non-secret files get neither a
/// private key nor the token.
fn check_secret_placement(tree: &Tree, bundles: &[Bundle], tokens: &[String], out: &mut Outcome) {
    let has_token = |text: &str| {
        tokens.iter().any(|t| text.contains(t.as_str())) || !mask::token_shapes(text).is_empty()
    };
    for b in bundles.iter().filter(|b| b.is_worker()) {
        for file in &b.files {
            if tree
                .get(file)
                .is_some_and(|f| mask::has_private_key(&String::from_utf8_lossy(&f.bytes)))
            {
                out.problems.push(format!(
                    "{file}: a worker file carries a private key (`PRIVATE KEY`)"
                ));
            }
        }
    }
    // Which files must stay public: per manifest.json, or steps 01-05 without one.
    let mut public: Vec<(String, &str)> = Vec::new();
    match tree
        .get(MANIFEST)
        .map(|f| serde_json::from_slice::<serde_json::Value>(&f.bytes))
    {
        Some(Ok(m)) => {
            for f in m["files"].as_array().into_iter().flatten() {
                let path = f["path"].as_str().unwrap_or_default().to_string();
                if f["stage"] == "bake" {
                    public.push((path, "a bake-stage file"));
                } else if f["secret"] == false {
                    public.push((path, "a file manifest.json marks not secret"));
                }
            }
        }
        Some(Err(e)) => out
            .problems
            .push(format!("{MANIFEST}: not valid JSON ({e})")),
        None => {
            for b in bundles {
                for step in &b.step_files {
                    if facts::step_number(step).is_some_and(|n| n <= 5) {
                        public.push((step.clone(), "a bake-stage file"));
                    }
                }
            }
        }
    }
    public.push((SHA256SUMS.to_string(), "a public file"));
    public.push((MANIFEST.to_string(), "a public file"));
    for (path, what) in public {
        let Some(f) = tree.get(&path) else { continue };
        let text = String::from_utf8_lossy(&f.bytes);
        if mask::has_private_key(&text) {
            out.problems.push(format!(
                "{path}: {what} carries a private key (`PRIVATE KEY`)"
            ));
        }
        if has_token(&text) {
            out.problems
                .push(format!("{path}: {what} carries a bootstrap token"));
        }
    }
}

fn check_sums(tree: &Tree, out: &mut Outcome) {
    let Some(sums) = tree.get(SHA256SUMS) else {
        out.problems.push(format!(
            "{SHA256SUMS} is missing (render again with this kubeprint)"
        ));
        return;
    };
    let mut listed = BTreeSet::new();
    for (n, line) in String::from_utf8_lossy(&sums.bytes).lines().enumerate() {
        let Some((hash, path)) = line.split_once("  ").or_else(|| line.split_once(" *")) else {
            out.problems.push(format!(
                "{SHA256SUMS}:{}: not a `<sha256>  <path>` line",
                n + 1
            ));
            continue;
        };
        listed.insert(path.to_string());
        match tree.get(path) {
            None => out
                .problems
                .push(format!("{path}: listed in {SHA256SUMS} but missing")),
            Some(f) if sha256_hex(&f.bytes) != hash => out.problems.push(format!(
                "{path}: content does not match its {SHA256SUMS} entry"
            )),
            Some(_) => {}
        }
    }
    for path in tree.keys() {
        if path != SHA256SUMS && path != MANIFEST && !listed.contains(path) {
            out.problems
                .push(format!("{path}: not listed in {SHA256SUMS}"));
        }
    }
    if let Some(Ok(m)) = tree
        .get(MANIFEST)
        .map(|f| serde_json::from_slice::<serde_json::Value>(&f.bytes))
    {
        for f in m["files"].as_array().into_iter().flatten() {
            let path = f["path"].as_str().unwrap_or_default();
            if let Some(file) = tree.get(path)
                && f["sha256"].as_str() != Some(sha256_hex(&file.bytes).as_str())
            {
                out.problems.push(format!(
                    "{path}: content does not match its {MANIFEST} entry"
                ));
            }
        }
    }
    out.summary
        .push(format!("{} files match {SHA256SUMS}", listed.len()));
}
