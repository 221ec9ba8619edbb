//! A [`Report`] as Markdown (for a pull request), JSON (for tools) or plain
//! text (for terminals).

use std::fmt::Write;

use serde_json::{Value, json};

use super::{Change, Class, Report};

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Markdown for a pull request or job summary.
    Markdown,
    /// JSON for tools.
    Json,
    /// Plain text for terminals.
    Text,
}

impl std::str::FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "markdown" | "md" => Ok(Format::Markdown),
            "json" => Ok(Format::Json),
            "text" => Ok(Format::Text),
            other => Err(format!(
                "unknown format `{other}`; expected markdown, json or text"
            )),
        }
    }
}

/// Renders `report` in `format`.
pub fn render(report: &Report, format: Format) -> String {
    match format {
        Format::Markdown => markdown(report),
        Format::Json => format!("{:#}\n", to_json(report)),
        Format::Text => text(report),
    }
}

const SECTIONS: [(Class, &str); 3] = [
    (Class::Breaking, "Breaking changes"),
    (Class::Additive, "Additive changes"),
    (Class::NonFunctional, "Notices (non-functional)"),
];

fn counts(report: &Report) -> String {
    let count = |class| report.of(class).count();
    format!(
        "{} breaking, {} additive, {} non-functional",
        count(Class::Breaking),
        count(Class::Additive),
        count(Class::NonFunctional),
    )
}

fn operations(change: &Change) -> String {
    if change.operations.is_empty() {
        "(document)".to_string()
    } else {
        change.operations.join(", ")
    }
}

/// ` (reclassified from breaking)` for a change a team reclassified.
fn reclassified(change: &Change) -> String {
    change
        .reclassified_from
        .map(|class| format!(" (reclassified from {class})"))
        .unwrap_or_default()
}

fn value(value: Option<&Value>) -> String {
    value.map_or_else(|| "—".to_string(), Value::to_string)
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn markdown(report: &Report) -> String {
    let mut out = format!(
        "## API changes: `{}` → `{}`\n\n{} · suggested `chekt-api` bump: **{}**\n",
        report.old,
        report.new,
        counts(report),
        report.bump()
    );
    if report.changes.is_empty() {
        out.push_str("\nNo changes to the API contract.\n");
    }
    for (class, title) in SECTIONS {
        let changes: Vec<&Change> = report.of(class).collect();
        if changes.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n### {title} ({})\n", changes.len());
        for c in &changes {
            let _ = writeln!(
                out,
                "- `{}` {}: {}{}",
                c.rule,
                operations(c),
                cell(&c.message),
                reclassified(c)
            );
        }
        let _ = writeln!(
            out,
            "\n<details><summary>Details</summary>\n\n| rule | old pointer | new pointer | old → new | why |\n| --- | --- | --- | --- | --- |"
        );
        for c in &changes {
            let _ = writeln!(
                out,
                "| `{}` | `{}` | `{}` | `{}` → `{}` | {} |",
                c.rule,
                cell(&c.old_pointer),
                cell(&c.new_pointer),
                cell(&value(c.old.as_ref())),
                cell(&value(c.new.as_ref())),
                c.explanation
            );
        }
        out.push_str("\n</details>\n");
    }
    out
}

fn to_json(report: &Report) -> Value {
    json!({
        "old": report.old,
        "new": report.new,
        "summary": {
            "breaking": report.of(Class::Breaking).count(),
            "additive": report.of(Class::Additive).count(),
            "non_functional": report.of(Class::NonFunctional).count(),
            "bump": report.bump(),
        },
        "changes": report.changes,
    })
}

fn text(report: &Report) -> String {
    let mut out = format!(
        "{} → {}: {}; suggested chekt-api bump: {}\n",
        report.old,
        report.new,
        counts(report),
        report.bump()
    );
    for c in &report.changes {
        let _ = writeln!(
            out,
            "{}[{}] {}: {}{}\n    {} → {} (#{} → #{})\n    {}",
            c.class,
            c.rule,
            operations(c),
            c.message.replace('`', ""),
            reclassified(c),
            value(c.old.as_ref()),
            value(c.new.as_ref()),
            c.old_pointer,
            c.new_pointer,
            c.explanation
        );
    }
    out
}
