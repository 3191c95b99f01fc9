//! The YAML writer against serde_yaml (layout, YAML 1.2) and the YAML 1.1 traps.

use super::plain::plain_is_safe;
use super::scalar::is_break;
use super::*;
use serde_yaml::{Mapping, Value};

/// Strings some YAML 1.1 or 1.2 reader takes for something else than that string
    /// (bools, nulls, numbers, dates, merge keys) when they are written plain.
    #[rustfmt::skip]
    const TRAPS: &[&str] = &[
        "y", "Y", "n", "N", "yes", "Yes", "YES", "no", "No", "NO", "on", "On", "ON", "off",
        "Off", "OFF", "true", "True", "TRUE", "false", "False", "FALSE", "~", "null", "Null",
        "NULL", "", "1_000", "0x1f", "0X1F", "0o17", "0b101", "0123", "0", "123", "1e3", "1E3",
        "1.5", "1.", ".5", ".inf", "-.inf", "+.inf", ".Inf", ".NaN", ".nan", "inf", "nan",
        "2001-12-14", "2001-1-2", "2001-12-14t21:59:43.10-05:00", "1:20", "190:20:30", "1:20.5",
        "+1", "-1", "<<", "=", "1e999", "1,000",
    ];

fn plain(s: &str) -> bool {
    to_string(s).unwrap() == format!("{s}\n")
}

#[test]
fn traps_are_quoted_and_read_back() {
    for trap in TRAPS {
        assert!(!plain(trap), "{trap:?} was written plain");
        let text = to_string(&[trap]).unwrap();
        let back: Vec<String> = serde_yaml::from_str(&text).unwrap();
        assert_eq!(back, [*trap], "{text}");
    }
    // As keys and list items too: a table with every trap reads back whole.
    let table: std::collections::BTreeMap<&str, Vec<&str>> =
        TRAPS.iter().map(|t| (*t, vec![*t])).collect();
    let text = to_string(&table).unwrap();
    for trap in TRAPS {
        assert!(
            !text.contains(&format!("\n{trap}:")),
            "key {trap:?} was written plain"
        );
    }
    let back: std::collections::BTreeMap<String, Vec<String>> =
        serde_yaml::from_str(&text).unwrap();
    assert_eq!(back.len(), TRAPS.len());
    assert!(
        back.iter().all(|(k, v)| v.len() == 1 && &v[0] == k),
        "{text}"
    );
    assert_eq!(to_string("on").unwrap(), "'on'\n");
    assert_eq!(to_string("it's").unwrap(), "'it''s'\n");
}

#[test]
fn addresses_and_names_stay_plain() {
    for s in [
        "10.0.0.10",
        "172.31.11.193:6443",
        "10.96.0.0/12",
        "https://10.0.0.10:6443",
        "unix:///var/run/crio/crio.sock",
        "v1.21.3",
        "24h0m0s",
        "0s",
        "sha256:10d5af16",
        "system:bootstrappers:kubeadm:default-node-token",
        "kubernetes-admin@prod-eu1",
        "kubeadm.k8s.io/v1beta4",
        "root:root",
        "node.kubernetes.io/role=gpu",
        "node.kubernetes.io/pool=general,topology.kubernetes.io/zone=eu-west-1a",
        "LS0tLS1CRUdJTi+/=",
        "cp-1",
        "3des",
        "1-2-3",
        "2001-123",
        "yess",
        "KUBEPRINT_NODE_NAME",
    ] {
        assert!(plain_is_safe(s), "{s}");
        assert!(plain(s), "{s} is plain for serde_yaml too");
    }
}

#[test]
fn always_quoted_strings_are_single_quoted() {
    let text = to_string_quoting(&[("name", "NODE"), ("other", "NODES")], &["NODE"]).unwrap();
    assert_eq!(text, "- - name\n  - 'NODE'\n- - other\n  - NODES\n");
}

#[test]
fn layout_matches_serde_yaml() {
    let doc: Value = serde_yaml::from_str(
        r#"
kind: Config
empty_map: {}
empty_list: []
nothing: null
flag: true
port: 6443
ratio: 0.5
list:
- a
- - nested
  - []
- key: value
  other:
  - x
  deeper:
    k: v
- {}
text: "line 1\nline 2\n"
strip: "no final break\nhere"
keep: "two breaks\n\n"
indented: "  starts with spaces\nthen not\n"
tabbed: "tab\there\n"
trailing: "trailing \nspace"
control: "bell\u0007"
quote: "kubeprint: a description"
"#,
    )
    .unwrap();
    assert_eq!(
        to_string(&doc).unwrap(),
        serde_yaml::to_string(&doc).unwrap()
    );
}

/// A random tree of random strings. `newly_quoted` strings (plain for serde_yaml,
/// not for us) are replaced when `faithful`, so the output must equal serde_yaml's.
fn random_value(rng: &mut fastrand::Rng, depth: u32, faithful: bool) -> Value {
    let leaf = depth == 0 || rng.u8(..3) == 0;
    if leaf {
        return match rng.u8(..8) {
            0 => Value::Null,
            1 => Value::Bool(rng.bool()),
            2 => Value::Number(rng.i64(-1000..1000).into()),
            3 => Value::Number((rng.f64() * 100.0).into()),
            _ => Value::String(random_string(rng, faithful, false)),
        };
    }
    let n = rng.usize(..4);
    if rng.bool() {
        Value::Sequence(
            (0..n)
                .map(|_| random_value(rng, depth - 1, faithful))
                .collect(),
        )
    } else {
        let mut map = Mapping::new();
        for _ in 0..n {
            let key = random_string(rng, faithful, true);
            map.insert(Value::String(key), random_value(rng, depth - 1, faithful));
        }
        Value::Mapping(map)
    }
}

/// Keys are kept to one line.
fn random_string(rng: &mut fastrand::Rng, faithful: bool, key: bool) -> String {
    const PIECES: &[&str] = &[
        "a", "Z", "k8s", "0", "1", "9", "x", "e", ".", "-", "_", ":", "/", " ", "#", "'", "\"",
        "\\", "\n", "\t", "~", "!", "@", "%", "é", "名", "\u{85}", "\u{feff}", "\r", "+", "=", ",",
        "[", "{", "&", "*", "?", "|", ">", "`", "yes", "on", "null", "0x", "\u{7}", "😀", "\u{a0}",
    ];
    let s: String = if rng.u8(..4) == 0 {
        TRAPS[rng.usize(..TRAPS.len())].to_string()
    } else {
        (0..rng.usize(..7))
            .map(|_| PIECES[rng.usize(..PIECES.len())])
            .filter(|p| !(key && p.contains(is_break)))
            .collect()
    };
    let serde_plain = || serde_yaml::to_string(&s).unwrap() == format!("{s}\n");
    if faithful && !plain_is_safe(&s) && serde_plain() {
        return "x".to_string();
    }
    s
}

#[test]
fn random_trees_match_serde_yaml_where_it_quotes_enough() {
    let mut rng = fastrand::Rng::with_seed(1123);
    for _ in 0..3000 {
        let tree = random_value(&mut rng, 4, true);
        assert_eq!(
            to_string(&tree).unwrap(),
            serde_yaml::to_string(&tree).unwrap(),
            "{tree:?}"
        );
    }
}

#[test]
fn random_trees_read_back_under_yaml_1_2() {
    let mut rng = fastrand::Rng::with_seed(1211);
    for _ in 0..3000 {
        let tree = random_value(&mut rng, 4, false);
        let text = to_string(&tree).unwrap();
        let back: Value = serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(back, tree, "{text}");
    }
}

#[test]
fn plain_strings_are_plain_for_serde_yaml() {
    // Whatever the whitelist admits, serde_yaml writes plain too: so quoting only
    // ever changes in one direction, and snapshots change only where we add quotes.
    let alphabet = b"aZ09._/:@=+-,xXoObBeE";
    let mut rng = fastrand::Rng::with_seed(7);
    for _ in 0..20_000 {
        let s: String = (0..rng.usize(1..7))
            .map(|_| alphabet[rng.usize(..alphabet.len())] as char)
            .collect();
        if plain_is_safe(&s) {
            assert_eq!(serde_yaml::to_string(&s).unwrap(), format!("{s}\n"));
        }
    }
}

#[test]
fn unsupported_shapes_are_errors() {
    let mut map = Mapping::new();
    map.insert(Value::Sequence(vec![Value::Null]), Value::Null);
    assert!(to_string(&map).is_err());
    let mut map = Mapping::new();
    map.insert(Value::String("a\nb".into()), Value::Null);
    assert!(to_string(&map).is_err());
}
