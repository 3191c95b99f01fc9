//! Stage 1b, validate: [`Config`] → [`Cluster`], typed, checked and with defaults applied.
//!
//! Every problem is collected (not just the first) as a [`Diagnostic`](crate::diagnostics::Diagnostic) naming the dotted
//! field path and carrying a fix. Values that reach shell or YAML later are restricted
//! here to safe, well-formed shapes, so the renderer never sees surprising text.

mod addons;
mod commands;
mod delivery;
pub(crate) mod fields;
mod files;
pub(crate) mod inventory;
mod names;
mod network;
pub(crate) mod placeholders;
mod proxy;
mod registries;
mod release;
mod runtime;
pub(crate) mod ssh_key;
pub(crate) mod support;
pub(crate) mod syntax;
mod topology;
pub(crate) mod url;
mod vip;

use crate::config::{Config, SourceMap};
use crate::diagnostics::Report;
use crate::model::cluster::Cluster;
use crate::validate::fields::Checker;
pub(crate) use crate::validate::syntax::{go_duration, parse_duration};

/// Checks `config`; `Ok` carries the cluster and the report (warnings only).
///
/// `failed` lists the fields that could not be read at all (already reported): they are
/// skipped here, so their defaults never cause follow-on errors. The checks run in the
/// order of the reference in README, so equally placed problems keep that order.
pub(crate) fn validate(
    config: &Config,
    failed: &[String],
    source: &SourceMap,
    report: &mut Report,
) -> Option<Cluster> {
    let mut c = Checker::new(source, report, failed);
    let k = &config.kubernetes;
    let name = names::cluster_name(config, &mut c);
    let installed = release::installed(config, &mut c);
    let runtime = runtime::runtime(config, installed.version, &mut c);
    let net = network::network(k, &mut c);
    placeholders::placeholders(name.as_deref(), net.endpoint.as_ref(), &mut c);
    let token_ttl_seconds = names::token_ttl(config, &mut c);
    let cert_sans = network::cert_sans(k, &mut c);
    let cni = addons::cni(config, &mut c);
    let admin_user = names::admin_user(config, installed.os, &mut c);
    let api_server_port = network::api_server_port(k, &mut c);
    let arch = addons::arch(config, &mut c);
    let mirrors = addons::mirrors(config, &mut c);
    release::repositories(config, &installed, cni.as_ref().map(|c| c.plugin), &mut c);
    let topology = topology::topology(config, &net, api_server_port, &mut c);
    let delivery = delivery::delivery(config, topology.control_planes, &mut c);
    let ssh_authorized_keys = ssh_key::ssh_keys(config, &mut c);
    let files = files::files(config, &mut c);
    let commands = commands::commands(config, &mut c);
    let proxy = proxy::proxy(config, &mut c);
    let registries = registries::registries(config, &mut c);
    runtime::check_mirrors(runtime.as_ref(), registries.as_ref(), &mut c);
    let image_repository = registries::image_repository(k, &mut c);
    let vip = vip::vip(config, &net, &topology.nodes, &mut c);
    vip::check_platform(vip.as_ref(), delivery.as_ref(), &mut c);

    if c.has_errors() {
        return None;
    }
    Some(Cluster {
        name: name?,
        os: installed.os?,
        version: installed.version?,
        release: installed.release?,
        crio_pin: installed.crio_pin,
        runtime: runtime?,
        endpoint: net.endpoint?,
        pod_subnet: net.pod_subnet?,
        service_subnet: net.service_subnet?,
        dns_domain: net.dns_domain,
        token_ttl_seconds,
        cert_sans,
        cni: cni?,
        admin_user,
        mirrors,
        control_planes: topology.control_planes,
        api_server_port,
        arch: arch?,
        nodes: topology.nodes,
        delivery: delivery?,
        ssh_authorized_keys,
        files,
        commands,
        proxy,
        registries,
        image_repository,
        vip,
        // Plain booleans: reading them (config) is all the checking they need.
        encryption_at_rest: k.encryption_at_rest.unwrap_or(false),
        audit_log: k.audit_log.unwrap_or(false),
        offline: config.offline.unwrap_or(false),
    })
}
