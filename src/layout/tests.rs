//! The paths kubeprint owns: the list refuses what it should, and covers every path a
//! rendered bundle writes, for every example and the options that add files.

use super::*;

#[test]
fn owned_paths_their_insides_and_the_way_to_them_are_taken() {
    for taken in [
        "/etc/kubernetes/pki/ca.crt",
        "/etc/kubernetes/admin.conf",
        "/etc/kubernetes",
        "/var/lib",
        "/etc/kubeprint/cni/calico.yaml",
        BOOTSTRAP_PATH,
    ] {
        assert!(owner_of(taken).is_some(), "{taken}");
    }
    for free in [
        "/etc/kubernetes/audit/policy.yaml",
        "/etc/kubeprint-notes",
        "/var/lib/etcd-backup/x",
        "/etc/containers/registries.conf.d/50-mirror.conf",
    ] {
        assert!(owner_of(free).is_none(), "{free}");
    }
}

#[test]
fn paths_of_the_options_are_taken() {
    for taken in [
        ENCRYPTION_CONFIG_PATH,
        AUDIT_POLICY_PATH,
        AUDIT_LOG_PATH,
        PROXY_APT_CONF,
        PROXY_CRIO_DROPIN,
        PROXY_CONTAINERD_DROPIN,
        PROXY_KUBELET_DROPIN,
        FSTAB_PATH,
        CONTAINERD_CONFIG_PATH,
        "/etc/containerd/certs.d/docker.io/hosts.toml",
        CRICTL_CONFIG_PATH,
        "/etc/apt/sources.list.d/containerd.list",
        "/etc/apt/keyrings/cri-o-apt-keyring.gpg",
        "/etc/cni/net.d/100-crio-bridge.conflist",
    ] {
        assert!(owner_of(taken).is_some(), "{taken}");
    }
    for free in [
        "/etc/apt/keyrings/example.gpg",
        "/etc/systemd/system/crio.service.d/50-limits.conf",
        "/etc/apt/sources.list.d/docker.list",
        "/etc/containerd/config.d/50-user.toml",
        "/etc/cni/net.d/99-loopback.conf",
    ] {
        assert!(owner_of(free).is_none(), "{free}");
    }
}

/// A path a script writes: a file (written, replaced, edited or removed) or a directory
/// it creates or changes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Write {
    File(String),
    Dir(String),
}

/// Variables that still name a path after substitution, and why they are not checked
/// where they appear: helper parameters (their callers' paths are read at the call),
/// the user's own files, and the admin user's home, known only on the node.
const RUNTIME_VARIABLES: &[&str] = &[
    "path", "tmp", "dir", "1", "keyring", "home", "keys", "user", "group",
];

/// Every path `script` writes, with its variables substituted from the script's own
/// assignments; here-document bodies (content, not commands) and comments are skipped.
/// A path still holding a variable must use one of [`RUNTIME_VARIABLES`].
fn written_paths(script: &str, file: &str) -> Vec<Write> {
    let mut vars: Vec<(String, String)> = Vec::new();
    let mut out = Vec::new();
    let mut lines = script.lines();
    while let Some(line) = lines.next() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') {
            continue;
        }
        let code = match line.split_once(&format!("<<'{HEREDOC_END}'")) {
            Some((code, _)) => {
                lines
                    .by_ref()
                    .take_while(|l| *l != HEREDOC_END)
                    .for_each(drop);
                code
            }
            None => line,
        };
        // A command whose quoted argument spans lines (a user's command) writes nothing
        // of kubeprint's.
        let Some(words) = shlex::split(code) else {
            continue;
        };
        let words: Vec<String> = words.iter().map(|w| substitute(w, &vars)).collect();
        for w in &words {
            if let Some((name, value)) = w.split_once('=')
                && !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && value.starts_with('/')
            {
                vars.push((name.to_string(), value.to_string()));
            }
        }
        for command in words.split(|w| ["|", "||", "&&", ";"].contains(&w.as_str())) {
            out.extend(writes_of(command));
        }
    }
    let mut checked = Vec::new();
    for w in out {
        let (Write::File(p) | Write::Dir(p)) = &w;
        if p.starts_with("/dev/") || p.starts_with("$(") {
            continue;
        }
        if let Some(i) = p.find('$') {
            // `/var/lib/kubeprint/done/$id`: something inside a directory the test knows.
            if let Some(slash) = p[..i].rfind('/').filter(|_| p.starts_with('/')) {
                checked.push(Write::File(p[..slash].to_string()));
                continue;
            }
            let name: String = p[i + 1..]
                .trim_start_matches('{')
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            assert!(
                RUNTIME_VARIABLES.contains(&name.as_str()),
                "{file}: writes `{p}`, whose `${name}` the test cannot resolve"
            );
            continue;
        }
        if p.starts_with('/') {
            checked.push(w);
        }
    }
    checked
}

/// `$NAME` and `${NAME}` replaced by the script's last assignment to them.
fn substitute(word: &str, vars: &[(String, String)]) -> String {
    let mut out = word.to_string();
    for (name, value) in vars.iter().rev() {
        out = out.replace(&format!("${{{name}}}"), value);
        let plain = format!("${name}");
        let mut from = 0;
        while let Some(at) = out[from..].find(&plain).map(|i| i + from) {
            let end = at + plain.len();
            let bounded = out[end..]
                .chars()
                .next()
                .is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_'));
            if bounded {
                out.replace_range(at..end, value);
                from = at + value.len();
            } else {
                from = end;
            }
        }
    }
    out
}

/// What one simple command writes: its redirections and, for the commands that write
/// files, their path arguments.
fn writes_of(words: &[String]) -> Vec<Write> {
    let mut out = Vec::new();
    for (i, w) in words.iter().enumerate() {
        if let Some(at) = w.find('>') {
            let target = w[at..].trim_start_matches('>');
            let target = if target.is_empty() {
                words.get(i + 1).map(String::as_str).unwrap_or_default()
            } else {
                target
            };
            // `>&1`, `>&"$FD"`: a descriptor duplicated, not a file written.
            if target.starts_with('&') {
                continue;
            }
            out.push(Write::File(target.to_string()));
        }
    }
    let file = |p: &String| Write::File(p.clone());
    let operands = |args: &[String], with_value: &[&str]| -> Vec<String> {
        let mut ops = Vec::new();
        let mut skip = false;
        for a in args {
            if skip {
                skip = false;
            } else if with_value.contains(&a.as_str()) {
                skip = true;
            } else if !a.starts_with('-') && !a.contains('>') {
                ops.push(a.clone());
            }
        }
        ops
    };
    for (i, w) in words.iter().enumerate() {
        let args = &words[i + 1..];
        match w.as_str() {
            "write_file" => out.extend(args.first().map(file)),
            "install_apt_key" => out.extend(args.get(1).map(file)),
            "install" if args.iter().any(|a| a == "-d") => out.extend(
                operands(args, &["-m", "-o", "-g"])
                    .into_iter()
                    .map(Write::Dir),
            ),
            "mkdir" => out.extend(operands(args, &["-m"]).into_iter().map(Write::Dir)),
            "touch" | "rm" | "tee" => out.extend(operands(args, &[]).iter().map(file)),
            "chmod" => out.extend(operands(args, &[]).iter().skip(1).map(file)),
            "mv" | "cp" | "ln" => out.extend(operands(args, &[]).last().map(file)),
            "sed" if args.iter().any(|a| a.starts_with("-i")) => {
                out.extend(operands(args, &["-e"]).last().map(file))
            }
            "curl" => out.extend(
                args.iter()
                    .position(|a| a == "-o")
                    .and_then(|o| args.get(o + 1))
                    .map(file),
            ),
            _ => {}
        }
    }
    out
}

/// Paths a Python fetcher names as module constants (`LOG = "/var/log/…"`).
fn python_paths(text: &str) -> Vec<Write> {
    text.lines()
        .filter_map(|l| l.split_once(" = \"/"))
        .filter(|(name, _)| name.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
        .map(|(_, rest)| format!("/{}", rest.split('"').next().unwrap_or_default()))
        .map(Write::File)
        .collect()
}

/// Every path a bundle writes on a node: user-data's `write_files` (and the scripts and
/// fetcher they carry) and every script of the bundle. The image build's scripts run
/// before any user file exists, and the operator's never on a node: both are left out.
fn bundle_writes(artifacts: &crate::Artifacts) -> std::collections::BTreeSet<(String, Write)> {
    let mut found = std::collections::BTreeSet::new();
    for (name, artifact) in artifacts {
        // The operator's scripts (publish/, airgap/) run on the operator's host, not a node.
        let operator = name.starts_with("publish/") || name.starts_with("airgap/");
        if name.starts_with("packer/") || operator || name.ends_with(".gz") {
            continue;
        }
        let text = String::from_utf8_lossy(&artifact.bytes);
        let mut add = |writes: Vec<Write>| {
            found.extend(writes.into_iter().map(|w| (name.clone(), w)));
        };
        if name.ends_with(".sh") {
            add(written_paths(&text, name));
        } else if name.contains("user-data") {
            let doc: serde_yaml::Value = serde_yaml::from_str(&text).expect("user-data is YAML");
            for f in doc["write_files"].as_sequence().into_iter().flatten() {
                let path = f["path"].as_str().expect("a path").to_string();
                let content = f["content"].as_str().unwrap_or_default();
                add(vec![Write::File(path.clone())]);
                if path.ends_with(".py") {
                    add(python_paths(content));
                } else if content.starts_with("#!") {
                    add(written_paths(content, name));
                }
            }
            for cmd in doc["runcmd"].as_sequence().into_iter().flatten() {
                let line = match cmd.as_sequence() {
                    Some(argv) => argv
                        .iter()
                        .filter_map(|a| a.as_str())
                        .map(|a| shlex::try_quote(a).unwrap().into_owned())
                        .collect::<Vec<_>>()
                        .join(" "),
                    None => cmd.as_str().unwrap_or_default().to_string(),
                };
                add(written_paths(&line, name));
            }
        }
    }
    found
}

/// Each example as written, with the API server options on, and with a proxy: the
/// definitions every file kubeprint can write comes from.
fn definitions() -> Vec<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut out = vec![("default".to_string(), crate::DEFAULT_CLUSTER.to_string())];
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        out.push((name, std::fs::read_to_string(&path).unwrap()));
    }
    let mut variants = Vec::new();
    for (name, text) in &out {
        let doc: serde_yaml::Value = serde_yaml::from_str(text).unwrap();
        let mut api = doc.clone();
        api["kubernetes"]["encryption_at_rest"] = true.into();
        api["kubernetes"]["audit_log"] = true.into();
        variants.push((format!("{name} with the API server options"), api));
        let mut proxy = doc;
        if proxy["proxy"].is_null() {
            proxy["proxy"] =
                serde_yaml::from_str("http: http://proxy.example.internal:3128").unwrap();
        }
        variants.push((format!("{name} with a proxy"), proxy));
    }
    let variants = variants
        .into_iter()
        .map(|(n, d)| (n, serde_yaml::to_string(&d).unwrap()));
    out.extend(variants);
    out
}

/// The owned list cannot drift from what the plan writes: every path any rendered
/// bundle writes, for every example and with every option, is one a `files` entry is
/// refused (the path itself or a directory it lies in; for a directory kubeprint
/// creates, also one on the way to such a path).
#[test]
fn every_path_a_bundle_writes_is_owned() {
    let secrets = crate::fixture_secrets();
    let mut rendered = 0;
    let mut writes = std::collections::BTreeSet::new();
    for (name, text) in definitions() {
        let (cluster, report) = crate::load_cluster(&text, &name, false);
        let Some(cluster) = cluster else {
            // An option an old release cannot have is refused; the example itself renders.
            assert!(name.contains(" with "), "{name}: {report}");
            continue;
        };
        // A variant may outgrow EC2's user-data limit; the examples themselves fit.
        let artifacts = match crate::render_cluster(&cluster, &secrets) {
            Ok(a) => a,
            Err(e) => {
                assert!(name.contains(" with "), "{name}: {e}");
                continue;
            }
        };
        rendered += 1;
        writes.extend(
            bundle_writes(&artifacts)
                .into_iter()
                .map(|(file, w)| (w, format!("{name}: {file}"))),
        );
    }
    assert!(rendered >= 20, "only {rendered} definitions rendered");
    let seen = |p: &str| {
        writes
            .iter()
            .any(|(w, _)| matches!(w, Write::File(x) if x == p))
    };
    for expected in [
        ENCRYPTION_CONFIG_PATH,
        AUDIT_POLICY_PATH,
        PROXY_CRIO_DROPIN,
        BOOTSTRAP_PATH,
        FSTAB_PATH,
    ] {
        assert!(seen(expected), "the scan misses {expected}");
    }
    let mut unowned = Vec::new();
    let mut reported = std::collections::BTreeSet::new();
    for (write, whence) in writes.iter().filter(|(w, _)| reported.insert(w.clone())) {
        let covered = match write {
            Write::File(p) => owner_of(p)
                .is_some_and(|(owned, _)| p == &owned || p.starts_with(&format!("{owned}/"))),
            Write::Dir(p) => owner_of(p).is_some(),
        };
        if !covered {
            unowned.push(format!("{write:?} ({whence})"));
        }
    }
    assert!(
        unowned.is_empty(),
        "written but not owned:\n{}",
        unowned.join("\n")
    );
}
