//! Certificates over time: `secrets show` and `verify` report each CA's and the admin
//! certificate's end, warn under 90 days and fail (verify) or warn loudly (show) once
//! one has expired. `--at` fixes the moment, so these reports are the same every day.

use crate::common;

use common::kubeprint;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Output;

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The fixture secrets as `secrets.yaml` and the default cluster rendered into `out/`.
fn rendered(dir: &Path) {
    let secrets = dir.join("secrets.yaml");
    fs::copy(common::root().join(common::FIXTURE_SECRETS), &secrets).unwrap();
    fs::set_permissions(&secrets, fs::Permissions::from_mode(0o600)).unwrap();
    let o = kubeprint(dir, &["render", "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn verify_reports_each_certificate_and_fails_once_one_expired() {
    let dir = tempfile::tempdir().unwrap();
    rendered(dir.path());
    let at = |when: &str| kubeprint(dir.path(), &["verify", "out", "--at", when]);

    let o = at(common::FIXTURE_VALID_AT);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("certificates valid until: cluster CA 2036-11-23, front-proxy CA 2036-11-23, etcd CA 2036-11-23, admin 2027-11-26"),
        "{}",
        stdout(&o)
    );
    assert!(!stderr(&o).contains("warning"), "{}", stderr(&o));

    // The admin certificate (one year, like kubeadm's) has 56 days left: a warning.
    let o = at("2027-10-01");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("warning: admin.conf: the admin certificate expires on 2027-11-26, in 56 days; `kubeprint renew -c CLUSTER -s SECRETS -o DIR` writes a new admin.conf"),
        "{}",
        stderr(&o)
    );

    // Expired: the tree no longer verifies.
    let o = at("2027-12-01T00:00:00Z");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o)
            .contains("error: admin.conf: the admin certificate EXPIRED on 2027-11-26, 4 days ago"),
        "{}",
        stderr(&o)
    );

    // Ten years on, the CAs: kubeadm never renews those.
    let o = at("2036-10-01");
    let err = stderr(&o);
    assert_eq!(
        err.matches("CA certificate expires on 2036-11-23, in 53 days; kubeadm never renews a CA")
            .count(),
        3,
        "{err}"
    );
    assert!(
        err.contains("control-plane/steps/06-pki.sh: the cluster CA certificate"),
        "{err}"
    );

    let o = kubeprint(dir.path(), &["verify", "out", "--at", "next week"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "a moment that does not read is a usage error"
    );
}

#[test]
fn verify_json_lists_the_certificates() {
    let dir = tempfile::tempdir().unwrap();
    rendered(dir.path());
    let o = kubeprint(
        dir.path(),
        &["verify", "out", "--format", "json", "--at", "2027-10-01"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let certs = r["certificates"].as_array().unwrap();
    let names: Vec<&str> = certs.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["cluster CA", "front-proxy CA", "etcd CA", "admin"]);
    assert_eq!(certs[0]["file"], "control-plane/steps/06-pki.sh");
    assert_eq!(certs[0]["not_after"], "2036-11-23T19:26:40Z");
    assert_eq!(certs[0]["status"], "valid");
    assert_eq!(certs[3]["status"], "expiring");
    assert_eq!(certs[3]["days_left"], 56);
    assert_eq!(r["warnings"].as_array().unwrap().len(), 1, "{r}");
    assert!(r["problems"].as_array().unwrap().is_empty(), "{r}");
}

#[test]
fn secrets_show_says_how_long_each_certificate_has_left() {
    let dir = tempfile::tempdir().unwrap();
    rendered(dir.path());
    let show = |args: &[&str]| {
        let mut all = vec!["secrets", "show"];
        all.extend(args);
        kubeprint(dir.path(), &all)
    };
    let o = show(&["--at", common::FIXTURE_VALID_AT]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("  expires:      Nov 23 19:26:40 2036 +00:00 (in 3614 days)"),
        "{text}"
    );
    assert!(
        text.contains("  expires:      Nov 26 19:26:40 2027 +00:00 (in 329 days)"),
        "{text}"
    );
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));

    // Expired: still shown (exit 0), with a warning per certificate and how to renew it.
    let o = show(&["--at", "2028-01-01"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("(EXPIRED 35 days ago)"),
        "{}",
        stdout(&o)
    );
    let err = stderr(&o);
    assert!(err.contains("warning: the admin (kubeadm:cluster-admins) certificate EXPIRED on 2027-11-26, 35 days ago\n  = help: `kubeprint renew -c CLUSTER -s SECRETS -o DIR` writes a new admin.conf signed by the same CA"), "{err}");
    assert!(!err.contains("CA certificate"), "{err}");
    assert!(
        kubeprint(dir.path(), &["-q", "secrets", "show", "--at", "2028-01-01"])
            .stderr
            .is_empty()
    );

    // JSON: the fields scripts had stay; the expiry comes as fields of its own.
    let o = show(&["--format", "json", "--at", "2036-10-01"]);
    let s: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let ca = &s["certificates"][0];
    for field in [
        "name",
        "subject",
        "expires",
        "sha256",
        "not_after",
        "days_left",
        "status",
    ] {
        assert!(!ca[field].is_null(), "{field} missing: {ca}");
    }
    assert_eq!(ca["expires"], "Nov 23 19:26:40 2036 +00:00");
    assert_eq!(ca["not_after"], "2036-11-23T19:26:40Z");
    assert_eq!(
        (ca["days_left"].as_i64(), ca["status"].as_str()),
        (Some(53), Some("expiring"))
    );
    assert_eq!(s["certificates"][3]["status"], "expired");
}
