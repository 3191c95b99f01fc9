//! The Packer template (`out/packer/kubeprint.pkr.hcl`), built as HCL data with hcl-rs
//! and written as `packer fmt` lays it out ([`super::hclfmt`]). Part of `render`: an
//! Amazon EBS build for the cluster's OS that runs the bake scripts beside it with sudo;
//! other builders can reuse the same scripts.

use hcl::expr::{Expression, FuncCall, TemplateExpr, Traversal, Variable};
use hcl::{Attribute, Block, Body};

use crate::model::matrix::Os;

pub(crate) struct PackerInputs<'a> {
    pub cluster_name: &'a str,
    pub os: &'a str,
    /// `amd64` or `arm64`.
    pub arch: &'a str,
    pub kubernetes_version: &'a str,
    /// Script file names under `scripts/`, in order.
    pub scripts: &'a [String],
}

fn var(name: &str) -> Expression {
    Traversal::builder(Variable::new("var").expect("valid identifier"))
        .attr(name)
        .build()
        .into()
}

fn template(s: String) -> Expression {
    TemplateExpr::QuotedString(s).into()
}

fn variable(name: &str, default: &str, description: &str) -> Block {
    Block::builder("variable")
        .add_label(name)
        .add_attribute((
            "type",
            Expression::Variable(Variable::new("string").expect("valid identifier")),
        ))
        .add_attribute(("default", default))
        .add_attribute(("description", description))
        .build()
}

pub(crate) fn template_hcl(i: &PackerInputs) -> String {
    // validate admits only operating systems in the matrix.
    let os = crate::model::matrix::os(i.os).expect("a known operating system");
    // EC2 names the architectures differently from Debian; burstable 2-vCPU types of
    // each, enough for kubeadm's image pull.
    let (ec2_arch, instance_type) = match i.arch {
        "arm64" => ("arm64", "t4g.medium"),
        _ => ("x86_64", "t3.medium"),
    };
    let plugins = required_plugins();
    let locals = Block::builder("locals")
        .add_attribute((
            "timestamp",
            FuncCall::builder("formatdate")
                .arg("YYYYMMDDhhmmss")
                .arg(FuncCall::new("timestamp"))
                .build(),
        ))
        .build();
    let source = source_block(i, os, ec2_arch);
    let build = build_block(i);
    let body = Body::builder()
        .add_block(plugins)
        .add_block(variable("region", "eu-west-1", "AWS region to build in"))
        .add_block(variable(
            "instance_type",
            instance_type,
            "builder instance type (2 vCPUs for kubeadm's image pull)",
        ))
        .add_block(variable(
            "subnet_id",
            "",
            "subnet for the builder instance; empty: the default VPC",
        ))
        .add_block(locals)
        .add_block(source)
        .add_block(build)
        .build();
    let header = format!(
        "# kubeprint {}: Packer template baking a node image for cluster {}, Kubernetes {} on {}.\n\
         # Holds no secret: the scripts are the bake steps; tokens, certificates and init/join\n\
         # run at boot from user-data.baked.yaml. Build: packer init . && packer build .\n\n",
        env!("CARGO_PKG_VERSION"),
        i.cluster_name,
        i.kubernetes_version,
        i.os
    );
    header + &super::hclfmt::body(&body)
}

/// The Amazon plugin, the only one the template uses, and the Packer that can install
/// it: `required_plugins` is read by `packer init`, which Packer v1.7.0 introduced
/// (hashicorp/packer website docs, guide "Upgrading your template to use Packer init").
/// An older Packer then says which version it needs instead of failing on the block.
fn required_plugins() -> Block {
    Block::builder("packer")
        .add_attribute(("required_version", ">= 1.7.0"))
        .add_block(
            Block::builder("required_plugins")
                .add_attribute(Attribute::new(
                    "amazon",
                    Expression::from_iter([
                        ("version", ">= 1.3.0"),
                        ("source", "github.com/hashicorp/amazon"),
                    ]),
                ))
                .build(),
        )
        .build()
}

/// The EBS builder: the OS's official image for the architecture, tagged with what the
/// image holds.
fn source_block(i: &PackerInputs, os: &Os, ec2_arch: &str) -> Block {
    let version = i.kubernetes_version.replace('.', "-");
    Block::builder("source")
        .add_labels(["amazon-ebs", "node"])
        .add_attribute(("region", var("region")))
        .add_attribute(("instance_type", var("instance_type")))
        .add_attribute(("subnet_id", var("subnet_id")))
        // The image's own login user (the cluster's `admin_user` may not exist on it).
        .add_attribute(("ssh_username", os.login_user))
        // Packer's temporary key leaves the image: removed from the login user's and
        // root's authorized_keys before the AMI is taken (hashicorp/packer-plugin-amazon
        // v1.3.0, the minimum required below: builder/ebs/builder.hcl2spec.go and
        // .web-docs/components/builder/ebs/README.md, `ssh_clear_authorized_keys`).
        .add_attribute(("ssh_clear_authorized_keys", true))
        .add_attribute((
            "ami_name",
            template(format!(
                "kubeprint-{}-k8s-{version}-${{local.timestamp}}",
                i.cluster_name
            )),
        ))
        .add_attribute((
            "tags",
            Expression::from_iter([
                ("kubeprint-cluster", i.cluster_name.to_string()),
                ("kubernetes-version", i.kubernetes_version.to_string()),
                ("os", i.os.to_string()),
                ("arch", i.arch.to_string()),
            ]),
        ))
        .add_block(
            Block::builder("source_ami_filter")
                .add_attribute((
                    "filters",
                    Expression::from_iter([
                        ("name", os.ami_name(i.arch).as_str()),
                        ("architecture", ec2_arch),
                        ("root-device-type", "ebs"),
                        ("virtualization-type", "hvm"),
                    ]),
                ))
                .add_attribute(("owners", Expression::from(vec![os.ami_owner])))
                .add_attribute(("most_recent", true))
                .build(),
        )
        .build()
}

/// Runs the bake scripts in order, as root under bash.
fn build_block(i: &PackerInputs) -> Block {
    let scripts: Vec<Expression> = i
        .scripts
        .iter()
        .map(|s| template(format!("${{path.root}}/scripts/{s}")))
        .collect();
    Block::builder("build")
        .add_attribute(("sources", Expression::from(vec!["source.amazon-ebs.node"])))
        .add_block(
            Block::builder("provisioner")
                .add_label("shell")
                // The scripts need bash (dash is /bin/sh on Ubuntu) and root.
                .add_attribute(("execute_command", "sudo -E bash '{{ .Path }}'"))
                .add_attribute(("scripts", Expression::Array(scripts)))
                .build(),
        )
        .build()
}
