//! A team's own class for a rule (oasdiff's severity levels): every change
//! the rule reports takes that class instead of the table's, in the report,
//! the suggested bump and the exit code. Given as `--rule
//! response-constraint-tightened=non-functional` or one per line in a rules
//! file; each reclassified change says what the table said. The rules file
//! also holds the deprecation policy's minimum notice (`deprecation-notice
//! = DAYS`, [`super::deprecation`]).

use std::str::FromStr;

use super::rules::{Class, RULES};
use super::{Change, Report};
use crate::error::{Error, Result};

/// Every change of `rule` is reported as `class`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reclassify {
    /// The rule's id, one of [`RULES`].
    pub rule: &'static str,
    /// The class its changes take.
    pub class: Class,
}

impl FromStr for Reclassify {
    type Err = String;

    /// `rule-id=class`; the class is `breaking`, `additive` or
    /// `non-functional`.
    ///
    /// ```
    /// use chekt_gen::diff::{Class, Reclassify};
    ///
    /// let relaxed: Reclassify = "response-constraint-tightened=non-functional".parse()?;
    /// assert_eq!(relaxed.class, Class::NonFunctional);
    /// let typo = "response-constraint-tighten=additive".parse::<Reclassify>().unwrap_err();
    /// assert!(typo.contains("did you mean `response-constraint-tightened`?"));
    /// # Ok::<(), String>(())
    /// ```
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let (id, class) = s.split_once('=').ok_or_else(|| {
            format!("`{s}`: expected RULE=CLASS, e.g. response-constraint-tightened=non-functional")
        })?;
        let id = id.trim();
        Ok(Reclassify {
            rule: known_rule(id)?,
            class: class.trim().parse()?,
        })
    }
}

/// The id of the rule `id` names; an unknown one names the closest rule id
/// when there is one near enough.
pub(super) fn known_rule(id: &str) -> std::result::Result<&'static str, String> {
    RULES
        .iter()
        .find(|rule| rule.id == id)
        .map(|rule| rule.id)
        .ok_or_else(|| {
            let hint = crate::rule_file::closest_hint(id, RULES.iter().map(|rule| rule.id));
            format!("unknown diff rule `{id}`{hint} (the rules: chekt-gen/src/diff/rules.rs)")
        })
}

/// The setting of a rules file that is not a rule id.
pub const DEPRECATION_NOTICE: &str = "deprecation-notice";

/// What a rules file says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RulesFile {
    /// The reclassifications, in file order.
    pub reclassify: Vec<Reclassify>,
    /// The minimum days between today and a newly announced sunset, when
    /// the file sets `deprecation-notice` (the last one wins).
    pub deprecation_notice: Option<u32>,
}

/// Reads a rules file: one `rule-id = class` or `deprecation-notice = DAYS`
/// per line; blank lines and `#` comments are skipped. An error names the
/// file and line.
///
/// ```
/// use chekt_gen::diff::{Class, parse_rules};
///
/// let rules = parse_rules("diff-rules", "# we own every client\nresponse-property-removed = additive\ndeprecation-notice = 90\n")?;
/// assert_eq!(rules.reclassify[0].rule, "response-property-removed");
/// assert_eq!(rules.deprecation_notice, Some(90));
/// let bad = parse_rules("diff-rules", "\nresponse-property-removed\n").unwrap_err();
/// assert!(bad.to_string().starts_with("diff-rules:2: `response-property-removed`: expected RULE=CLASS"));
/// # Ok::<(), chekt_gen::Error>(())
/// ```
pub fn parse_rules(file: &str, text: &str) -> Result<RulesFile> {
    let mut rules = RulesFile::default();
    for (line, text) in crate::rule_file::setting_lines(text) {
        let located = |message| Error::DiffRules {
            file: file.to_string(),
            line,
            message,
        };
        match text.split_once('=') {
            Some((key, days)) if key.trim() == DEPRECATION_NOTICE => {
                let days = days.trim();
                rules.deprecation_notice = Some(days.parse().map_err(|_| {
                    located(format!(
                        "`{DEPRECATION_NOTICE}` is a number of days, not `{days}`"
                    ))
                })?);
            }
            _ => rules.reclassify.push(text.parse().map_err(located)?),
        }
    }
    Ok(rules)
}

impl Report {
    /// Gives every change of an overridden rule its new class (for one rule
    /// given twice, the last wins), recording the class it had in
    /// [`Change::reclassified_from`], and keeps breaking changes first.
    pub fn reclassify(&mut self, overrides: &[Reclassify]) {
        for change in &mut self.changes {
            let Some(new) = overrides.iter().rev().find(|o| o.rule == change.rule) else {
                continue;
            };
            if new.class != change.class {
                change.reclassified_from.get_or_insert(change.class);
                change.class = new.class;
            }
        }
        self.changes.sort_by_key(|c: &Change| c.class);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::Bump;
    use crate::diff::render::{Format, render};

    fn change(rule: &'static str) -> Change {
        let table = super::super::rules::rule(rule).expect("a rule of the table");
        Change {
            class: table.class,
            rule: table.id,
            operations: vec!["GET /sites".to_string()],
            old_pointer: "/a".to_string(),
            new_pointer: "/a".to_string(),
            old: None,
            new: None,
            message: format!("{rule} happened"),
            explanation: table.explanation,
            reclassified_from: None,
            crate_api: None,
            accepted: None,
        }
    }

    fn report() -> Report {
        Report {
            old: "old.yaml".to_string(),
            new: "new.yaml".to_string(),
            changes: vec![
                change("response-property-removed"),
                change("server-added"),
                change("operation-deprecated"),
            ],
            crate_axis: crate::diff::CrateAxis::NotComputed,
            invalid: Vec::new(),
            stale: Vec::new(),
        }
    }

    fn rules(specs: &[&str]) -> Vec<Reclassify> {
        specs.iter().map(|s| s.parse().unwrap()).collect()
    }

    fn order(report: &Report) -> Vec<(&str, Class)> {
        report.changes.iter().map(|c| (c.rule, c.class)).collect()
    }

    #[test]
    fn a_downgraded_rule_no_longer_breaks() {
        let mut report = report();
        assert_eq!(report.bump(), Bump::Major);
        report.reclassify(&rules(&["response-property-removed=additive"]));
        assert!(!report.is_breaking());
        assert_eq!(report.bump(), Bump::Minor);
        let removed = &report.changes[0];
        assert_eq!(removed.reclassified_from, Some(Class::Breaking));
        assert_eq!(
            report.changes[1].reclassified_from, None,
            "others untouched"
        );
    }

    #[test]
    fn an_upgraded_rule_breaks_and_sorts_first() {
        let mut report = report();
        report.reclassify(&rules(&[
            "response-property-removed=non-functional",
            "operation-deprecated=breaking",
        ]));
        assert_eq!(
            order(&report),
            [
                ("operation-deprecated", Class::Breaking),
                ("server-added", Class::Additive),
                ("response-property-removed", Class::NonFunctional),
            ]
        );
        assert_eq!(report.bump(), Bump::Major);
    }

    #[test]
    fn the_last_override_wins_and_the_table_class_is_kept() {
        let mut report = report();
        report.reclassify(&rules(&[
            "server-added=breaking",
            "server-added=non-functional",
            "response-property-removed=breaking",
        ]));
        let added = report.changes.iter().find(|c| c.rule == "server-added");
        assert_eq!(added.map(|c| c.class), Some(Class::NonFunctional));
        assert_eq!(
            added.and_then(|c| c.reclassified_from),
            Some(Class::Additive)
        );
        // Same class as the table: nothing to record.
        assert_eq!(report.changes[0].reclassified_from, None);
        // Reclassified again, it still names the table's class.
        report.reclassify(&rules(&["server-added=breaking"]));
        let added = report.changes.iter().find(|c| c.rule == "server-added");
        assert_eq!(added.map(|c| c.class), Some(Class::Breaking));
        assert_eq!(
            added.and_then(|c| c.reclassified_from),
            Some(Class::Additive)
        );
    }

    #[test]
    fn every_format_says_what_the_table_said() {
        let mut report = report();
        report.reclassify(&rules(&["response-property-removed=additive"]));
        let json: serde_json::Value = serde_json::from_str(&render(&report, Format::Json)).unwrap();
        let removed = &json["changes"][0];
        assert_eq!(removed["class"], "additive");
        assert_eq!(removed["reclassified_from"], "breaking");
        assert!(json["changes"][1].get("reclassified_from").is_none());
        let text = render(&report, Format::Text);
        assert!(
            text.contains("additive[response-property-removed] GET /sites: response-property-removed happened (reclassified from breaking)"),
            "{text}"
        );
        let markdown = render(&report, Format::Markdown);
        assert!(
            markdown.contains("- `response-property-removed` `GET /sites`: response-property-removed happened (reclassified from breaking)"),
            "{markdown}"
        );
    }

    #[test]
    fn bad_overrides_say_what_is_wrong() {
        let error = |s: &str| s.parse::<Reclassify>().unwrap_err();
        assert_eq!(
            error("server-added"),
            "`server-added`: expected RULE=CLASS, e.g. response-constraint-tightened=non-functional"
        );
        assert_eq!(
            error("server-added=minor"),
            "unknown class `minor`; expected breaking, additive or non-functional"
        );
        assert_eq!(
            error("server-adde=additive"),
            "unknown diff rule `server-adde`; did you mean `server-added`? (the rules: chekt-gen/src/diff/rules.rs)"
        );
        assert_eq!(
            error("everything=additive"),
            "unknown diff rule `everything` (the rules: chekt-gen/src/diff/rules.rs)"
        );
        let parsed: Reclassify = " server-added = breaking ".parse().unwrap();
        assert_eq!(
            (parsed.rule, parsed.class),
            ("server-added", Class::Breaking)
        );
    }

    #[test]
    fn a_rules_file_skips_comments_and_names_the_bad_line() {
        let text = "# relaxed for the v0.8 draft\n\nserver-added = breaking  # new servers need a release note\noperation-deprecated=additive\n";
        let parsed = parse_rules("spec/diff-rules", text).unwrap();
        assert_eq!(
            parsed.reclassify,
            rules(&["server-added=breaking", "operation-deprecated=additive"])
        );
        assert_eq!(parsed.deprecation_notice, None);
        let bad = parse_rules(
            "spec/diff-rules",
            "server-added=breaking\n\nnope=additive\n",
        );
        assert_eq!(
            bad.unwrap_err().to_string(),
            "spec/diff-rules:3: unknown diff rule `nope` (the rules: chekt-gen/src/diff/rules.rs)"
        );
        assert_eq!(parse_rules("empty", "").unwrap(), RulesFile::default());
        let notice = parse_rules(
            "r",
            "deprecation-notice = 30\ndeprecation-notice=60 # a quarter\n",
        );
        assert_eq!(notice.unwrap().deprecation_notice, Some(60));
        assert_eq!(
            parse_rules("r", "\ndeprecation-notice = 3 months\n")
                .unwrap_err()
                .to_string(),
            "r:2: `deprecation-notice` is a number of days, not `3 months`"
        );
        assert_eq!(
            parse_rules("r", "deprecation-notice = -1\n")
                .unwrap_err()
                .to_string(),
            "r:1: `deprecation-notice` is a number of days, not `-1`"
        );
    }
}
