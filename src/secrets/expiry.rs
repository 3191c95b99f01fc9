//! Part of stage 2 (secrets), for the reporting commands: a certificate's not-after and
//! a moment → how long it has left, and whether that calls for renewing it. The caller
//! reads the clock (`secrets show`, `verify`); nothing here does, and rendering never
//! asks, so a render stays a pure function of its inputs.

use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Warn this many days ahead: a quarter is time to plan a CA rotation, and kubeadm's
/// own `kubeadm certs check-expiration` shows a year for leaf certificates.
pub(crate) const WARN_DAYS: i64 = 90;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Valid,
    /// Under `WARN_DAYS` left.
    Expiring,
    Expired,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Expiry {
    pub not_after: OffsetDateTime,
    /// Whole days from `now` to not-after, rounded down; negative once expired.
    pub days_left: i64,
    pub status: Status,
    /// Whole days since not-after, rounded down; 0 until it expired.
    days_ago: i64,
}

pub(crate) fn expiry(not_after: OffsetDateTime, now: OffsetDateTime) -> Expiry {
    let left = not_after - now;
    let days_left = left.whole_seconds().div_euclid(86_400);
    let status = if left.is_negative() || left.is_zero() {
        Status::Expired
    } else if days_left < WARN_DAYS {
        Status::Expiring
    } else {
        Status::Valid
    };
    Expiry {
        not_after,
        days_left,
        status,
        days_ago: (-left.whole_seconds()).max(0) / 86_400,
    }
}

impl Expiry {
    /// Not-after as RFC 3339 (`2036-11-23T19:26:40Z`).
    pub(crate) fn rfc3339(&self) -> String {
        self.not_after
            .format(&Rfc3339)
            .unwrap_or_else(|_| self.not_after.to_string())
    }

    /// The day alone (`2036-11-23`), for summaries.
    pub(crate) fn date(&self) -> String {
        self.not_after.date().to_string()
    }

    /// `in 3650 days`, `in 42 days, under 90`, `EXPIRED 3 days ago`.
    pub(crate) fn describe(&self) -> String {
        match self.status {
            Status::Valid => format!("in {} days", self.days_left),
            Status::Expiring => format!("in {} days, under {WARN_DAYS}", self.days_left),
            Status::Expired => format!("EXPIRED {}", self.ago()),
        }
    }

    /// `expires on 2036-11-23, in 42 days` or `EXPIRED on 2026-11-23, 3 days ago`.
    pub(crate) fn sentence(&self) -> String {
        match self.status {
            Status::Expired => format!("EXPIRED on {}, {}", self.date(), self.ago()),
            _ => format!("expires on {}, in {} days", self.date(), self.days_left),
        }
    }

    fn ago(&self) -> String {
        match self.days_ago {
            0 => "less than a day ago".to_string(),
            1 => "1 day ago".to_string(),
            days => format!("{days} days ago"),
        }
    }
}

/// How a certificate of kubeprint's is renewed, for the messages about it: CAs by
/// hand (kubeadm renews only what they sign), the admin certificate by `renew`.
pub(crate) fn renewal_hint(is_ca: bool) -> &'static str {
    if is_ca {
        "kubeadm never renews a CA: plan a CA rotation before it expires (README, \"Certificates over time\")"
    } else {
        "`kubeprint renew -c CLUSTER -s SECRETS -o DIR` writes a new admin.conf signed by the same CA (and the bundle renewing the control planes' certificates)"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Duration;

    #[test]
    fn days_left_and_status() {
        // 2026-01-01T12:00:00Z
        let now = OffsetDateTime::from_unix_timestamp(1_767_268_800).unwrap();
        let at = |d: Duration| expiry(now + d, now);
        assert_eq!(at(Duration::days(3650)).status, Status::Valid);
        assert_eq!(at(Duration::days(3650)).days_left, 3650);
        assert_eq!(at(Duration::days(90)).status, Status::Valid);
        let soon = at(Duration::days(89) + Duration::hours(23));
        assert_eq!((soon.status, soon.days_left), (Status::Expiring, 89));
        let gone = at(-Duration::hours(1));
        assert_eq!((gone.status, gone.days_left), (Status::Expired, -1));
        assert_eq!(gone.describe(), "EXPIRED less than a day ago");
        assert_eq!(at(-Duration::days(3)).describe(), "EXPIRED 3 days ago");
        assert_eq!(
            at(-Duration::days(3)).sentence(),
            "EXPIRED on 2025-12-29, 3 days ago"
        );
        assert_eq!(soon.sentence(), "expires on 2026-04-01, in 89 days");
        assert_eq!(at(Duration::ZERO).status, Status::Expired);
        assert_eq!(at(Duration::days(1)).rfc3339(), "2026-01-02T12:00:00Z");
    }
}
