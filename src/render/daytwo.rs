//! Part of stage 4 (render): one day-two bundle (upgrade, renew, remove) → its files:
//! `<dir>/steps/NN-*.sh` and `<dir>/<script>`, the runner `templates/daytwo.sh.j2`
//! writes around the same step bodies. The context carries `run` (plan's daytwo::Run).

use minijinja::value::Value;
use minijinja::{Environment, context};

use crate::artifact::{Artifact, Artifacts};
use crate::error::{Error, Result};
use crate::plan::provenance::Provenance;
use crate::plan::{Stage, Step};
use crate::render::bundle::{step_body, step_file};

/// A file of a day-two tree.
pub(crate) fn file(text: String, mode: u32, secret: bool, role: &str) -> Artifact {
    Artifact {
        bytes: text.into_bytes(),
        mode,
        secret,
        role: role.to_string(),
        stage: Stage::Boot,
    }
}

/// Writes the bundle's step files and its runner `script` into `artifacts`. The runner
/// is root-only when any step's text holds a secret.
pub(crate) fn render_bundle(
    env: &Environment,
    dir: &str,
    script: &str,
    steps: &[Step],
    ctx: &Value,
    artifacts: &mut Artifacts,
) -> Result<(), minijinja::Error> {
    let mut bodies = Vec::new();
    for step in steps {
        let body = step_body(env, step, ctx, ctx)?;
        let text = step_file(env, step, &body, ctx)?;
        let mode = if step.secret { 0o700 } else { 0o755 };
        artifacts.insert(
            format!("{dir}/steps/{}.sh", step.id),
            file(text, mode, step.secret, dir),
        );
        bodies.push(context! {
            id => step.id.clone(),
            fn => step.function(),
            body => Value::from_safe_string(body),
        });
    }
    let runner = env
        .get_template("daytwo.sh.j2")?
        .render(context! { steps => bodies, ..ctx.clone() })?;
    let secret = steps.iter().any(|s| s.secret);
    let mode = if secret { 0o700 } else { 0o755 };
    artifacts.insert(format!("{dir}/{script}"), file(runner, mode, secret, dir));
    Ok(())
}

/// Writes the operator's `admin/NAME.sh` for each of `names`, from
/// `templates/<family>/NAME.sh.j2` with `ctx`: the scripts run where admin credentials are.
pub(crate) fn admin_scripts(
    env: &Environment,
    family: &str,
    names: &[&str],
    ctx: &Value,
    artifacts: &mut Artifacts,
) -> Result<()> {
    for name in names {
        let text = env
            .get_template(&format!("{family}/{name}.sh.j2"))
            .and_then(|t| t.render(ctx))
            .map_err(|e| Error::new(format!("rendering admin/{name}.sh: {e:#}")))?;
        artifacts.insert(
            format!("admin/{name}.sh"),
            file(text, 0o755, false, "operator"),
        );
    }
    Ok(())
}

/// Adds the tree's `README.md` and seals it (`SHA256SUMS`, `manifest.json`).
pub(crate) fn finish(mut artifacts: Artifacts, readme: String, inputs: &Provenance) -> Artifacts {
    artifacts.insert(
        "README.md".to_string(),
        file(readme, 0o644, false, "operator"),
    );
    crate::render::manifest::seal(&mut artifacts, inputs);
    artifacts
}
