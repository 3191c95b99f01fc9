//! The release matrix's pins against the upstream files they pin (their shape is checked
//! through `kubeprint versions --format json` in tests/integration/matrix.rs).

use super::RELEASES;

/// Every upstream file the VM test serves in place of the network
/// (`tests/e2e/downloads/`, named after its URL's path with `/` as `-`, gzipped) is the
/// file at a URL a row pins, byte for byte.
#[test]
fn cached_downloads_match_their_pins() {
    let mut pins = std::collections::BTreeMap::new();
    for r in RELEASES {
        for (url, sha256) in [
            r.calico.manifest(false),
            r.calico.manifest(true),
            r.flannel.manifest(),
        ] {
            pins.insert(url, sha256);
        }
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/downloads");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let (url, sha256) = pins
            .iter()
            .find(|(url, _)| {
                let tail = url.trim_start_matches("https://raw.githubusercontent.com/");
                format!("{}.gz", tail.replace('/', "-")) == name
            })
            .unwrap_or_else(|| panic!("{name} is not named after a pinned URL"));
        let mut bytes = Vec::new();
        let file = std::fs::File::open(&path).unwrap();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(file), &mut bytes).unwrap();
        assert_eq!(
            crate::digest::sha256_hex(&bytes),
            **sha256,
            "{name} is not the pinned {url}"
        );
        seen += 1;
    }
    assert!(seen >= 3, "{seen} cached downloads");
}
