//! Mutation testing of the loader and validator: thousands of randomly damaged
//! definitions (fixed seed, so failures reproduce) never panic, and every one that is
//! accepted renders user-data that parses as YAML and scripts that pass `bash -n`.

use crate::common;

use std::process::Command;

const SEEDS: &[&str] = &[
    include_str!("../../examples/guide-1.21.yaml"),
    include_str!("../../examples/ubuntu-24.04-1.36-calico.yaml"),
    include_str!("../../examples/debian-12-1.30-flannel.yaml"),
    include_str!("../../examples/ubuntu-22.04-1.28-canal.yaml"),
];

const NASTY: &[&str] = &[
    "'",
    "\"",
    "$(",
    "`",
    "\n",
    ";",
    "&",
    "|",
    "\\",
    ":",
    "- ",
    "[",
    "]",
    "{",
    "}",
    "#",
    "*",
    "&a",
    "!!str",
    "~",
    "\t",
    "0",
    "1.30",
    "1.37.0",
    "-1",
    "65536",
    "/8",
    "/24",
    "::1",
    "é",
    "名",
    "\u{0}",
    "KUBEPRINT_EOF",
    "  ",
    "null",
];

fn mutate(rng: &mut fastrand::Rng, text: &str) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for _ in 0..rng.usize(1..4) {
        if lines.is_empty() {
            break;
        }
        let i = rng.usize(..lines.len());
        match rng.u8(..6) {
            0 => {
                lines.remove(i);
            }
            1 => {
                let l = lines[i].clone();
                lines.insert(rng.usize(..=lines.len()), l);
            }
            2 => {
                let j = rng.usize(..lines.len());
                lines.swap(i, j);
            }
            3 => {
                // Replace a value after the colon.
                if let Some((k, _)) = lines[i].split_once(": ") {
                    lines[i] = format!("{k}: {}", NASTY[rng.usize(..NASTY.len())]);
                }
            }
            4 => {
                let chars: Vec<char> = lines[i].chars().collect();
                let at = rng.usize(..=chars.len());
                let mut s: String = chars[..at].iter().collect();
                s.push_str(NASTY[rng.usize(..NASTY.len())]);
                s.extend(&chars[at..]);
                lines[i] = s;
            }
            _ => {
                let chars: Vec<char> = lines[i].chars().collect();
                if !chars.is_empty() {
                    let at = rng.usize(..chars.len());
                    lines[i] = chars
                        .iter()
                        .enumerate()
                        .filter(|(n, _)| *n != at)
                        .map(|(_, c)| c)
                        .collect();
                }
            }
        }
    }
    lines.join("\n")
}

#[test]
fn mutated_definitions_never_panic_and_accepted_ones_render_valid_output() {
    let mut rng = fastrand::Rng::with_seed(0x6b75_6265_7072_696e);
    let secrets = common::fixture_secrets();
    let mut accepted = 0;
    let mut checked_with_bash = 0;
    for n in 0..3000 {
        let seed = SEEDS[n % SEEDS.len()];
        let text = mutate(&mut rng, seed);
        let (cluster, report) = kubeprint::load_cluster(&text, "fuzz.yaml", false);
        let _ = report.to_string();
        let Some(cluster) = cluster else { continue };
        accepted += 1;
        let artifacts = kubeprint::render_cluster(&cluster, &secrets)
            .unwrap_or_else(|e| panic!("accepted but failed to render:\n{text}\n{e}"));
        for (path, a) in &artifacts {
            if path.ends_with("user-data.yaml") {
                let body = String::from_utf8(a.bytes.clone()).unwrap();
                serde_yaml::from_str::<serde_yaml::Value>(&body)
                    .unwrap_or_else(|e| panic!("{path} is not YAML ({e}) for:\n{text}"));
            }
        }
        // bash -n costs a process per script: check a bounded sample of accepted cases.
        if checked_with_bash < 40 {
            checked_with_bash += 1;
            for (path, a) in artifacts
                .iter()
                .filter(|(p, _)| p.ends_with("bootstrap.sh"))
            {
                let dir = tempfile::tempdir().unwrap();
                let file = dir.path().join("b.sh");
                std::fs::write(&file, &a.bytes).unwrap();
                let ok = Command::new("bash")
                    .arg("-n")
                    .arg(&file)
                    .status()
                    .unwrap()
                    .success();
                assert!(ok, "{path} fails bash -n for:\n{text}");
            }
        }
    }
    assert!(
        accepted > 100,
        "too few mutations were valid ({accepted}): the mutator no longer exercises rendering"
    );
}
