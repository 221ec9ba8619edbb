//! Coverage: every operation × declared status (and every webhook event)
//! needs a recording, or an exemption with a reason in
//! `spec/recordings/exemptions.yaml`.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::Deserialize;

use crate::error::{Error, Result};

/// The exemptions file's name inside the recordings directory.
pub const EXEMPTIONS_FILE: &str = "exemptions.yaml";

/// The status column of a webhook event's coverage row.
pub const PAYLOAD: &str = "payload";

/// One pair that needs no recording, and why.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exemption {
    /// The operationId.
    pub operation: String,
    /// The status key as the spec declares it (`404`, `5XX`).
    pub status: String,
    /// Why no recording is needed or possible.
    pub reason: String,
}

/// Reads `<dir>/exemptions.yaml`; a missing file means no exemptions.
pub fn load_exemptions(dir: &Path) -> Result<Vec<Exemption>> {
    let path = dir.join(EXEMPTIONS_FILE);
    if !path.exists() {
        return Ok(Vec::new());
    }
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    parse_exemptions(&text)
}

/// Parses the exemptions file's text; errors name the entry and field.
pub fn parse_exemptions(text: &str) -> Result<Vec<Exemption>> {
    let invalid = |field: String, message: String| Error::Recording {
        file: EXEMPTIONS_FILE.to_string(),
        field,
        message,
    };
    let deserializer = serde_yaml::Deserializer::from_str(text);
    let exemptions: Vec<Exemption> =
        serde_path_to_error::deserialize(deserializer).map_err(|e| {
            let field = e.path().to_string();
            let message = e.into_inner().to_string();
            // serde_yaml repeats the path (`.[0]: ...`); say it once.
            let message = match message.split_once(": ") {
                Some((path, rest)) if path.starts_with('.') => rest.to_string(),
                _ => message,
            };
            invalid(field, message)
        })?;
    if let Some(i) = exemptions.iter().position(|e| e.reason.trim().is_empty()) {
        return Err(invalid(
            format!("[{i}].reason"),
            "every exemption needs a reason".to_string(),
        ));
    }
    Ok(exemptions)
}

/// One row of the coverage table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The operationId.
    pub operation: String,
    /// The declared status key, or [`PAYLOAD`] for a webhook event.
    pub status: String,
    /// The recordings that cover it.
    pub recordings: Vec<String>,
    /// The exemption's reason, when there is one.
    pub exempt: Option<String>,
}

impl Row {
    /// Neither covered nor exempt: the check fails.
    pub fn missing(&self) -> bool {
        self.recordings.is_empty() && self.exempt.is_none()
    }
}

/// The coverage table, in spec order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Coverage {
    /// One row per operation × declared status.
    pub rows: Vec<Row>,
    /// Exemptions that name no declared pair, or a pair that is covered.
    pub stale: Vec<(Exemption, &'static str)>,
}

impl Coverage {
    /// Builds the table from the declared pairs (in order) and what covers
    /// them.
    pub fn new(
        declared: Vec<(String, String)>,
        covered: &BTreeMap<(String, String), Vec<String>>,
        exemptions: &[Exemption],
    ) -> Self {
        let rows = declared
            .iter()
            .map(|(operation, status)| {
                let key = (operation.clone(), status.clone());
                Row {
                    operation: operation.clone(),
                    status: status.clone(),
                    recordings: covered.get(&key).cloned().unwrap_or_default(),
                    exempt: exemptions
                        .iter()
                        .find(|e| &e.operation == operation && &e.status == status)
                        .map(|e| e.reason.clone()),
                }
            })
            .collect::<Vec<_>>();
        let stale = exemptions
            .iter()
            .filter_map(|e| {
                let row = rows
                    .iter()
                    .find(|r| r.operation == e.operation && r.status == e.status);
                match row {
                    None => Some((e.clone(), "names no declared operation and status")),
                    Some(r) if !r.recordings.is_empty() => {
                        Some((e.clone(), "is covered by a recording; remove the exemption"))
                    }
                    Some(_) => None,
                }
            })
            .collect();
        Coverage { rows, stale }
    }

    /// The rows that fail.
    pub fn missing(&self) -> impl Iterator<Item = &Row> {
        self.rows.iter().filter(|r| r.missing())
    }
}

impl fmt::Display for Coverage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = self
            .rows
            .iter()
            .map(|r| r.operation.len())
            .max()
            .unwrap_or(9)
            .max(9);
        writeln!(f, "{:width$}  {:7}  recordings", "operation", "status")?;
        let mut previous = "";
        for row in &self.rows {
            let operation = if row.operation == previous {
                ""
            } else {
                &row.operation
            };
            previous = &row.operation;
            let covered_by = if !row.recordings.is_empty() {
                let files = row
                    .recordings
                    .iter()
                    .map(|r| r.rsplit('/').next().unwrap_or(r));
                files.collect::<Vec<_>>().join(", ")
            } else if let Some(reason) = &row.exempt {
                format!("(exempt: {reason})")
            } else {
                "MISSING".to_string()
            };
            writeln!(f, "{operation:width$}  {:7}  {covered_by}", row.status)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exemption_errors_name_entry_and_field() {
        let cases = [
            (
                "- {operation: a, status: '5XX'}",
                "exemptions.yaml: malformed at `[0]`: missing field `reason`",
            ),
            (
                "- {operation: a, status: '5XX', reason: ' '}",
                "exemptions.yaml: malformed at `[0].reason`: every exemption needs a reason",
            ),
            (
                "- {operation: a, status: '5XX', reason: r, note: n}",
                "exemptions.yaml: malformed at `[0].note`: unknown field `note`, expected one of `operation`, `status`, `reason`",
            ),
        ];
        for (text, expected) in cases {
            let err = parse_exemptions(text).unwrap_err().to_string();
            assert!(err.starts_with(expected), "{err}");
        }
    }

    #[test]
    fn rows_missing_exempt_and_stale() {
        let declared = vec![
            ("a".to_string(), "200".to_string()),
            ("a".to_string(), "5XX".to_string()),
            ("b".to_string(), "200".to_string()),
        ];
        let covered = BTreeMap::from([(
            ("a".to_string(), "200".to_string()),
            vec!["a/200-x.json".to_string()],
        )]);
        let exemptions = parse_exemptions(
            "- {operation: a, status: '5XX', reason: cannot provoke}\n- {operation: a, status: '200', reason: r}\n- {operation: gone, status: '200', reason: r}\n",
        )
        .unwrap();
        let coverage = Coverage::new(declared, &covered, &exemptions);
        let missing = coverage
            .missing()
            .map(|r| r.operation.as_str())
            .collect::<Vec<_>>();
        assert_eq!(missing, ["b"]);
        assert_eq!(coverage.stale.len(), 2);
        assert_eq!(
            coverage.to_string(),
            "operation  status   recordings\na          200      200-x.json\n           5XX      (exempt: cannot provoke)\nb          200      MISSING\n"
        );
    }
}
