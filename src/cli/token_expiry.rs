//! Whether the bootstrap token has likely expired, said by `render` and `explain` on
//! stderr with the two ways on. Part of the command line. In: the cluster (its
//! `kubernetes.token_ttl`, which the bundles give kubeadm as the InitConfiguration's
//! `bootstrapTokens[].ttl`), the secrets file (its `token_created`) and the clock; out:
//! a warning or nothing. Only a warning, since the clock must not change what is
//! rendered or explained.

use std::path::Path;

use time::OffsetDateTime;

use crate::model::cluster::Cluster;
use crate::secrets::{self, Secrets};

/// kubeadm counts the TTL from `kubeadm init`, which comes after the token was made:
/// once the TTL has passed since then, the token has expired if the first control plane
/// was initialized more than one TTL ago, which is the usual case.
pub(super) fn warn_if_expired(
    cluster: &Cluster,
    secrets: &Secrets,
    file: &Path,
    now: OffsetDateTime,
) {
    let ttl = cluster.token_ttl_seconds;
    let Some(age) = secrets::token_age_seconds(secrets, now) else {
        return;
    };
    if ttl == 0 || age <= i64::try_from(ttl).unwrap_or(i64::MAX) {
        return;
    }
    crate::cli::say::info(message(
        file,
        secrets.token_created.as_deref().unwrap_or(""),
        age,
        ttl,
    ));
}

/// `explain`'s check, on the secrets file `-s` names when it exists. `explain` needs no
/// secrets, so a file it cannot use (unreadable, another cluster's) is one warning and
/// no check, never a failure; a file that does not exist says nothing.
pub(super) fn warn_for_explain(cluster: &Cluster, file: &Path) {
    if std::fs::symlink_metadata(file).is_err() {
        return;
    }
    let shown = file.display().to_string();
    let skipped = |why: &str| {
        crate::cli::say::info(format!(
            "warning: the bootstrap token's age is not checked: the secrets file `{shown}` {why}\n  = help: pass this cluster's secrets file with `-s FILE`"
        ));
    };
    let Ok(loaded) = secrets::read(file) else {
        return skipped("cannot be read (`kubeprint secrets show -s` says why)");
    };
    match secrets::check_binding(&loaded, &cluster.name, &shown, false) {
        Err(_) => {
            return skipped(&format!(
                "belongs to another cluster than `{}`",
                cluster.name
            ));
        }
        Ok(Some(warning)) => crate::cli::say::info(format!("{warning}")),
        Ok(None) => {}
    }
    warn_if_expired(cluster, &loaded, file, OffsetDateTime::now_utc());
}

fn message(file: &Path, created: &str, age: i64, ttl: u64) -> String {
    let file = file.display();
    let ttl_text = short(ttl);
    // `token-secret` defaults to kubeadm's TTL; any other the cluster uses is passed on.
    let ttl_flag = match ttl == secrets::KUBEADM_DEFAULT_TTL_SECONDS {
        true => String::new(),
        false => format!(" --ttl {ttl_text}"),
    };
    format!(
        "warning: the bootstrap token in `{file}` was created {created} ({} ago) and the bundles give it a TTL of {ttl_text} from `kubeadm init`: unless the first control plane was initialized within the last {ttl_text}, it has expired and new nodes cannot join\n  = help: register it again from a machine with admin credentials: `kubeprint secrets token-secret -s {file}{ttl_flag} | kubectl apply -f -` (the rendered user-data keeps working)\n  = help: or replace it: `kubeprint secrets rotate-token -s {file}`, register the new one the same way, render, and republish the joining nodes' user-data (and payloads, with `delivery`); see README, \"Adding nodes later\"",
        age_text(age)
    )
}

/// `24h`, `1h30m`, `90s`: a Go duration without its zero parts.
fn short(seconds: u64) -> String {
    let (h, m, s) = (seconds / 3600, seconds % 3600 / 60, seconds % 60);
    [(h, "h"), (m, "m"), (s, "s")]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| format!("{n}{unit}"))
        .collect()
}

fn age_text(seconds: i64) -> String {
    match seconds {
        s if s < 2 * 86_400 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_drop_their_zero_parts() {
        assert_eq!(short(86_400), "24h");
        assert_eq!(short(5_400), "1h30m");
        assert_eq!(short(90), "1m30s");
        assert_eq!(age_text(30 * 3600), "30h");
        assert_eq!(age_text(10 * 86_400 + 5), "10d");
    }

    #[test]
    fn a_ttl_other_than_kubeadms_is_passed_to_token_secret() {
        let m = message(Path::new("lab.yaml"), "2026-11-26T19:26:40Z", 7_200, 3_600);
        assert!(
            m.contains(
                "`kubeprint secrets token-secret -s lab.yaml --ttl 1h | kubectl apply -f -`"
            ),
            "{m}"
        );
        let m = message(
            Path::new("lab.yaml"),
            "2026-11-26T19:26:40Z",
            90_000,
            86_400,
        );
        assert!(
            m.contains("`kubeprint secrets token-secret -s lab.yaml | kubectl apply -f -`"),
            "{m}"
        );
    }
}
