//! Part of stage 1b (validate): the shape rules the field checks apply, as plain
//! functions: text in, a parsed value, a yes/no or a printable excerpt out, and no
//! diagnostics. They sit apart from `fields::Checker`, which reports, so every check
//! module and later stages (the token TTL is written back in Go's form) can use them
//! without a report at hand.

pub(crate) fn parse_duration(text: &str) -> Option<u64> {
    if text == "0" {
        return Some(0);
    }
    let mut total: u64 = 0;
    let mut number = String::new();
    let mut seen_unit = false;
    for ch in text.chars() {
        if ch.is_ascii_digit() {
            number.push(ch);
            continue;
        }
        let unit = match ch {
            'h' => 3600,
            'm' => 60,
            's' => 1,
            _ => return None,
        };
        let n: u64 = number.parse().ok()?;
        total = total.checked_add(n.checked_mul(unit)?)?;
        number.clear();
        seen_unit = true;
    }
    (number.is_empty() && seen_unit).then_some(total)
}

/// Go's `time.Duration` string for whole seconds (`24h0m0s`), as kubeadm writes it.
pub(crate) fn go_duration(seconds: u64) -> String {
    if seconds == 0 {
        return "0s".into();
    }
    let (h, m, s) = (seconds / 3600, seconds % 3600 / 60, seconds % 60);
    if h > 0 {
        format!("{h}h{m}m{s}s")
    } else if m > 0 {
        format!("{m}m{s}s")
    } else {
        format!("{s}s")
    }
}

pub(crate) fn is_dns_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

pub(crate) fn is_dns_name(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(is_dns_label)
}

/// A TCP port written as plain digits, 1 to 65535 (no sign, no spaces).
pub(crate) fn tcp_port(text: &str) -> Option<u16> {
    let digits = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    text.parse::<u16>().ok().filter(|n| digits && *n > 0)
}

pub(crate) fn is_posix_user(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 32
        && (b[0].is_ascii_lowercase() || b[0] == b'_')
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_' || *c == b'-')
}

/// Shows a rejected value safely in a terminal: control characters escaped, long
/// values shortened.
pub(crate) fn printable(s: &str) -> String {
    let escaped: String = s.chars().flat_map(char::escape_debug).collect();
    let escaped = escaped.replace("\\'", "'").replace("\\\"", "\"");
    if escaped.chars().count() > 80 {
        format!("{}…", escaped.chars().take(80).collect::<String>())
    } else {
        escaped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_are_plain_digits_from_1_to_65535() {
        assert_eq!(tcp_port("6443"), Some(6443));
        assert_eq!(tcp_port("65535"), Some(65535));
        for bad in ["", "0", "65536", "+80", " 80", "80 ", "-1", "0x50"] {
            assert_eq!(tcp_port(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn durations_read_like_go() {
        assert_eq!(parse_duration("24h"), Some(86_400));
        assert_eq!(parse_duration("1h30m"), Some(5_400));
        assert_eq!(parse_duration("90s"), Some(90));
        assert_eq!(parse_duration("0"), Some(0));
        for bad in [
            "",
            "24",
            "1d",
            "h",
            "1h30",
            "-1h",
            "1.5h",
            "99999999999999999999h",
        ] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
        assert_eq!(go_duration(86_400), "24h0m0s");
        assert_eq!(go_duration(0), "0s");
        assert_eq!(parse_duration(&go_duration(5_401)), Some(5_401));
    }

    #[test]
    fn names_follow_dns_and_posix_rules() {
        assert!(is_dns_label("prod-1") && !is_dns_label("Prod") && !is_dns_label("-a"));
        assert!(!is_dns_label(&"a".repeat(64)) && is_dns_label(&"a".repeat(63)));
        assert!(is_dns_name("api.example.com") && !is_dns_name("api..example.com"));
        assert!(is_posix_user("ubuntu") && is_posix_user("_svc") && !is_posix_user("Admin User"));
        assert!(!is_posix_user("1user") && !is_posix_user(""));
    }
}
