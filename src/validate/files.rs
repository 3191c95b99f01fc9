//! Part of stage 1b (validate): `files`, the user's own files → [`ExtraFile`]s. Each
//! has an absolute, plain path outside what kubeprint and kubeadm own, a quoted octal
//! mode (owner-only for a `secret` file; world-writable, setuid and setgid modes
//! warned about), content the bundle can carry inert, and the roles that get it; no
//! path is written twice on one role.

use crate::config::{Config, FileConfig, Scalar};
use crate::layout;
use crate::model::cluster::ExtraFile;
use crate::validate::commands::text_problem;
use crate::validate::fields::Checker;
use crate::validate::syntax::printable;

/// Mode of a file whose entry does not say (cloud-init's `write_files` default too).
const DEFAULT_PERMISSIONS: &str = "0644";

/// Mode of a `secret: true` file whose entry does not say: the owner's (root's) only.
const SECRET_PERMISSIONS: &str = "0600";

/// `files`, skipped whole when the section could not be read (already reported).
pub(crate) fn files(config: &Config, c: &mut Checker) -> Vec<ExtraFile> {
    let list = match &config.files {
        Some(list) if c.readable("files") => list,
        _ => return Vec::new(),
    };
    let mut files: Vec<ExtraFile> = Vec::new();
    for (i, f) in list.iter().enumerate() {
        // An entry that is not a mapping was reported while loading.
        if c.readable(&format!("files[{i}]")) {
            files.extend(file(i, f, c));
        }
    }
    for (j, later) in files.iter().enumerate() {
        if let Some(earlier) = files[..j].iter().find(|e| clash(e, later)) {
            c.error(
                &format!("{}.path", later.source),
                format!(
                    "`{}` is also written by {} on the same role",
                    later.path, earlier.source
                ),
                "give each path one entry per role (split `roles:` if control planes and workers need different content)",
            );
        }
    }
    files
}

/// Two entries write the same path (or one inside the other) on a common role.
fn clash(a: &ExtraFile, b: &ExtraFile) -> bool {
    let nested = |x: &str, y: &str| x == y || y.starts_with(&format!("{x}/"));
    ((a.control_plane && b.control_plane) || (a.worker && b.worker))
        && (nested(&a.path, &b.path) || nested(&b.path, &a.path))
}

/// One entry, `files[i]`; `None` when a required key is missing or unreadable.
fn file(i: usize, f: &FileConfig, c: &mut Checker) -> Option<ExtraFile> {
    let entry = format!("files[{i}]");
    let fully_read = c.fully_read(&entry);
    if f.path.is_none() && fully_read {
        c.error(
            &entry,
            "a file needs a `path`",
            "write the absolute path on the node, like `path: /etc/example/app.conf`",
        );
    }
    if f.content.is_none() && fully_read {
        c.error(
            &entry,
            "a file needs `content`",
            "write the file's text, like `content: \"key = value\\n\"` (`\"\"` for an empty file)",
        );
    }
    let path_ok = f
        .path
        .as_ref()
        .is_some_and(|p| check_path(&format!("{entry}.path"), p, c));
    if let Some((message, help)) = f.content.as_deref().and_then(text_problem) {
        c.error(&format!("{entry}.content"), message, help);
    }
    let secret = f.secret == Some(true);
    let field = format!("{entry}.permissions");
    let permissions = permissions(&field, f.permissions.as_ref(), secret, c)
        .filter(|mode| mode_is_safe(&field, mode, secret, c));
    let (control_plane, worker) = roles(&format!("{entry}.roles"), f.roles.as_deref(), c);
    Some(ExtraFile {
        path: f.path.clone().filter(|_| path_ok)?,
        content: f.content.clone()?,
        permissions: permissions?,
        control_plane,
        worker,
        source: entry,
        secret,
    })
}

/// A secret file grants nothing to group or others (an error); any file that is
/// world-writable, setuid or setgid is a warning (an error under `--strict`). `false`
/// when the mode was refused.
fn mode_is_safe(field: &str, mode: &str, secret: bool, c: &mut Checker) -> bool {
    let Ok(bits) = u32::from_str_radix(mode, 8) else {
        return false;
    };
    if secret && bits & 0o077 != 0 {
        c.error(
            field,
            format!("a `secret: true` file is root's only, but `{mode}` lets group or others read it"),
            "leave `permissions` out (secret files are \"0600\") or give an owner-only mode like \"0400\"",
        );
        return false;
    }
    let risks: Vec<&str> = [
        (0o002, "world-writable (anyone on the node may change it)"),
        (0o4000, "setuid"),
        (0o2000, "setgid"),
    ]
    .into_iter()
    .filter(|(bit, _)| bits & bit != 0)
    .map(|(_, what)| what)
    .collect();
    if !risks.is_empty() {
        c.warning(
            field,
            format!("`{mode}` makes a root-owned file {}", risks.join(", ")),
            "drop those bits, like `permissions: \"0644\"`, unless the file really needs them",
        );
    }
    true
}

/// Characters a path may hold: POSIX's portable file name characters, `/`, `@` and `+`
/// (systemd unit names). Nothing the shell, YAML or a terminal reads specially.
fn path_char(ch: char) -> bool {
    ch.is_ascii_alphanumeric() || "/._-@+".contains(ch)
}

/// Whether `path` may be written (reported when not).
fn check_path(field: &str, path: &str, c: &mut Checker) -> bool {
    let shown = printable(path);
    let problem = if !path.starts_with('/') {
        Some(format!("`{shown}` is not an absolute path"))
    } else if !path.chars().all(path_char) {
        Some(format!(
            "`{shown}` has characters other than letters, digits and `/._-@+`"
        ))
    } else if path[1..]
        .split('/')
        .any(|s| s.is_empty() || s == "." || s == "..")
    {
        Some(format!("`{shown}` has an empty, `.` or `..` part"))
    } else {
        None
    };
    if let Some(message) = problem {
        c.error(field, message, "write the file's absolute path on the node, like `/etc/example/app.conf` (no `..`, no trailing `/`)");
        return false;
    }
    let Some((owned, why)) = layout::owner_of(path) else {
        return true;
    };
    let message = if owned.len() > path.len() {
        format!("`{path}` is a directory on the way to {owned}, which holds {why}")
    } else {
        format!("`{path}` is kubeprint's or kubeadm's: {owned} holds {why}")
    };
    c.error(
        field,
        message,
        "write your file elsewhere; kubeprint renders its own files from the rest of cluster.yaml",
    );
    false
}

/// A quoted octal mode, `644` or `0644` (written with four digits); absent, 0600 for a
/// secret file and 0644 for others.
fn permissions(
    field: &str,
    given: Option<&Scalar>,
    secret: bool,
    c: &mut Checker,
) -> Option<String> {
    let help = "write the mode as a quoted octal string, like `permissions: \"0644\"` (or \"0600\" for secrets)";
    let text = match given {
        None if secret => return Some(SECRET_PERMISSIONS.to_string()),
        None => return Some(DEFAULT_PERMISSIONS.to_string()),
        Some(Scalar::Text(t)) => t,
        Some(Scalar::Integer(n)) => {
            c.error(
                field,
                format!("YAML read this unquoted mode as the number {n}, not as text"),
                help,
            );
            return None;
        }
        Some(Scalar::Float(f)) => {
            c.error(
                field,
                format!("YAML read this unquoted mode as the number {f}, not as text"),
                help,
            );
            return None;
        }
    };
    let octal = (3..=4).contains(&text.len()) && text.bytes().all(|b| (b'0'..=b'7').contains(&b));
    if !octal {
        c.error(
            field,
            format!("`{}` is not an octal file mode", printable(text)),
            help,
        );
        return None;
    }
    Some(format!("{text:0>4}"))
}

/// `roles` → (control planes, workers); every role when absent.
fn roles(field: &str, given: Option<&[String]>, c: &mut Checker) -> (bool, bool) {
    let Some(given) = given else {
        return (true, true);
    };
    if given.is_empty() {
        c.error(
            field,
            "the file is for no role",
            "name `control-plane`, `worker` or both, or leave `roles` out for every role",
        );
    }
    for role in given {
        if !matches!(role.as_str(), "control-plane" | "worker") {
            c.error(
                field,
                format!("unknown role `{}`", printable(role)),
                "use `control-plane` (every control plane, joining ones too) or `worker`",
            );
        }
    }
    let has = |r: &str| given.iter().any(|g| g == r);
    (has("control-plane"), has("worker"))
}
