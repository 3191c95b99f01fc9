//! In-process benchmarks of each pipeline stage (divan): `cargo bench`.
//! Whole-process timings against the targets are in `benches/run.sh` and BENCHMARKS.md.

use kubeprint::{CheckedSecrets, Cluster, KeyType};

fn main() {
    divan::main();
}

fn fixture() -> CheckedSecrets {
    let text = include_str!("../tests/fixtures/test-only-secrets.yaml");
    kubeprint::parse_secrets(text, "fixture").unwrap()
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
        divan::black_box(kubeprint::DEFAULT_CLUSTER),
        "default",
        false,
    );
    assert!(cluster.is_some());
}

#[divan::bench]
fn render_default(bencher: divan::Bencher) {
    let (cluster, _) = kubeprint::load_cluster(kubeprint::DEFAULT_CLUSTER, "default", false);
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

fn default_cluster() -> Cluster {
    kubeprint::load_cluster(kubeprint::DEFAULT_CLUSTER, "default", false)
        .0
        .unwrap()
}

/// A secrets file's worth of keys: four CAs' and the admin certificates' key pairs.
#[divan::bench(sample_count = 10)]
fn generate_secrets_rsa_2048(bencher: divan::Bencher) {
    let cluster = default_cluster();
    bencher.bench(|| kubeprint::generate_secrets(&cluster, KeyType::Rsa2048).unwrap());
}

#[divan::bench]
fn generate_secrets_ecdsa_p256(bencher: divan::Bencher) {
    let cluster = default_cluster();
    bencher.bench(|| kubeprint::generate_secrets(&cluster, KeyType::EcdsaP256).unwrap());
}
