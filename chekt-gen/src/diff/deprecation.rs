//! The deprecation policy: an operation, parameter, property or response
//! header marked `deprecated: true` announces its removal, and
//! `x-chekt-sunset` (an ISO 8601 calendar date, `YYYY-MM-DD`) says from
//! which day. Removing it on or
//! after that day is a scheduled removal (`removed-after-sunset`), before it
//! `removed-before-sunset`, with no date `removed-without-sunset`; removing
//! something never deprecated keeps its family's rule (`endpoint-removed`,
//! …). A rules file may ask for a minimum notice (`deprecation-notice =
//! DAYS`): a sunset announced closer than that to today is
//! `sunset-notice-too-short`.

pub use chrono::NaiveDate;
use serde_json::Value;

/// The extension that dates a deprecation's end.
pub const SUNSET: &str = "x-chekt-sunset";

/// How removals of deprecated items are judged, and on which day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Deprecation {
    /// Minimum days between today and a newly announced sunset (0: any).
    pub notice_days: u32,
    /// The day sunsets are compared with; `None` is today in UTC. Tests
    /// set it, so no verdict depends on the clock.
    pub today: Option<NaiveDate>,
}

impl Deprecation {
    /// The day sunsets are compared with.
    pub fn today(&self) -> NaiveDate {
        self.today
            .unwrap_or_else(|| chrono::Utc::now().date_naive())
    }
}

/// What an item (operation, parameter or schema) says about its own end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sunset {
    /// Not deprecated.
    NotDeprecated,
    /// Deprecated with no (or no valid) `x-chekt-sunset`; the invalid text,
    /// if there was one.
    Undated(Option<String>),
    /// Deprecated until this day.
    On(NaiveDate),
}

impl Sunset {
    /// Reads `deprecated` and `x-chekt-sunset` of `item`.
    pub fn of(item: &Value) -> Self {
        Sunset::read(
            item.get("deprecated").and_then(Value::as_bool) == Some(true),
            item.get(SUNSET),
        )
    }

    /// From the `deprecated` flag and the `x-chekt-sunset` value, wherever
    /// they were found (a schema's may come from an `allOf` member).
    pub fn read(deprecated: bool, sunset: Option<&Value>) -> Self {
        if !deprecated {
            return Sunset::NotDeprecated;
        }
        match sunset {
            None => Sunset::Undated(None),
            Some(value) => match value.as_str().and_then(|s| parse_date(s).ok()) {
                Some(day) => Sunset::On(day),
                None => Sunset::Undated(Some(value.to_string())),
            },
        }
    }
}

/// An ISO 8601 calendar date, `YYYY-MM-DD` exactly.
///
/// # Errors
/// Why `text` is not one, e.g. `2026-02-30` (no such day).
pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    let shaped = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !shaped {
        return Err(format!("`{text}` is not an ISO 8601 date (YYYY-MM-DD)"));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|e| format!("`{text}`: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sunsets_are_read_from_deprecated_items_only() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        assert_eq!(
            Sunset::of(&json!({"deprecated": true, "x-chekt-sunset": "2026-03-01"})),
            Sunset::On(day)
        );
        assert_eq!(
            Sunset::of(&json!({"x-chekt-sunset": "2026-03-01"})),
            Sunset::NotDeprecated
        );
        assert_eq!(
            Sunset::of(&json!({"deprecated": true})),
            Sunset::Undated(None)
        );
        assert_eq!(
            Sunset::of(&json!({"deprecated": true, "x-chekt-sunset": "soon"})),
            Sunset::Undated(Some("\"soon\"".to_string()))
        );
    }

    #[test]
    fn only_real_calendar_dates_parse() {
        assert!(parse_date("2026-12-31").is_ok());
        for bad in [
            "2026-02-30",
            "2026-1-05",
            "26-01-05",
            "2026-01-05T00:00:00Z",
            "",
        ] {
            assert!(parse_date(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_date("2026/01/05").unwrap_err(),
            "`2026/01/05` is not an ISO 8601 date (YYYY-MM-DD)"
        );
    }
}
