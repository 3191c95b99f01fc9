//! What the stand-ins serve, taken from kubeprint itself rather than listed by hand: the
//! URLs the curl double answers (every CNI manifest `kubeprint versions --format json`
//! pins, and the `Release.key` beside each repository the rendered apt sources name), and
//! the stand-in apt repository's InRelease files, clearsigned with the test key whose
//! public part is `repo-key.asc`. In: a scenario's rendered artifacts; out: files written
//! under the image's root.

use super::*;

/// The stand-in repository's signing key. Test only: published with the source.
pub(crate) const REPO_SECRET_KEY: &str = include_str!("repo-key.TEST-ONLY-secret.asc");
/// One URL a line: what the curl double serves (anything else is a 404).
pub(crate) const SERVED_URLS: &str = "usr/local/share/e2e/served-urls";
/// `<repository URL without https://, / turned into ->/InRelease`, as the apt double looks
/// them up.
pub(crate) const REPOS: &str = "usr/local/share/e2e/repos";

/// The directory name of a repository's files (the apt and curl doubles compute the same).
pub(crate) fn repo_dir(url: &str) -> String {
    url.strip_prefix("https://")
        .unwrap_or(url)
        .replace('/', "-")
}

/// `(URL, SUITE)` of every `deb [OPTIONS] URL SUITE` apt source in the rendered text files.
pub(crate) fn apt_sources<'a>(
    files: impl IntoIterator<Item = &'a [u8]>,
) -> BTreeSet<(String, String)> {
    let mut found = BTreeSet::new();
    for bytes in files {
        let Ok(text) = std::str::from_utf8(bytes) else {
            continue;
        };
        for (i, _) in text.match_indices("deb [") {
            let rest = &text[i + "deb [".len()..];
            let Some(end) = rest.find(']') else { continue };
            let mut words = rest[end + 1..]
                .lines()
                .next()
                .unwrap_or_default()
                .split_whitespace();
            if let (Some(url), Some(suite)) = (words.next(), words.next()) {
                let suite = suite.trim_end_matches('\'');
                found.insert((url.to_string(), suite.to_string()));
            }
        }
    }
    found
}

/// Every CNI manifest URL of the release matrix, from `kubeprint versions --format json`.
pub(crate) fn manifest_urls() -> BTreeSet<String> {
    let dir = tempfile::tempdir().unwrap();
    let out = common::kubeprint(dir.path(), &["versions", "--format", "json"]);
    assert!(
        out.status.success(),
        "kubeprint versions --format json failed"
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let urls: BTreeSet<String> = json["releases"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["manifests"].as_array().unwrap())
        .map(|m| m["url"].as_str().unwrap().to_string())
        .collect();
    assert!(!urls.is_empty(), "the release matrix names no manifest");
    urls
}

/// Writes the served URLs and the signed InRelease of every repository the rendered apt
/// sources name under `root` (in `artifacts` and in `more`, e.g. the upgrade bundles a
/// scenario adds). Whether a repository exists for the VM's OS is still the apt double's
/// decision; these are what it serves when it does.
pub(crate) fn install<'a>(
    root: &Path,
    artifacts: &'a Artifacts,
    more: impl IntoIterator<Item = &'a [u8]>,
) {
    let rendered = artifacts.values().map(|a| a.bytes.as_slice());
    let sources = apt_sources(rendered.chain(more));
    let mut urls = manifest_urls();
    // The key beside each repository: `Release.key` in a flat one, `gpg` beside Docker's.
    urls.extend(sources.iter().map(|(url, _)| match url.ends_with('/') {
        true => format!("{url}Release.key"),
        false => format!("{url}/gpg"),
    }));
    let list: String = urls.iter().map(|u| format!("{u}\n")).collect();
    write(&root.join(SERVED_URLS), &list, 0o644);

    let home = tempfile::tempdir().unwrap();
    let gpg = |args: &[&str]| {
        let mut cmd = Command::new("gpg");
        cmd.arg("--homedir")
            .arg(home.path())
            .args(["--batch", "--quiet"]);
        cmd.args(args);
        cmd
    };
    let key = home.path().join("key.asc");
    fs::write(&key, REPO_SECRET_KEY).unwrap();
    run(gpg(&["--import"]).arg(&key));
    for (url, suite) in &sources {
        let dir = root.join(REPOS).join(repo_dir(url));
        fs::create_dir_all(&dir).unwrap();
        // The fields apt reads from a flat repository's Release file that matter here.
        let release = format!(
            "Origin: kubeprint e2e stand-in repository\nLabel: {url}\nSuite: {suite}\nArchitectures: amd64\n"
        );
        fs::write(dir.join("Release"), &release).unwrap();
        run(
            gpg(&["--yes", "--pinentry-mode", "loopback", "--passphrase", ""])
                .arg("--output")
                .arg(dir.join("InRelease"))
                .arg("--clearsign")
                .arg(dir.join("Release")),
        );
    }
    // gpg started an agent for this home directory: stop it with the directory.
    let _ = Command::new("gpgconf")
        .arg("--homedir")
        .arg(home.path())
        .args(["--kill", "all"])
        .status();
}
