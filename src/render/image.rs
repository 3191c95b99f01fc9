//! Part of stage 4 (render): the image bake. `out/packer/` holds the bake steps as
//! scripts (the same text every bundle runs), an image pre-pull, a record of the plan
//! the image came from, a sysprep, and the Packer template that runs them in order.

use minijinja::value::{Serde, Value};
use minijinja::{Environment, Error, context};

use crate::artifact::{Artifact, Artifacts};
use crate::plan::{RolePlan, Stage, Step};
use crate::render::bundle;
use crate::render::packer::{self, PackerInputs};

pub fn render_image(
    env: &Environment,
    bundle: &RolePlan,
    bake_record: &str,
) -> Result<Artifacts, Error> {
    let ctx = Value::from(Serde(bundle.context.for_bake()));
    // The scripts serve every role's image: say so instead of naming one role.
    let image_ctx = context! { role => "image", bake_record => bake_record, ..ctx.clone() };
    let mut steps: Vec<Step> = bundle
        .steps
        .iter()
        .filter(|s| s.stage == Stage::Bake)
        .cloned()
        .collect();
    let extra = [
        (
            "pull-images",
            "pre-pull the control-plane images with the CRI-O socket, so nodes start without waiting on registries",
        ),
        (
            "record-bake",
            "record which kubeprint plan baked this image (checked by user-data.baked.yaml)",
        ),
        (
            "sysprep",
            "generalize the image: clean cloud-init, empty machine-id, remove SSH host keys",
        ),
    ];
    for (name, summary) in extra {
        steps.push(Step {
            id: format!("{:02}-{name}", steps.len() + 1),
            template: name,
            summary,
            stage: Stage::Bake,
            secret: false,
        });
    }

    let mut artifacts = Artifacts::new();
    let mut names = Vec::new();
    for step in &steps {
        // The image-only scripts live in templates/image/; the rest are bundle steps.
        let body = if extra.iter().any(|(name, _)| *name == step.template) {
            let body = env
                .get_template(&format!("image/{}.sh.j2", step.template))?
                .render(image_ctx.clone())?;
            body.trim_end_matches('\n').to_string()
        } else {
            bundle::step_body(env, step, &ctx, &ctx)?
        };
        let name = format!("{}.sh", step.id);
        artifacts.insert(
            format!("packer/scripts/{name}"),
            Artifact {
                bytes: bundle::step_file(env, step, &body, &image_ctx)?.into_bytes(),
                mode: 0o755,
                secret: false,
                role: "image".to_string(),
                stage: Stage::Bake,
            },
        );
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
        Artifact {
            bytes: template.into_bytes(),
            mode: 0o644,
            secret: false,
            role: "image".to_string(),
            stage: Stage::Bake,
        },
    );
    Ok(artifacts)
}
