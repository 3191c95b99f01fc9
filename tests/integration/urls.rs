//! Every URL a node downloads from: no credentials in any of them (the password never
//! echoed), signing keys and manifests only over https, and every curl refusing plain
//! http and redirects to it.

use crate::common;

const PASSWORD: &str = "s3cretPassw0rd";

fn definition(extra: &str) -> String {
    format!(
        "name: lab\nos: ubuntu-24.04\nkubernetes:\n  version: \"1.36.4\"\n  endpoint: 10.0.1.10:6443\n{extra}"
    )
}

/// `validate` of `cluster`: exit code and stderr.
fn validate(cluster: &str) -> (Option<i32>, String) {
    let o = common::validate_definition(cluster);
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned() + &String::from_utf8_lossy(&o.stdout),
    )
}

#[test]
fn credentials_in_any_url_are_refused_without_repeating_the_password() {
    let with = |scheme: &str| format!("{scheme}://builder:{PASSWORD}@mirror.example.internal/k8s");
    let sha = "0".repeat(64);
    let cases = [
        (
            "packages.kubernetes_repo",
            format!("packages:\n  kubernetes_repo: {}\n", with("https")),
        ),
        (
            "packages.kubernetes_key",
            format!(
                "packages:\n  kubernetes_repo: https://m.example/k8s\n  kubernetes_key: {}\n",
                with("https")
            ),
        ),
        (
            "packages.crio_repo",
            format!("packages:\n  crio_repo: {}\n", with("http")),
        ),
        (
            "packages.crio_key",
            format!(
                "packages:\n  crio_repo: https://m.example/crio\n  crio_key: {}\n",
                with("https")
            ),
        ),
        (
            "cni.manifest",
            format!(
                "cni:\n  plugin: calico\n  manifest: {}\n  manifest_sha256: {sha}\n",
                with("https")
            ),
        ),
        (
            "delivery.url",
            format!("delivery:\n  mode: url\n  url: {}\n", with("https")),
        ),
    ];
    for (field, extra) in cases {
        let (code, out) = validate(&definition(&extra));
        assert_eq!(code, Some(1), "{field}: {out}");
        assert!(
            out.contains(&format!("`{field}` carries credentials")),
            "{field}: {out}"
        );
        assert!(
            !out.contains(PASSWORD),
            "{field} repeats the password: {out}"
        );
        assert!(!out.contains("builder"), "{field} repeats the user: {out}");
    }
}

#[test]
fn signing_keys_and_manifests_come_over_https_mirrors_may_not() {
    let sha = "0".repeat(64);
    let refused = [
        (
            "packages.kubernetes_key",
            "packages:\n  kubernetes_repo: https://m.example/k8s\n  kubernetes_key: http://m.example/k8s.key\n".to_string(),
        ),
        (
            "packages.crio_repo",
            "packages:\n  crio_repo: http://m.example/crio/\n".to_string(),
        ),
        (
            "cni.manifest",
            format!("cni:\n  plugin: calico\n  manifest: http://m.example/calico.yaml\n  manifest_sha256: {sha}\n"),
        ),
    ];
    for (field, extra) in refused {
        let (code, out) = validate(&definition(&extra));
        assert_eq!(code, Some(1), "{field}: {out}");
        assert!(out.contains(&format!("(`{field}`)")), "{field}: {out}");
        assert!(out.contains("https"), "{field}: {out}");
    }
    let (code, out) = validate(&definition(
        "packages:\n  kubernetes_repo: http://m.example/k8s/\n  kubernetes_key: https://m.example/k8s/Release.key\n",
    ));
    assert_eq!(code, Some(0), "an http mirror with an https key: {out}");
}

#[test]
fn every_curl_refuses_plain_http_and_redirects_to_it() {
    let text =
        std::fs::read_to_string(common::root().join("examples/ha-ubuntu-22.04-1.35.yaml")).unwrap();
    let artifacts = common::render_text(&text, "ha");
    let mut curls = 0;
    for (path, artifact) in &artifacts {
        if !path.ends_with(".sh") {
            continue;
        }
        let text = String::from_utf8_lossy(&artifact.bytes);
        for line in text.lines().filter(|l| {
            let l = l.trim_start();
            !l.starts_with('#') && l.contains("curl -")
        }) {
            curls += 1;
            assert!(
                line.contains("curl --proto '=https' --proto-redir '=https' "),
                "{path}: {line}"
            );
        }
    }
    assert!(curls > 10, "{curls} curl lines seen");
}

/// Runs the fetcher of a rendered `delivery` stub with `config` changed by `edit`, the
/// metadata service at a closed loopback port and `env` set; returns its log.
fn run_fetcher(
    delivery: &str,
    edit: impl Fn(&mut serde_json::Value),
    env: &[(&str, String)],
) -> String {
    let artifacts = common::render_text(&definition(delivery), "fetch");
    let dir = tempfile::tempdir().unwrap();
    let (script, mut config) = crate::delivery::fetcher(&artifacts, dir.path());
    config["install"] = dir.path().join("bootstrap.sh").display().to_string().into();
    edit(&mut config);
    std::fs::write(dir.path().join("payload.json"), config.to_string()).unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let imds = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(&script)
        .env("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        !dir.path().join("bootstrap.sh").exists(),
        "nothing installed"
    );
    std::fs::read_to_string(dir.path().join("bootstrap.log")).unwrap()
}

#[test]
fn the_fetcher_refuses_plain_http_off_the_machine_and_redirects_to_http() {
    let aws = "delivery: {mode: aws-secrets-manager, region: eu-west-1}\n";
    let log = run_fetcher(
        aws,
        |_| {},
        &[(
            "AWS_ENDPOINT_URL_SECRETSMANAGER",
            "http://secretsmanager.example.internal".to_string(),
        )],
    );
    assert!(
        log.contains("refusing to fetch over plain http: http://secretsmanager.example.internal"),
        "{log}"
    );
    assert!(
        !log.contains("metadata") && !log.contains("api/token"),
        "no credential fetched first: {log}"
    );

    // A loopback server answering every GET with a redirect to plain http.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = std::process::Command::new("python3")
        .args([
            "-c",
            &format!(
                "import http.server\n\
             class H(http.server.BaseHTTPRequestHandler):\n\
             \x20   def do_GET(self):\n\
             \x20       self.send_response(302)\n\
             \x20       self.send_header('Location', 'http://127.0.0.1:{port}/elsewhere')\n\
             \x20       self.end_headers()\n\
             http.server.HTTPServer(('127.0.0.1', {port}), H).serve_forever()\n"
            ),
        ])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed().as_secs() < 20,
            "the redirecting server did not start"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let url = "delivery: {mode: url, url: 'https://artifacts.example.internal/k8s', url_access: private}\n";
    let log = run_fetcher(
        url,
        |c| c["url"] = format!("http://127.0.0.1:{port}/payload").into(),
        &[],
    );
    let _ = server.kill();
    let _ = server.wait();
    assert!(
        log.contains(&format!(
            "refusing a redirect to http://127.0.0.1:{port}/elsewhere: only https is followed"
        )),
        "{log}"
    );
    let log = run_fetcher(
        url,
        |c| c["url"] = "http://artifacts.example.internal/k8s/control-plane/payload".into(),
        &[],
    );
    assert!(log.contains("refusing to fetch over plain http"), "{log}");
}

#[test]
fn url_delivery_needs_the_statement_that_only_the_nodes_reach_the_url() {
    let base = "delivery:\n  mode: url\n  url: https://artifacts.example.internal/k8s\n";
    for access in ["", "  url_access: public\n"] {
        let (code, out) = validate(&definition(&format!("{base}{access}")));
        assert_eq!(code, Some(1), "{access}: {out}");
        assert!(
            out.contains(
                "whoever can GET `<url>/control-plane/payload` gets the cluster's CA keys"
            ) && out.contains("(`delivery.url_access`)")
                && out.contains("`url_access: private`"),
            "{access}: {out}"
        );
    }
    let (code, out) = validate(&definition(&format!("{base}  url_access: private\n")));
    assert_eq!(code, Some(0), "{out}");
    let (code, out) = validate(&definition(
        "delivery:\n  mode: inline\n  url_access: private\n",
    ));
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("`delivery.url_access` has no meaning with `mode: inline`"),
        "{out}"
    );
}
