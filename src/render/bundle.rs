//! Part of stage 4 (render): one bundle (a role, or an inventory node) → its files:
//! `steps/NN-*.sh`, `bootstrap.sh`, `user-data.yaml`, and `user-data.baked.yaml` for
//! machines started from the baked image (boot steps only, behind an image check).

use minijinja::value::{Serde, Value};
use minijinja::{Environment, Error, context};
use sha2::{Digest, Sha256};

use crate::artifact::{Artifact, Artifacts};
use crate::plan::{Context, RolePlan, Stage, Step};
use crate::render::cloudinit;

pub struct RenderedBundle {
    pub artifacts: Artifacts,
    /// Identifies the bake steps' exact text; images record it, baked user-data checks it.
    pub bake_fingerprint: String,
}

/// The line the image records at bake time and the baked user-data expects.
pub fn bake_record(ctx: &Context, fingerprint: &str) -> String {
    format!(
        "kubeprint-image kubernetes={} cri-o={} bake={fingerprint}",
        ctx.kubernetes_version,
        ctx.kubernetes_version
            .rsplit_once('.')
            .map_or("", |(minor, _)| minor)
    )
}

/// Renders one step's body; bake steps see only the secret-free context.
pub fn step_body(
    env: &Environment,
    step: &Step,
    ctx: &Value,
    bake_ctx: &Value,
) -> Result<String, Error> {
    let ctx = if step.stage == Stage::Bake {
        bake_ctx
    } else {
        ctx
    };
    let body = env
        .get_template(&format!("steps/{}.sh.j2", step.template))?
        .render(ctx.clone())?;
    Ok(body.trim_end_matches('\n').to_string())
}

/// A standalone step script: header, shared prelude, body.
pub fn step_file(env: &Environment, step: &Step, body: &str, ctx: &Value) -> Result<String, Error> {
    env.get_template("step.sh.j2")?.render(context! {
        step => Value::from(Serde(step)),
        body => Value::from_safe_string(body.to_string()),
        ..ctx.clone()
    })
}

fn bootstrap(env: &Environment, steps: &[(&Step, String)], ctx: &Value) -> Result<String, Error> {
    let steps: Vec<Value> = steps
        .iter()
        .map(|(step, body)| {
            context! {
                id => step.id.clone(),
                fn => step.function(),
                summary => step.summary,
                stage => Value::from(Serde(step.stage)),
                body => Value::from_safe_string(body.clone()),
            }
        })
        .collect();
    env.get_template("bootstrap.sh.j2")?
        .render(context! { steps => steps, ..ctx.clone() })
}

pub fn render_bundle(env: &Environment, bundle: &RolePlan) -> Result<RenderedBundle, Error> {
    let dir = bundle.dir.as_str();
    let ctx = Value::from(Serde(&bundle.context));
    let bake_ctx = Value::from(Serde(bundle.context.for_bake()));
    let mut artifacts = Artifacts::new();
    let mut bodies = Vec::new();
    for step in &bundle.steps {
        let body = step_body(env, step, &ctx, &bake_ctx)?;
        artifacts.insert(
            format!("{dir}/steps/{}.sh", step.id),
            Artifact {
                bytes: step_file(env, step, &body, &ctx)?.into_bytes(),
                mode: if step.secret { 0o700 } else { 0o755 },
                secret: step.secret,
                role: dir.to_string(),
                stage: step.stage,
            },
        );
        bodies.push((step, body));
    }
    let bake_fingerprint = bake_fingerprint(&bodies);

    // Every bundle embeds the token, and control planes the CA keys: root only.
    let private = |bytes: String, mode: u32| Artifact {
        bytes: bytes.into_bytes(),
        mode,
        secret: true,
        role: dir.to_string(),
        stage: Stage::Boot,
    };
    let full = bootstrap(env, &bodies, &ctx)?;
    let user_data = cloudinit::user_data(&header(bundle, ""), bundle.hostname.as_deref(), &full);
    artifacts.insert(format!("{dir}/bootstrap.sh"), private(full, 0o700));
    artifacts.insert(format!("{dir}/user-data.yaml"), private(user_data, 0o600));
    let baked = baked_user_data(env, bundle, bodies, &ctx, &bake_fingerprint)?;
    artifacts.insert(format!("{dir}/user-data.baked.yaml"), private(baked, 0o600));

    Ok(RenderedBundle {
        artifacts,
        bake_fingerprint,
    })
}

/// Names the bake steps' exact text, so a node can tell whether its image was baked
/// from this plan.
fn bake_fingerprint(bodies: &[(&Step, String)]) -> String {
    let mut hasher = Sha256::new();
    for (_, body) in bodies.iter().filter(|(s, _)| s.stage == Stage::Bake) {
        hasher.update(body.as_bytes());
        hasher.update(b"\n");
    }
    crate::digest::hex(&hasher.finalize()[..8])
}

/// The comment lines heading a bundle's user-data.
fn header(bundle: &RolePlan, what: &str) -> Vec<String> {
    vec![
        format!(
            "kubeprint {}: cluster {}, role {}{what}",
            env!("CARGO_PKG_VERSION"),
            bundle.context.cluster_name,
            bundle.role.name()
        ),
        format!(
            "Writes {} and runs it once on first boot.",
            cloudinit::BOOTSTRAP_PATH
        ),
        format!(
            "Progress: {}; done when {}/complete exists.",
            crate::layout::BOOTSTRAP_LOG,
            crate::layout::STATE_DIR
        ),
    ]
}

/// User-data for machines from the baked image: check the image, then only the boot
/// steps.
fn baked_user_data(
    env: &Environment,
    bundle: &RolePlan,
    bodies: Vec<(&Step, String)>,
    ctx: &Value,
    bake_fingerprint: &str,
) -> Result<String, Error> {
    let check = Step {
        id: "00-image-check".to_string(),
        template: "image-check",
        summary: "check that this machine runs the image baked from this plan (out/packer)",
        stage: Stage::Boot,
        secret: false,
    };
    let check_ctx =
        context! { bake_record => bake_record(&bundle.context, bake_fingerprint), ..ctx.clone() };
    let mut baked = vec![(&check, step_body(env, &check, &check_ctx, &check_ctx)?)];
    baked.extend(bodies.into_iter().filter(|(s, _)| s.stage == Stage::Boot));
    let baked_bootstrap = bootstrap(env, &baked, ctx)?;
    Ok(cloudinit::user_data(
        &header(bundle, ", for the baked image"),
        bundle.hostname.as_deref(),
        &baked_bootstrap,
    ))
}
