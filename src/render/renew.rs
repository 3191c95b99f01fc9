//! Part of stage 4 (render): a [`RenewPlan`] → the renewal tree's [`Artifacts`]:
//! `control-plane/renew.sh` with its `steps/`, the operator's new `admin.conf`, and
//! `README.md`; sealed with `SHA256SUMS` and `manifest.json` like a rendered tree.

use minijinja::context;
use minijinja::value::{Serde, Value};

use crate::artifact::Artifacts;
use crate::error::{Error, Result};
use crate::plan::renew::RenewPlan;
use crate::render::daytwo::{self, file};

pub(crate) fn render_renew(plan: &RenewPlan) -> Result<Artifacts> {
    let env = crate::render::environment();
    let mut artifacts = Artifacts::new();
    let ctx = context! {
        renew => Value::from(Serde(&plan.renew)),
        run => Value::from(Serde(&plan.run)),
        ..Value::from(Serde(&plan.context))
    };
    daytwo::render_bundle(
        &env,
        plan.dir,
        "renew.sh",
        &plan.steps,
        &ctx,
        &mut artifacts,
    )
    .map_err(|e| Error::new(format!("rendering the renewal bundle: {e:#}")))?;
    if let Some(config) = &plan.admin_kubeconfig {
        artifacts.insert(
            "admin.conf".to_string(),
            file(config.clone(), 0o600, true, "operator"),
        );
    }
    Ok(daytwo::finish(artifacts, readme(plan), &plan.provenance))
}

fn readme(plan: &RenewPlan) -> String {
    let name = &plan.cluster_name;
    [
        format!("# Renewing the certificates of cluster {name}"),
        String::new(),
        format!(
            "Written by `kubeprint {} renew`.",
            env!("CARGO_PKG_VERSION")
        ),
        String::new(),
        "- `admin.conf`: a new admin client certificate, signed by the same cluster CA (the".into(),
        "  secrets file now holds it, so `kubeprint render` writes the same one). The old one"
            .into(),
        "  stays valid until it ends: a certificate cannot be revoked.".into(),
        "- `control-plane/renew.sh`: copy it to every control plane and run `sudo ./renew.sh`,"
            .into(),
        "  one node at a time (the next once the first is done). It runs `kubeadm certs renew"
            .into(),
        "  all`, restarts etcd, the API server, the controller manager and the scheduler".into(),
        "  (each manifest moved out of /etc/kubernetes/manifests for 20 s and back), gives the"
            .into(),
        "  admin user the renewed admin.conf, and checks with `kubeadm certs check-expiration`"
            .into(),
        "  that every renewed certificate has a year again. Progress: /var/lib/kubeprint/renew/;"
            .into(),
        "  log: /var/log/kubeprint-daytwo.log. Workers need nothing: kubelets rotate their".into(),
        "  own client certificates.".into(),
    ]
    .map(|line| line + "\n")
    .concat()
}
