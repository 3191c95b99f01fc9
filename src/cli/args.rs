//! Part of the command line: the arguments as clap reads them. Text in (argv), a
//! [`Cli`] out, with every command, flag, default and help line declared here, which is
//! also what `kubeprint completion` and `kubeprint man` print from; [`super::main`]
//! dispatches on the result.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::cli::moment;
use crate::cli::output::Output;

#[derive(Parser)]
#[command(
    name = "kubeprint",
    version,
    about = "Render kubeadm + CRI-O node bootstrap files (cloud-init user-data and shell bundles) from a cluster definition"
)]
pub(super) struct Cli {
    #[command(subcommand)]
    pub(super) command: Command,
    /// Print errors only: no warnings, notes or tables.
    #[arg(short, long, global = true)]
    pub(super) quiet: bool,
}

#[derive(Subcommand)]
pub(super) enum Command {
    /// Render every role's user-data and shell bundle into a directory.
    Render {
        /// Cluster definition (`-` reads standard input); default `./cluster.yaml`, else
        /// the embedded guide cluster (`examples/guide-1.21.yaml`).
        #[arg(short, long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Secrets file; generated (mode 0600) when it does not exist yet.
        #[arg(short, long, value_name = "FILE", default_value = "secrets.yaml")]
        secrets: PathBuf,
        /// Output directory, replaced as a whole: only when absent, empty or a tree
        /// kubeprint rendered (README, "The output directory").
        #[arg(short, long, value_name = "DIR", default_value = "out")]
        output: PathBuf,
        /// Treat warnings as errors.
        #[arg(long)]
        strict: bool,
        /// Replace every secret (private keys, the token) with a stable placeholder, so
        /// the tree can be committed and reviewed; public material (CA certificates,
        /// hashes) stays. The result cannot bootstrap nodes.
        #[arg(long)]
        redact: bool,
        /// `mime` also writes each user-data as a MIME multipart message
        /// (`user-data.mime`), to combine with your own cloud-config parts.
        #[arg(long, value_enum, default_value_t = Format::Yaml)]
        format: Format,
    },
    /// Write a commented starter cluster.yaml for a current release.
    #[command(
        after_help = "The container runtime is CRI-O, of the Kubernetes minor (`runtime.crio_version` in the file), or with `--runtime containerd` containerd from Docker's apt repository (`runtime.containerd_version`; see README, choosing a runtime). The starter's `name` and `kubernetes.endpoint` are examples: validate and render warn until they are changed."
    )]
    Init {
        /// Where to write it; `-` prints it.
        #[arg(short, long, value_name = "FILE", default_value = "cluster.yaml")]
        output: PathBuf,
        /// Operating system of the nodes.
        #[arg(long, default_value = "ubuntu-24.04", value_parser = os_values())]
        os: String,
        /// Kubernetes release: X.Y for its newest known patch, or a full X.Y.Z; default:
        /// the newest maintained release whose pinned CNI is tested with it.
        #[arg(long, value_name = "X.Y[.Z]")]
        version: Option<String>,
        /// Pod network plugin.
        #[arg(long, default_value = "calico", value_parser = ["flannel", "canal", "calico", "none"])]
        cni: String,
        /// Container runtime of the nodes.
        #[arg(long, default_value = "cri-o", value_parser = ["cri-o", "containerd"])]
        runtime: String,
        /// Replace an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Check a cluster definition and print every problem found.
    Validate {
        /// Cluster definition (`-` reads standard input); default `./cluster.yaml`, else
        /// the embedded guide cluster (`examples/guide-1.21.yaml`).
        #[arg(short, long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Treat warnings as errors.
        #[arg(long)]
        strict: bool,
    },
    /// Manage the secrets file (bootstrap token, shared PKI, admin certificates).
    Secrets {
        #[command(subcommand)]
        command: crate::cli::secret_commands::SecretsCommand,
    },
    /// Print the release matrix: supported Kubernetes minors and what each one uses.
    Versions {
        /// `json`: `{"releases": [...], "operating_systems": [...]}`.
        #[arg(long, alias = "output", value_enum, default_value_t = Output::Text)]
        format: Output,
    },
    /// List everything the cluster's nodes fetch, per role and stage: apt repositories
    /// and keys, package versions, the CNI manifest and every container image.
    Artifacts {
        /// Cluster definition (`-` reads standard input); default `./cluster.yaml`, else
        /// the embedded guide cluster (`examples/guide-1.21.yaml`).
        #[arg(short, long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// `json`: `{"cluster", "kubernetes", "items": [...]}` (README, "Artifacts").
        #[arg(long, alias = "output", value_enum, default_value_t = Output::Text)]
        format: Output,
    },
    /// Render in memory and compare with a rendered directory; exit 1 with diffs when
    /// it differs (for CI on pull requests). Never writes anything.
    Check {
        /// Cluster definition (`-` reads standard input); default `./cluster.yaml`, else
        /// the embedded guide cluster (`examples/guide-1.21.yaml`).
        #[arg(short, long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Secrets file the directory was rendered with; must exist.
        #[arg(short, long, value_name = "FILE", default_value = "secrets.yaml")]
        secrets: PathBuf,
        /// The rendered directory to compare with (what `render -o` wrote); only read.
        #[arg(short, long, value_name = "DIR", default_value = "out")]
        output: PathBuf,
        /// Compare with a tree written by `render --redact`.
        #[arg(long)]
        redact: bool,
    },
    /// Cross-check a rendered directory's files against each other (token, CA pin,
    /// endpoint, pod subnet, versions, secret placement, SHA256SUMS); no secrets file.
    Verify {
        /// A rendered directory.
        #[arg(value_name = "DIR")]
        dir: PathBuf,
        /// `json`: `{"problems": [...], "summary": [...], "warnings": [...],
        /// "certificates": [...]}` on stdout.
        #[arg(long, alias = "output", value_enum, default_value_t = Output::Text)]
        format: Output,
        /// Measure certificate expiry at this moment instead of now: a date
        /// (`2027-06-01`, midnight UTC) or an RFC 3339 time.
        #[arg(long, value_name = "WHEN")]
        at: Option<moment::Moment>,
    },
    /// Print each role's steps in order, with their purpose and stage (bake/boot).
    Explain {
        /// Cluster definition (`-` reads standard input); default `./cluster.yaml`, else
        /// the embedded guide cluster (`examples/guide-1.21.yaml`).
        #[arg(short, long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Secrets file, when it exists: only read to warn when its bootstrap token has
        /// likely expired (nothing is printed from it).
        #[arg(short, long, value_name = "FILE", default_value = "secrets.yaml")]
        secrets: PathBuf,
        /// `json`: the cluster, each role's steps (id, template, summary, stage, secret)
        /// and the inventory nodes.
        #[arg(long, alias = "output", value_enum, default_value_t = Output::Text)]
        format: Output,
    },
    /// Print a shell completion script (`kubeprint completion bash > /etc/bash_completion.d/kubeprint`).
    Completion {
        /// The shell to complete in.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page in roff (`kubeprint man > kubeprint.1; man ./kubeprint.1`),
    /// or write one page per command into a directory.
    Man {
        /// Write `kubeprint.1` and a page per subcommand (`kubeprint-render.1`, ...) into
        /// this directory instead; pages already there are never replaced.
        #[arg(short, long, value_name = "DIR")]
        output: Option<PathBuf>,
    },
    /// Write the bundles that upgrade a running cluster in place, one minor at a time:
    /// the first control plane (`kubeadm upgrade apply`), then every other node
    /// (`kubeadm upgrade node`), each drained before its kubelet is upgraded.
    #[command(
        after_help = "Refused: a downgrade, the same version, a skipped minor (the chain is spelled out), another cluster's secrets (the CA the `--from` tree records), and a version the OS cannot install. DIR/README.md gives the order to run the bundles; README, \"Upgrading\", explains it and the alternative of replacing nodes."
    )]
    Upgrade {
        /// The tree rendered for the running cluster (`render -o`); its manifest.json
        /// names the version the nodes run. Only read.
        #[arg(long, value_name = "OLD_TREE")]
        from: PathBuf,
        /// Cluster definition with the target `kubernetes.version` (`-` reads standard
        /// input); default `./cluster.yaml`, else the embedded guide cluster.
        #[arg(short, long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// The secrets file the running cluster was rendered with; must exist.
        #[arg(short, long, value_name = "FILE", default_value = "secrets.yaml")]
        secrets: PathBuf,
        /// Where the upgrade bundles go, replaced as a whole like `render -o`: only when
        /// absent, empty or a tree kubeprint wrote.
        #[arg(short, long, value_name = "DIR")]
        output: PathBuf,
    },
    /// Renew the certificates kubeadm signed on the control planes (a bundle to run on
    /// each) and the operator's admin.conf (a new client certificate, same CA).
    #[command(
        after_help = "The secrets file gets the new admin certificates (nothing else in it changes), so a later `render` writes the same admin.conf. DIR/README.md says how to run the bundle; README, \"Certificates over time\", explains what expires when."
    )]
    Renew {
        /// Cluster definition (`-` reads standard input); default `./cluster.yaml`, else
        /// the embedded guide cluster.
        #[arg(short, long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// The secrets file the cluster was rendered with; must exist. Its admin
        /// certificates are replaced.
        #[arg(short, long, value_name = "FILE", default_value = "secrets.yaml")]
        secrets: PathBuf,
        /// Where the renewal bundle and the new admin.conf go, replaced as a whole like
        /// `render -o`: only when absent, empty or a tree kubeprint wrote.
        #[arg(short, long, value_name = "DIR")]
        output: PathBuf,
    },
    /// Write the bundles that take one node out of the cluster: drain and delete on the
    /// admin side, `kubeadm reset` on the node (which also leaves etcd on a control plane).
    #[command(
        after_help = "Refused: a name that is not a node name, a node an inventory (`nodes`) does not list, and the only control plane. DIR/README.md gives the order: admin/drain.sh, NODE/remove.sh on the node, admin/delete.sh."
    )]
    Remove {
        /// The node's name, as `kubectl get nodes` shows it.
        #[arg(long, value_name = "NAME")]
        node: String,
        /// The node is a control plane (read from `nodes` when the definition lists them).
        #[arg(long)]
        control_plane: bool,
        /// Cluster definition (`-` reads standard input); default `./cluster.yaml`, else
        /// the embedded guide cluster.
        #[arg(short, long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// The cluster's secrets file; must exist. Nothing of it reaches the bundles.
        #[arg(short, long, value_name = "FILE", default_value = "secrets.yaml")]
        secrets: PathBuf,
        /// Where the removal bundles go, replaced as a whole like `render -o`: only when
        /// absent, empty or a tree kubeprint wrote.
        #[arg(short, long, value_name = "DIR")]
        output: PathBuf,
    },
    /// Compare two rendered directories and flag what matters operationally; exit 1
    /// when they differ, like diff(1).
    Diff {
        /// The tree running nodes were built from.
        #[arg(value_name = "OLD_DIR")]
        old: PathBuf,
        /// The tree to compare it with.
        #[arg(value_name = "NEW_DIR")]
        new: PathBuf,
        /// `json`: `{"operational": [...], "files": [{"path", "change", "modes"}]}`.
        #[arg(long, alias = "output", value_enum, default_value_t = Output::Text)]
        format: Output,
    },
}

/// The operating systems the release matrix knows, for `--help` and completion.
fn os_values() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(
        crate::model::matrix::OPERATING_SYSTEMS
            .iter()
            .map(|o| clap::builder::PossibleValue::new(o.id)),
    )
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(super) enum Format {
    Yaml,
    Mime,
}
