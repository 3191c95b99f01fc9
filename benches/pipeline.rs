//! In-process benchmarks of each pipeline stage (divan): `cargo bench`.
//! Whole-process timings against the targets are in `benches/run.sh` and BENCHMARKS.md.

use kubeprint::secrets::pki::{self, KeyType};
use kubeprint::secrets::{self, CheckedSecrets};

fn main() {
    divan::main();
}

fn fixture() -> CheckedSecrets {
    let text = include_str!("../tests/fixtures/test-only-secrets.yaml");
    secrets::check(serde_yaml::from_str(text).unwrap()).unwrap()
}

/// A definition with `n` nodes: three control planes, the rest workers.
pub fn inventory(n: usize) -> String {
    let mut text = String::from(
        "name: bench\nos: ubuntu-22.04\nkubernetes:\n  version: \"1.36.4\"\n  endpoint: api.bench.example.com:6443\ncni:\n  plugin: calico\nnodes:\n",
    );
    for i in 0..n {
        let role = if i < 3 { "control-plane" } else { "worker" };
        text.push_str(&format!(
            "  - {{name: node-{i:04}, role: {role}, address: 10.1.{}.{}}}\n",
            i / 250,
            i % 250 + 1
        ));
    }
    text
}

#[divan::bench]
fn load_and_validate_default() {
    let (cluster, _) = kubeprint::load_cluster(
        divan::black_box(kubeprint::config::DEFAULT_CLUSTER),
        "default",
        false,
    );
    assert!(cluster.is_some());
}

#[divan::bench]
fn render_default(bencher: divan::Bencher) {
    let (cluster, _) =
        kubeprint::load_cluster(kubeprint::config::DEFAULT_CLUSTER, "default", false);
    let cluster = cluster.unwrap();
    let secrets = fixture();
    bencher.bench(|| kubeprint::render_cluster(&cluster, &secrets).unwrap());
}

#[divan::bench(args = [10, 100, 1000], sample_count = 10)]
fn render_inventory(bencher: divan::Bencher, nodes: usize) {
    let text = inventory(nodes);
    let secrets = fixture();
    bencher.bench(|| {
        let (cluster, report) = kubeprint::load_cluster(&text, "inventory", false);
        let cluster = cluster.unwrap_or_else(|| panic!("{report}"));
        kubeprint::render_cluster(&cluster, &secrets).unwrap()
    });
}

#[divan::bench(sample_count = 20)]
fn generate_ca_rsa_2048() {
    pki::generate_ca("kubernetes", KeyType::Rsa2048).unwrap();
}

#[divan::bench]
fn generate_ca_ecdsa_p256() {
    pki::generate_ca("kubernetes", KeyType::EcdsaP256).unwrap();
}
