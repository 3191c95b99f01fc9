//! Part of stage 1b (validate): who the cluster is and who may use it: its name, the
//! bootstrap token's lifetime and the admin user.

use crate::config::Config;
use crate::model::matrix::Os;
use crate::validate::fields::Checker;
use crate::validate::syntax::{is_dns_label, is_posix_user, printable};

/// `name`, required: a user's definition states who it is (the guide's name is a
/// default only for the embedded cluster, which states it too).
pub(crate) fn cluster_name(config: &Config, c: &mut Checker) -> Option<String> {
    let name = c.required("name", config.name.clone(), "name: prod");
    if let Some(name) = &name
        && c.readable("name")
        && !is_dns_label(name)
    {
        c.error("name", format!("`{}` is not a valid cluster name", printable(name)),
            "use a DNS-1123 label: lowercase letters, digits and `-`, at most 63 characters, starting and ending with a letter or digit");
    }
    name
}

/// `kubernetes.token_ttl` in seconds (default 24h, kubeadm's); 0 never expires.
pub(crate) fn token_ttl(config: &Config, c: &mut Checker) -> u64 {
    let seconds = c
        .duration(config.kubernetes.token_ttl.as_ref())
        .unwrap_or(86_400);
    if seconds == 0 {
        c.warning("kubernetes.token_ttl", "the bootstrap token never expires",
            "anyone who reads a worker's user-data can join nodes forever; prefer a TTL like `24h` and register the token again when nodes must join later (`kubeprint secrets token-secret | kubectl apply -f -`)");
    }
    seconds
}

/// `admin_user`. Default: the user the OS's official cloud image logs in as, which is
/// also the Packer template's SSH user, so the kubeconfig lands in a home that exists.
pub(crate) fn admin_user(config: &Config, os: Option<&Os>, c: &mut Checker) -> String {
    let admin_user = config
        .admin_user
        .clone()
        .unwrap_or_else(|| os.map_or("ubuntu", |o| o.login_user).into());
    if !is_posix_user(&admin_user) {
        c.error("admin_user", format!("`{}` is not a valid user name", printable(&admin_user)),
            "use a POSIX user name: lowercase letters, digits, `_` and `-`, starting with a letter or `_`, at most 32 characters");
    }
    admin_user
}
