//! Part of `verify`: the HTTP(S) proxy. Every script with kubeprint's prelude (bundle
//! steps, `bootstrap*.sh`, the bootstrap inside inline user-data, the Packer scripts)
//! exports the proxy manifest.json records, or none when it records none; the apt and
//! systemd drop-ins they write say the same; delivery stubs run the fetcher with it.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::plan::proxy::{APT_CONF, environment};
use crate::review::facts::heredocs;
use crate::review::tree::Tree;

use super::findings::{Findings, read_manifest};

/// Marks a script that includes kubeprint's prelude (`templates/prelude.sh.j2`).
const PRELUDE: &str = "declare -rx KUBEPRINT_STATE=";
const NAMES: [&str; 6] = [
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "NO_PROXY",
    "no_proxy",
];

type Env = BTreeMap<String, String>;

pub(super) fn check_proxy(tree: &Tree, out: &mut Findings) {
    let Some(Ok(manifest)) = read_manifest(tree) else {
        return;
    };
    let expected = expected(&manifest["inputs"]["proxy"]);
    let mut checked = 0;
    for (path, text) in scripts(tree) {
        check_script(&path, &text, expected.as_ref(), out);
        checked += 1;
    }
    for (path, env) in stub_environments(tree) {
        if env != expected.clone().unwrap_or_default() {
            out.problems.push(format!(
                "{path}: the fetcher runs with proxy settings other than manifest.json's"
            ));
        }
    }
    if let Some(env) = expected {
        out.summary.push(format!(
            "proxy {}: {checked} scripts and their apt and systemd drop-ins agree ({} NO_PROXY entries)",
            env["HTTPS_PROXY"],
            env["NO_PROXY"].split(',').count()
        ));
    }
}

/// The six variables manifest.json's `proxy` implies; `None` without one.
fn expected(record: &Value) -> Option<Env> {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    record.as_object()?;
    let no_proxy: Vec<String> = record["no_proxy"]
        .as_array()
        .into_iter()
        .flatten()
        .map(text)
        .collect();
    let env = environment(
        &text(&record["http"]),
        &text(&record["https"]),
        &no_proxy.join(","),
    );
    Some(
        env.into_iter()
            .map(|v| (v.name.to_string(), v.value))
            .collect(),
    )
}

fn check_script(path: &str, text: &str, expected: Option<&Env>, out: &mut Findings) {
    let exported = exports(text);
    match expected {
        None if !exported.is_empty() => out.problems.push(format!(
            "{path}: exports proxy variables, but manifest.json records no proxy"
        )),
        Some(env) if &exported != env => out.problems.push(format!(
            "{path}: its proxy variables differ from manifest.json's{}",
            first_difference(env, &exported)
        )),
        _ => {}
    }
    let Some(env) = expected else { return };
    for doc in heredocs(text) {
        let written = if doc.opener.contains(APT_CONF) {
            apt_proxies(&doc.body)
        } else if doc.opener.contains(".service.d/http-proxy.conf") {
            systemd_environment(&doc.body)
        } else {
            continue;
        };
        let wanted = if doc.opener.contains(APT_CONF) {
            [("http", &env["HTTP_PROXY"]), ("https", &env["HTTPS_PROXY"])]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect()
        } else {
            env.clone()
        };
        if written != wanted {
            let file = doc.opener.split_whitespace().nth(1).unwrap_or_default();
            out.problems.push(format!(
                "{path}: the drop-in {file} disagrees with manifest.json's proxy{}",
                first_difference(&wanted, &written)
            ));
        }
    }
}

/// ` (NAME)` naming the first variable that differs.
fn first_difference(expected: &Env, found: &Env) -> String {
    expected
        .keys()
        .chain(found.keys())
        .find(|k| expected.get(*k) != found.get(*k))
        .map(|k| format!(" (`{k}`)"))
        .unwrap_or_default()
}

/// `export NAME='value'` lines of the prelude.
fn exports(text: &str) -> Env {
    text.lines()
        .filter_map(|l| l.strip_prefix("export "))
        .filter_map(shlex::split)
        .flatten()
        .filter_map(assignment)
        .collect()
}

fn assignment(word: String) -> Option<(String, String)> {
    let (name, value) = word.split_once('=')?;
    NAMES
        .contains(&name)
        .then(|| (name.to_string(), value.to_string()))
}

/// `Acquire::http::Proxy "X";` and `Acquire::https::Proxy "X";`.
fn apt_proxies(body: &str) -> Env {
    body.lines()
        .filter_map(|l| {
            let rest = l.strip_prefix("Acquire::")?;
            let (scheme, value) = rest.split_once("::Proxy \"")?;
            Some((scheme.to_string(), value.strip_suffix("\";")?.to_string()))
        })
        .collect()
}

/// `Environment="NAME=value"` lines.
fn systemd_environment(body: &str) -> Env {
    body.lines()
        .filter_map(|l| l.strip_prefix("Environment=\"")?.strip_suffix('"'))
        .filter_map(|a| assignment(a.to_string()))
        .collect()
}

/// Every text with the prelude: shell files, and the scripts inline user-data writes.
fn scripts(tree: &Tree) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (path, file) in tree {
        let text = String::from_utf8_lossy(&file.bytes);
        if path.ends_with(".sh") && text.contains(PRELUDE) {
            out.push((path.clone(), text.into_owned()));
        } else if path.ends_with(".yaml") && path.contains("user-data") {
            out.extend(
                write_files(&text)
                    .into_iter()
                    .filter(|s| s.contains(PRELUDE))
                    .map(|s| (path.clone(), s)),
            );
        }
    }
    out
}

fn user_data(text: &str) -> serde_yaml::Value {
    serde_yaml::from_str(text).unwrap_or_default()
}

fn write_files(text: &str) -> Vec<String> {
    user_data(text)["write_files"]
        .as_sequence()
        .into_iter()
        .flatten()
        .filter_map(|f| f["content"].as_str().map(str::to_string))
        .collect()
}

/// The `env NAME=value … python3 …` a delivery stub runs, per stub.
fn stub_environments(tree: &Tree) -> Vec<(String, Env)> {
    let mut out = Vec::new();
    for (path, file) in tree {
        if !(path.ends_with(".yaml") && path.contains("user-data")) {
            continue;
        }
        let doc = user_data(&String::from_utf8_lossy(&file.bytes));
        let Some(command) = doc["runcmd"][0].as_sequence() else {
            continue;
        };
        let words: Vec<String> = command
            .iter()
            .filter_map(|w| w.as_str().map(str::to_string))
            .collect();
        if words.iter().any(|w| w == "python3") {
            out.push((
                path.clone(),
                words.into_iter().filter_map(assignment).collect(),
            ));
        }
    }
    out
}
