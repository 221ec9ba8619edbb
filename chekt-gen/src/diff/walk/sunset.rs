//! The deprecation policy on the walk ([`crate::diff::deprecation`]): which
//! rule a removal takes, and whether a newly announced sunset gives enough
//! notice.

use chrono::Days;
use serde_json::Value;

use super::{Raw, Walker, raw};
use crate::diff::deprecation::{SUNSET, Sunset};
use crate::diff::rules::{Rule, deprecation};

impl<'a> Walker<'a> {
    /// The rule and a message suffix for removing an item (operation,
    /// parameter, property or response header) whose deprecation is
    /// `sunset`: `never` (the family's rule) when it was not deprecated,
    /// else by the sunset and the policy's today.
    pub(super) fn removal(&self, never: Rule, sunset: Sunset) -> (Rule, String) {
        match sunset {
            Sunset::NotDeprecated => (never, String::new()),
            Sunset::Undated(None) => (
                deprecation::REMOVED_WITHOUT_SUNSET,
                " (deprecated, no sunset announced)".to_string(),
            ),
            Sunset::Undated(Some(text)) => (
                deprecation::REMOVED_WITHOUT_SUNSET,
                format!(" (deprecated; {SUNSET} {text} is not a date)"),
            ),
            Sunset::On(day) if day <= self.policy.today() => (
                deprecation::REMOVED_AFTER_SUNSET,
                format!(" (deprecated, sunset {day}: scheduled)"),
            ),
            Sunset::On(day) => (
                deprecation::REMOVED_BEFORE_SUNSET,
                format!(" (deprecated, but its sunset is {day})"),
            ),
        }
    }

    /// A sunset the new side announces (newly, or moved) that is closer to
    /// today than the policy's notice; `what` names the item.
    pub(super) fn sunset_notice(
        &self,
        what: &str,
        (op, ov): (&str, &Value),
        (np, nv): (&str, &Value),
    ) -> Option<Raw> {
        let Sunset::On(day) = Sunset::of(nv) else {
            return None;
        };
        if Sunset::of(ov) == Sunset::On(day) || self.policy.notice_days == 0 {
            return None;
        }
        let today = self.policy.today();
        let earliest = today.checked_add_days(Days::new(self.policy.notice_days.into()))?;
        (day < earliest).then(|| {
            raw(
                deprecation::SUNSET_NOTICE_TOO_SHORT,
                op,
                np,
                ov.get(SUNSET),
                nv.get(SUNSET),
                format!(
                    "{what} sunset {day} is {} day(s) from {today}; the policy asks for at least {}",
                    (day - today).num_days(),
                    self.policy.notice_days
                ),
            )
        })
    }
}
