//! The Packer template (`out/packer/kubeprint.pkr.hcl`), built as HCL data with hcl-rs
//! and serialized. Part of `render`: an Amazon EBS build for the cluster's OS that runs
//! the bake scripts beside it with sudo; other builders can reuse the same scripts.

use hcl::expr::{Expression, FuncCall, TemplateExpr, Traversal, Variable};
use hcl::{Attribute, Block, Body};

/// Where each OS's official AMIs come from.
struct AmiSource {
    name_filter: &'static str,
    owner: &'static str,
}

fn ami_source(os: &str) -> AmiSource {
    // Canonical (099720109477) and Debian (136693071363) publish these images.
    let (name_filter, owner) = match os {
        "ubuntu-20.04" => (
            "ubuntu/images/hvm-ssd/ubuntu-focal-20.04-amd64-server-*",
            "099720109477",
        ),
        "ubuntu-22.04" => (
            "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-*",
            "099720109477",
        ),
        "ubuntu-24.04" => (
            "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*",
            "099720109477",
        ),
        "debian-11" => ("debian-11-amd64-*", "136693071363"),
        _ => ("debian-12-amd64-*", "136693071363"),
    };
    AmiSource { name_filter, owner }
}

/// The image's own login user (the cluster's `admin_user` may not exist on it).
fn login_user(os: &str) -> &'static str {
    crate::matrix::os(os).map_or("ubuntu", |o| o.login_user)
}

pub struct PackerInputs<'a> {
    pub cluster_name: &'a str,
    pub os: &'a str,
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

pub fn template_hcl(i: &PackerInputs) -> String {
    let ami = ami_source(i.os);
    let plugins = Block::builder("packer")
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
        .build();
    let locals = Block::builder("locals")
        .add_attribute((
            "timestamp",
            FuncCall::builder("formatdate")
                .arg("YYYYMMDDhhmmss")
                .arg(FuncCall::new("timestamp"))
                .build(),
        ))
        .build();
    let version = i.kubernetes_version.replace('.', "-");
    let source = Block::builder("source")
        .add_labels(["amazon-ebs", "node"])
        .add_attribute(("region", var("region")))
        .add_attribute(("instance_type", var("instance_type")))
        .add_attribute(("subnet_id", var("subnet_id")))
        .add_attribute(("ssh_username", login_user(i.os)))
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
            ]),
        ))
        .add_block(
            Block::builder("source_ami_filter")
                .add_attribute((
                    "filters",
                    Expression::from_iter([
                        ("name", ami.name_filter),
                        ("root-device-type", "ebs"),
                        ("virtualization-type", "hvm"),
                    ]),
                ))
                .add_attribute(("owners", Expression::from(vec![ami.owner])))
                .add_attribute(("most_recent", true))
                .build(),
        )
        .build();
    let scripts: Vec<Expression> = i
        .scripts
        .iter()
        .map(|s| template(format!("${{path.root}}/scripts/{s}")))
        .collect();
    let build = Block::builder("build")
        .add_attribute(("sources", Expression::from(vec!["source.amazon-ebs.node"])))
        .add_block(
            Block::builder("provisioner")
                .add_label("shell")
                // The scripts need bash (dash is /bin/sh on Ubuntu) and root.
                .add_attribute(("execute_command", "sudo -E bash '{{ .Path }}'"))
                .add_attribute(("scripts", Expression::Array(scripts)))
                .build(),
        )
        .build();
    let body = Body::builder()
        .add_block(plugins)
        .add_block(variable("region", "eu-west-1", "AWS region to build in"))
        .add_block(variable(
            "instance_type",
            "t3.medium",
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
    header + &hcl::to_string(&body).expect("packer template serializes")
}
