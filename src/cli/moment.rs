//! `--at` on the reporting commands (`verify`, `secrets show`): the moment certificate
//! expiry is measured against, instead of the clock's now. Part of the command line:
//! text in, a moment out, for planning ahead ("still valid on the upgrade day?") and
//! for reports that do not change from one day to the next.

use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, Time};

/// A moment for `--at`: `2027-06-01` (midnight UTC) or RFC 3339 `2027-06-01T12:00:00Z`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Moment(pub OffsetDateTime);

impl std::str::FromStr for Moment {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if let Ok(at) = OffsetDateTime::parse(text, &Rfc3339) {
            return Ok(Moment(at));
        }
        let day = date(text);
        day.map(|d| Moment(d.with_time(Time::MIDNIGHT).assume_utc()))
            .ok_or_else(|| {
                format!(
                    "`{text}` is not a date (2027-06-01) or an RFC 3339 time (2027-06-01T12:00:00Z)"
                )
            })
    }
}

/// The moment to measure against: `--at`, else the clock's now.
pub(super) fn now_or(at: Option<Moment>) -> OffsetDateTime {
    at.map_or_else(OffsetDateTime::now_utc, |m| m.0)
}

/// `YYYY-MM-DD`.
fn date(text: &str) -> Option<Date> {
    let mut parts = text.splitn(3, '-').map(|p| p.parse::<i32>().ok());
    let (year, month, day) = (parts.next()??, parts.next()??, parts.next()??);
    let month = time::Month::try_from(u8::try_from(month).ok()?).ok()?;
    Date::from_calendar_date(year, month, u8::try_from(day).ok()?).ok()
}
