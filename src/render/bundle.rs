//! Part of stage 4 (render): one bundle (a role, or an inventory node) → its files:
//! `steps/NN-*.sh`, `bootstrap.sh`, `user-data.yaml`, and `user-data.baked.yaml` for
//! machines started from the baked image (boot steps only, behind an image check). With
//! fetched delivery both user-data files are stubs (`delivery`), and the baked image's
//! bundle is written beside `bootstrap.sh` as `bootstrap.baked.sh`, its payload.

use minijinja::value::{Serde, Value};
use minijinja::{Environment, Error, context};
use sha2::{Digest, Sha256};

use crate::artifact::{Artifact, Artifacts};
use crate::plan::{Context, RolePlan, Stage, Step};
use crate::render::cloudinit;
use crate::render::delivery::{self, Variant};

pub(crate) struct RenderedBundle {
    pub artifacts: Artifacts,
    /// Identifies the bake steps' exact text; images record it, baked user-data checks it.
    pub bake_fingerprint: String,
}

/// The line the image records at bake time and the baked user-data expects.
pub(crate) fn bake_record(ctx: &Context, fingerprint: &str) -> String {
    let runtime = match &ctx.runtime.containerd {
        Some(c) => format!("containerd={}", c.version),
        None => format!(
            "cri-o={}",
            ctx.kubernetes_version
                .rsplit_once('.')
                .map_or("", |(minor, _)| minor)
        ),
    };
    format!(
        "kubeprint-image kubernetes={} {runtime} bake={fingerprint}",
        ctx.kubernetes_version
    )
}

/// Renders one step's body; bake steps see only the secret-free context.
pub(crate) fn step_body(
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
pub(crate) fn step_file(
    env: &Environment,
    step: &Step,
    body: &str,
    ctx: &Value,
) -> Result<String, Error> {
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
                detail => step.detail.clone(),
                stage => Value::from(Serde(step.stage)),
                body => Value::from_safe_string(body.clone()),
            }
        })
        .collect();
    env.get_template("bootstrap.sh.j2")?
        .render(context! { steps => steps, ..ctx.clone() })
}

pub(crate) fn render_bundle(env: &Environment, bundle: &RolePlan) -> Result<RenderedBundle, Error> {
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

    let os_check = os_check_step();
    let os_check = (&os_check, step_body(env, &os_check, &ctx, &ctx)?);
    bodies.insert(0, os_check);
    let full = bootstrap(env, &bodies, &ctx)?;
    let baked = baked_bootstrap(env, bundle, bodies, &ctx, &bake_fingerprint)?;
    user_data_files(bundle, &full, baked, &mut artifacts);
    // Every bundle embeds the token, and control planes the CA keys: root only.
    let bootstrap = Artifact {
        bytes: full.into_bytes(),
        mode: 0o700,
        secret: true,
        role: dir.to_string(),
        stage: Stage::Boot,
    };
    artifacts.insert(format!("{dir}/bootstrap.sh"), bootstrap);

    Ok(RenderedBundle {
        artifacts,
        bake_fingerprint,
    })
}

/// The bundle's two user-data files: the bundle itself (inline), or stubs fetching it,
/// with `bootstrap.baked.sh` beside them as the baked image's payload.
fn user_data_files(bundle: &RolePlan, full: &str, baked: String, artifacts: &mut Artifacts) {
    let dir = bundle.dir.as_str();
    let hostname = bundle.hostname.as_deref();
    let file = |bytes: String, mode: u32, secret: bool| Artifact {
        bytes: bytes.into_bytes(),
        mode,
        secret,
        role: dir.to_string(),
        stage: Stage::Boot,
    };
    let variants = [
        (Variant::Full, full, "", "user-data.yaml"),
        (
            Variant::Baked,
            baked.as_str(),
            ", for the baked image",
            "user-data.baked.yaml",
        ),
    ];
    for (variant, payload, what, name) in variants {
        let text = match &bundle.fetch {
            None => cloudinit::user_data(&header(bundle, what, None), hostname, payload),
            Some(fetch) => {
                let head = header(bundle, what, Some(delivery::describe(fetch, variant)));
                let proxy = bundle.context.proxy.as_ref();
                delivery::stub(&head, hostname, fetch, variant, payload, proxy)
            }
        };
        // Inline user-data holds the token (and keys); a stub holds neither.
        let secret = bundle.fetch.is_none();
        let mode = if secret { 0o600 } else { 0o644 };
        artifacts.insert(format!("{dir}/{name}"), file(text, mode, secret));
    }
    if bundle.fetch.is_some() {
        artifacts.insert(
            format!("{dir}/bootstrap.baked.sh"),
            file(baked, 0o700, true),
        );
    }
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

/// The comment lines heading a bundle's user-data; `fetched` says where a stub's
/// bundle comes from.
fn header(bundle: &RolePlan, what: &str, fetched: Option<String>) -> Vec<String> {
    let title = format!(
        "kubeprint {}: cluster {}, role {}{what}",
        env!("CARGO_PKG_VERSION"),
        bundle.context.cluster_name,
        bundle.role.name()
    );
    let how = match fetched {
        None => vec![format!(
            "Writes {} and runs it once on first boot.",
            cloudinit::BOOTSTRAP_PATH
        )],
        Some(fetched) => vec![
            fetched,
            format!(
                "Checks its sha256, installs it as {} and runs it once; holds no key and no token.",
                cloudinit::BOOTSTRAP_PATH
            ),
        ],
    };
    let progress = format!(
        "Progress: {}; done when {}/complete exists.",
        crate::layout::BOOTSTRAP_LOG,
        crate::layout::STATE_DIR
    );
    [vec![title], how, vec![progress]].concat()
}

/// bootstrap.sh's first step: the machine runs the OS the bundle was rendered for. Each
/// `steps/*.sh` checks the same in its prelude; this step makes a mismatch end the run as
/// any failed step does (failure marker, console line).
fn os_check_step() -> Step {
    Step {
        id: "00-os-check".to_string(),
        template: "os-check",
        summary: "check that this machine runs the cluster's `os`",
        stage: Stage::Boot,
        secret: false,
        detail: Vec::new(),
    }
}

/// The bundle for machines from the baked image: check the OS and the image, then only
/// the boot steps.
fn baked_bootstrap(
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
        detail: Vec::new(),
    };
    let check_ctx =
        context! { bake_record => bake_record(&bundle.context, bake_fingerprint), ..ctx.clone() };
    // `bodies` starts with the OS check, a boot step: it stays first.
    let mut baked: Vec<_> = bodies
        .into_iter()
        .filter(|(s, _)| s.stage == Stage::Boot)
        .collect();
    baked.insert(1, (&check, step_body(env, &check, &check_ctx, &check_ctx)?));
    bootstrap(env, &baked, ctx)
}
