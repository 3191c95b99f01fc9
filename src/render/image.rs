//! Part of stage 4 (render): the image bake. `out/packer/` holds the bake steps as
//! scripts (the same text every bundle runs), an image pre-pull, a record of the plan
//! the image came from, a sysprep, and the Packer template that runs them in order.

use minijinja::value::{Serde, Value};
use minijinja::{Environment, Error, context};

use crate::artifact::{Artifact, Artifacts};
use crate::plan::{self, RolePlan, Stage};
use crate::render::bundle;
use crate::render::packer::{self, PackerInputs};

pub(crate) fn render_image(
    env: &Environment,
    bundle: &RolePlan,
    bake_record: &str,
) -> Result<Artifacts, Error> {
    let ctx = Value::from(Serde(bundle.context.for_bake()));
    // The scripts serve every role's image: say so instead of naming one role.
    let image_ctx = context! { role => "image", bake_record => bake_record, ..ctx.clone() };
    let mut artifacts = Artifacts::new();
    let mut names = Vec::new();
    for step in plan::image_steps(&bundle.steps) {
        let body = if plan::is_image_only(&step) {
            let body = env
                .get_template(&format!("image/{}.sh.j2", step.template))?
                .render(image_ctx.clone())?;
            body.trim_end_matches('\n').to_string()
        } else {
            bundle::step_body(env, &step, &ctx, &ctx)?
        };
        let name = format!("{}.sh", step.id);
        let script = bundle::step_file(env, &step, &body, &image_ctx)?;
        artifacts.insert(format!("packer/scripts/{name}"), image_file(script, 0o755));
        names.push(name);
    }
    let template = packer::template_hcl(&PackerInputs {
        cluster_name: &bundle.context.cluster_name,
        os: bundle.context.os,
        arch: bundle.context.arch,
        kubernetes_version: &bundle.context.kubernetes_version,
        scripts: &names,
    });
    artifacts.insert(
        "packer/kubeprint.pkr.hcl".to_string(),
        image_file(template, 0o644),
    );
    Ok(artifacts)
}

/// A file of the image build: public, baked.
fn image_file(text: String, mode: u32) -> Artifact {
    Artifact {
        bytes: text.into_bytes(),
        mode,
        secret: false,
        role: "image".to_string(),
        stage: Stage::Bake,
    }
}
