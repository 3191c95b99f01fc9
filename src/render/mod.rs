//! Stage 4, render: [`Plan`] + embedded templates → [`Artifacts`] (relative path →
//! bytes), in memory. Pure: the same plan always gives the same bytes.
//!
//! Shell templates are auto-escaped for the shell: every value is shell-quoted unless a
//! filter proves it safe (`heredoc`, `safe_words`), so no configuration value can break
//! out of the command it lands in.

pub(crate) mod airgap;
pub(crate) mod budget;
pub(crate) mod bundle;
pub(crate) mod cloudinit;
pub(crate) mod daytwo;
pub(crate) mod delivery;
pub(crate) mod hclfmt;
pub(crate) mod image;
pub(crate) mod manifest;
pub(crate) mod mime;
pub(crate) mod packer;
pub(crate) mod publish;
pub(crate) mod remove;
pub(crate) mod renew;
pub(crate) mod upgrade;

use std::collections::BTreeMap;

use crate::error::Result;
use minijinja::value::Value;
use minijinja::{AutoEscape, Environment, Error, ErrorKind, State, UndefinedBehavior};

use crate::artifact::{Artifact, Artifacts};
use crate::plan::Plan;

use crate::layout::HEREDOC_END;

macro_rules! templates {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../templates/", $name)))),*]
    };
}

static TEMPLATES: &[(&str, &str)] = templates![
    "prelude.sh.j2",
    "step.sh.j2",
    "bootstrap.sh.j2",
    "macros.sh.j2",
    "steps/os-check.sh.j2",
    "steps/disable-swap.sh.j2",
    "steps/kernel-modules.sh.j2",
    "steps/sysctl.sh.j2",
    "steps/cri-o.sh.j2",
    "steps/containerd.sh.j2",
    "steps/kube-packages.sh.j2",
    "steps/pki.sh.j2",
    "steps/encryption-config.sh.j2",
    "steps/audit-policy.sh.j2",
    "steps/apiserver-files-check.sh.j2",
    "steps/node-name.sh.j2",
    "steps/kubeadm-config.sh.j2",
    "steps/kubeadm-recover.sh.j2",
    "steps/kubeadm-init.sh.j2",
    "steps/admin-kubeconfig.sh.j2",
    "steps/cni.sh.j2",
    "steps/wait-for-api.sh.j2",
    "steps/wait-for-node.sh.j2",
    "steps/kubeadm-join.sh.j2",
    "steps/kube-vip.sh.j2",
    "steps/kube-vip-admin-conf.sh.j2",
    "steps/image-check.sh.j2",
    "steps/ssh-keys.sh.j2",
    "steps/files.sh.j2",
    "steps/commands.sh.j2",
    "steps/commands-pre.sh.j2",
    "steps/commands-post.sh.j2",
    "image/pull-images.sh.j2",
    "image/record-bake.sh.j2",
    "image/sysprep.sh.j2",
    "daytwo.sh.j2",
    "upgrade/drain.sh.j2",
    "upgrade/uncordon.sh.j2",
    "steps/upgrade-repositories.sh.j2",
    "steps/upgrade-kubeadm.sh.j2",
    "steps/upgrade-kubeadm-upgrade.sh.j2",
    "steps/upgrade-kubeadm-config.sh.j2",
    "steps/upgrade-cordoned.sh.j2",
    "steps/upgrade-cri-o.sh.j2",
    "steps/upgrade-kubelet.sh.j2",
    "steps/upgrade-node-version.sh.j2",
    "steps/renew-certs.sh.j2",
    "steps/renew-restart.sh.j2",
    "steps/renew-check.sh.j2",
    "steps/remove-reset.sh.j2",
    "remove/drain.sh.j2",
    "remove/delete.sh.j2",
];

pub(crate) fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_syntax(
        minijinja::syntax::SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .keep_trailing_newline(true)
            .build()
            .expect("valid syntax config"),
    );
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".sh.j2") {
            AutoEscape::Custom("shell".into())
        } else {
            AutoEscape::None
        }
    });
    env.set_formatter(shell_formatter);
    env.add_filter("heredoc", heredoc);
    env.add_filter("safe_words", safe_words);
    env.add_filter("comment", comment);
    env.add_filter("sq", single_quoted);
    env.add_global("layout", layout_global());
    for (name, source) in TEMPLATES {
        env.add_template(name, source)
            .unwrap_or_else(|e| panic!("embedded template {name} is invalid: {e}"));
    }
    env
}

/// kubeprint's own paths on a node (and its here-document terminator), as templates name
/// them: `{{ layout.state_dir }}`. Named once in [`crate::layout`], so the scripts that
/// write these files and the review tools that read them back cannot drift apart.
fn layout_global() -> Value {
    use crate::layout as l;
    let names: BTreeMap<&str, &str> = [
        ("heredoc_end", l::HEREDOC_END),
        ("state_dir", l::STATE_DIR),
        ("bootstrap", l::BOOTSTRAP_PATH),
        ("bootstrap_log", l::BOOTSTRAP_LOG),
        ("crio_pause_dropin", l::CRIO_PAUSE_DROPIN),
        ("image_record", l::IMAGE_RECORD_PATH),
        ("kubeadm_init_config", l::KUBEADM_INIT_CONFIG_PATH),
        ("kubeadm_join_config", l::KUBEADM_JOIN_CONFIG_PATH),
        ("modules_load", l::MODULES_LOAD_PATH),
        ("sysctl", l::SYSCTL_PATH),
        ("fstab", l::FSTAB_PATH),
        ("fstab_backup", l::FSTAB_BACKUP_PATH),
        ("apt_keyrings", l::APT_KEYRINGS_DIR),
        ("kube_vip_manifest", crate::model::kube_vip::MANIFEST_PATH),
    ]
    .into_iter()
    .collect();
    Value::from(minijinja::value::Serde(names))
}

/// Shell auto-escaping: strings are quoted with shlex (left bare when nothing needs
/// quoting), numbers and booleans are written as is, and anything else is a template
/// bug, reported instead of rendered.
fn shell_formatter(
    out: &mut minijinja::Output,
    state: &mut State,
    value: &Value,
) -> Result<(), Error> {
    if !matches!(state.auto_escape(), AutoEscape::Custom(name) if name == "shell")
        || value.is_safe()
    {
        return minijinja::escape_formatter(out, &mut *state, value);
    }
    let text = match value.kind() {
        minijinja::value::ValueKind::String => {
            let s = value.as_str().unwrap_or_default();
            shlex::try_quote(s)
                .map_err(|_| {
                    Error::new(ErrorKind::InvalidOperation, "a value contains a NUL byte")
                })?
                .into_owned()
        }
        minijinja::value::ValueKind::Number | minijinja::value::ValueKind::Bool => {
            value.to_string()
        }
        kind => {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                format!("cannot write a {kind} into a shell script"),
            ));
        }
    };
    out.write_str(&text).map_err(Error::from)
}

/// Embeds file content in a quoted here-document (`<<'KUBEPRINT_EOF'`): the shell
/// expands nothing inside it, so only the terminator line needs excluding.
fn heredoc(value: &str) -> Result<Value, Error> {
    if value.lines().any(|l| l == HEREDOC_END) {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            "content contains the here-document terminator",
        ));
    }
    Ok(Value::from_safe_string(
        value.strip_suffix('\n').unwrap_or(value).to_string(),
    ))
}

/// Lets a value into an already double-quoted string or a comment when it consists only
/// of characters that are inert there (no `$`, backquote, quote, backslash or newline).
fn safe_words(value: &str) -> Result<Value, Error> {
    let ok = |c: char| c.is_ascii_alphanumeric() || " ._~:/?#@&+,;=%-[]".contains(c);
    if value.chars().all(ok) {
        Ok(Value::from_safe_string(value.to_string()))
    } else {
        Err(Error::new(
            ErrorKind::InvalidOperation,
            "value is not safe inside quotes",
        ))
    }
}

/// Always single-quotes, for assignments: `user='admin'` (bare `user=admin` reads to
/// shellcheck like running a command).
fn single_quoted(value: &str) -> Result<Value, Error> {
    if value.contains('\0') {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            "a value contains a NUL byte",
        ));
    }
    Ok(Value::from_safe_string(format!(
        "'{}'",
        value.replace('\'', r#"'\''"#)
    )))
}

/// Lets kubeprint's own prose into a `#` comment, where only a line break could escape.
fn comment(value: &str) -> Result<Value, Error> {
    if value.contains(['\n', '\r']) {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            "comment text spans lines",
        ));
    }
    Ok(Value::from_safe_string(value.to_string()))
}

pub(crate) fn render(plan: &Plan) -> Result<Artifacts> {
    let env = environment();
    let mut artifacts = Artifacts::new();
    if let Some(config) = &plan.admin_kubeconfig {
        artifacts.insert(
            "admin.conf".to_string(),
            Artifact::for_operator(config.clone().into_bytes(), 0o600, true),
        );
    }
    let mut bake_fingerprint = None;
    for role in &plan.bundles {
        let rendered = bundle::render_bundle(&env, role)
            .map_err(|e| crate::error::Error::new(format!("rendering {}: {e:#}", role.dir)))?;
        // Every role bakes the same image: the bake steps must not differ between them.
        match &bake_fingerprint {
            None => bake_fingerprint = Some(rendered.bake_fingerprint.clone()),
            Some(f) if *f != rendered.bake_fingerprint => {
                return Err(crate::error::Error::new(format!(
                    "internal: bake steps of {} differ from the first bundle's",
                    role.dir
                )));
            }
            Some(_) => {}
        }
        artifacts.extend(rendered.artifacts);
    }
    if let (Some(first), Some(fingerprint)) = (plan.bundles.first(), bake_fingerprint) {
        let image = image::render_image(
            &env,
            first,
            &bundle::bake_record(&first.context, &fingerprint),
        )
        .map_err(|e| crate::error::Error::new(format!("rendering packer: {e:#}")))?;
        artifacts.extend(image);
    }
    delivery::check_sizes(plan, &artifacts)?;
    publish::add(plan, &mut artifacts);
    budget::add_gzip_twins(&mut artifacts)?;
    Ok(artifacts)
}
