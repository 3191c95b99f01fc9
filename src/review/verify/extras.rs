//! Part of `verify`: the user's own additions (`ssh_authorized_keys`, `files`,
//! `commands`), read back from every copy. Within a bundle, its step files,
//! `bootstrap.sh` and `user-data.yaml` carry the same ones; every key reads as a public
//! key, no file lands where kubeprint or kubeadm write and no secret file is readable by
//! group or others; every bundle gets the same keys and commands, and bundles of one
//! kind (control plane or worker) the same files; `commands.pre` runs right before
//! kubeadm and `commands.post` last.

use std::collections::BTreeSet;

use crate::layout;
use crate::review::facts::{BundleFacts, Found, NodeKind, step_name};
use crate::validate::ssh_key;

use super::findings::Findings;

pub(super) fn check_extras(bundles: &[BundleFacts], out: &mut Findings) {
    for b in bundles {
        let bootstrap = bootstrap_of(b);
        copies_agree(&bootstrap, &b.ssh_keys, "ssh keys", out);
        copies_agree(&bootstrap, &b.user_files, "files", out);
        for phase in ["pre", "post"] {
            let commands: Vec<_> = b
                .commands
                .iter()
                .filter(|c| is_phase(&c.value.name, phase))
                .cloned()
                .collect();
            copies_agree(&bootstrap, &commands, &format!("commands.{phase}"), out);
        }
        check_values(b, out);
        check_order(b, out);
    }
    let reference = bundles
        .iter()
        .find(|b| b.kind() == NodeKind::Init)
        .or(bundles.first());
    if let Some(r) = reference {
        for b in bundles {
            same_as(b, r, |x| in_bootstrap(x, &x.ssh_keys), "ssh keys", out);
            same_as(b, r, |x| in_bootstrap(x, &x.commands), "commands", out);
        }
    }
    for kind_bundles in [
        bundles.iter().filter(|b| b.is_worker()).collect::<Vec<_>>(),
        bundles.iter().filter(|b| !b.is_worker()).collect(),
    ] {
        if let Some(r) = kind_bundles.first() {
            for b in &kind_bundles {
                same_as(
                    b,
                    r,
                    |x| in_bootstrap(x, &x.user_files),
                    "files (bundles of one role)",
                    out,
                );
            }
        }
    }
    summarize(bundles, out);
}

fn bootstrap_of(b: &BundleFacts) -> String {
    if b.dir.is_empty() {
        "bootstrap.sh".to_string()
    } else {
        format!("{}/bootstrap.sh", b.dir)
    }
}

fn is_phase(name: &str, phase: &str) -> bool {
    name.strip_prefix(phase)
        .is_some_and(|rest| rest.starts_with('['))
}

/// The values found in the bundle's `bootstrap.sh`, in order.
fn in_bootstrap<'a, T>(b: &BundleFacts, facts: &'a [Found<T>]) -> Vec<&'a T> {
    let bootstrap = bootstrap_of(b);
    facts
        .iter()
        .filter(|f| f.file == bootstrap)
        .map(|f| &f.value)
        .collect()
}

/// Every copy (a step file, user-data) carries what `bootstrap.sh` carries.
fn copies_agree<T: PartialEq>(bootstrap: &str, facts: &[Found<T>], what: &str, out: &mut Findings) {
    let of = |file: &str| -> Vec<&T> {
        facts
            .iter()
            .filter(|f| f.file == file)
            .map(|f| &f.value)
            .collect()
    };
    let reference = of(bootstrap);
    let files: BTreeSet<&str> = facts.iter().map(|f| f.file.as_str()).collect();
    for file in files.into_iter().filter(|f| *f != bootstrap) {
        if of(file) != reference {
            out.problems.push(format!(
                "{file}: its {what} differ from those in {bootstrap} (edited by hand?)"
            ));
        }
    }
}

/// Bundle `b` carries what the reference bundle `r` does.
fn same_as<T: PartialEq>(
    b: &BundleFacts,
    r: &BundleFacts,
    values: impl Fn(&BundleFacts) -> Vec<&T>,
    what: &str,
    out: &mut Findings,
) {
    if values(b) != values(r) {
        out.problems.push(format!(
            "{}: its {what} differ from those in {}",
            bootstrap_of(b),
            bootstrap_of(r)
        ));
    }
}

/// Keys read as public keys; files stay out of kubeprint's and kubeadm's paths, and
/// secret ones are owner-only.
fn check_values(b: &BundleFacts, out: &mut Findings) {
    for key in &b.ssh_keys {
        if let Err((message, _)) = ssh_key::parse(&key.value) {
            out.problems.push(format!(
                "{}: an authorized ssh key does not read: {message}",
                key.file
            ));
        }
    }
    for f in &b.user_files {
        let mode = u32::from_str_radix(&f.value.mode, 8).ok();
        if f.value.secret && mode.is_none_or(|m| m & 0o077 != 0) {
            out.problems.push(format!(
                "{}: the secret file {} is written {}, which lets group or others read it",
                f.file, f.value.path, f.value.mode
            ));
        }
        if let Some((owned, why)) = layout::owner_of(&f.value.path) {
            out.problems.push(format!(
                "{}: writes {}, in the way of {owned} ({why})",
                f.file, f.value.path
            ));
        }
    }
}

/// `commands-pre` comes right before the kubeadm step, `commands-post` last.
fn check_order(b: &BundleFacts, out: &mut Findings) {
    let names: Vec<&str> = b.step_files.iter().map(|s| step_name(s)).collect();
    for (i, step) in b.step_files.iter().enumerate() {
        let next = names.get(i + 1).copied();
        if names[i] == "commands-pre" && !next.is_some_and(|n| n.starts_with("kubeadm-")) {
            out.problems.push(format!(
                "{step}: commands.pre must run right before kubeadm, but {} follows",
                next.unwrap_or("nothing")
            ));
        }
        if names[i] == "commands-post" && next.is_some() {
            out.problems.push(format!(
                "{step}: commands.post must run last, but {} follows",
                next.unwrap_or_default()
            ));
        }
    }
}

/// What agrees, once any bundle carries something of the user's.
fn summarize(bundles: &[BundleFacts], out: &mut Findings) {
    let count =
        |values: &dyn Fn(&BundleFacts) -> usize| bundles.iter().map(values).max().unwrap_or(0);
    let keys = count(&|b| in_bootstrap(b, &b.ssh_keys).len());
    let pre = count(&|b| {
        in_bootstrap(b, &b.commands)
            .iter()
            .filter(|c| is_phase(&c.name, "pre"))
            .count()
    });
    let post = count(&|b| {
        in_bootstrap(b, &b.commands)
            .iter()
            .filter(|c| is_phase(&c.name, "post"))
            .count()
    });
    let paths: BTreeSet<&str> = bundles
        .iter()
        .flat_map(|b| &b.user_files)
        .map(|f| f.value.path.as_str())
        .collect();
    if keys > 0 {
        out.summary.push(format!(
            "ssh keys: {keys}, the same in every bundle and every copy"
        ));
    }
    if !paths.is_empty() {
        out.summary.push(format!("files: {} path(s), alike in every copy and in bundles of one role, none where kubeprint or kubeadm writes", paths.len()));
    }
    if pre + post > 0 {
        out.summary.push(format!("commands: {pre} right before kubeadm, {post} after the last step, the same in every bundle"));
    }
}
