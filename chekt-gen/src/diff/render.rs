//! A [`Report`] as Markdown (for a pull request), JSON (for tools) or plain
//! text (for terminals). Every format says up front which side does not
//! lint, shows accepted changes with their reasons and scheduled removals
//! apart from the changes that fail a run, and warns about stale entries of
//! the acknowledged-changes file.

use std::fmt::Write;

use serde_json::{Value, json};

use super::{ApiChange, Change, Class, CrateAxis, Report, code_span};

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

/// The report's sections, in order: the changes of each class that are
/// not acknowledged, then scheduled removals, then accepted changes.
fn sections(report: &Report) -> [(&'static str, Vec<&Change>); 5] {
    let open = |class| {
        report
            .of(class)
            .filter(|c| !c.is_acknowledged())
            .collect::<Vec<_>>()
    };
    [
        ("Breaking changes", open(Class::Breaking)),
        ("Additive changes", open(Class::Additive)),
        ("Notices (non-functional)", open(Class::NonFunctional)),
        (
            "Scheduled removals (deprecated, past their sunset)",
            report
                .scheduled()
                .filter(|c| c.accepted.is_none())
                .collect(),
        ),
        ("Accepted changes", report.accepted().collect()),
    ]
}

fn counts(report: &Report) -> String {
    let count = |class| report.of(class).count();
    let mut out = format!(
        "{} breaking, {} additive, {} non-functional",
        count(Class::Breaking),
        count(Class::Additive),
        count(Class::NonFunctional),
    );
    let (accepted, scheduled) = (report.accepted().count(), report.scheduled().count());
    if accepted + scheduled > 0 {
        let _ = write!(out, " ({accepted} accepted, {scheduled} scheduled)");
    }
    out
}

/// `wire: breaking · chekt-api: major`: the verdict on each axis. Breaking
/// changes that are all accepted or scheduled read `breaking
/// (acknowledged)`.
pub fn verdict(report: &Report) -> String {
    let wire = if report.unacknowledged().next().is_some() {
        "breaking"
    } else if report.is_breaking() {
        "breaking (acknowledged)"
    } else {
        "non-breaking"
    };
    let krate = match &report.crate_axis {
        CrateAxis::Compared { bump, .. } => bump.to_string(),
        CrateAxis::Unavailable { .. } => "unknown (not generated)".to_string(),
        CrateAxis::NotComputed => "not compared".to_string(),
    };
    format!("wire: {wire} · chekt-api: {krate}")
}

/// The bump line: from the crate axis, or from the wire when it is missing.
fn bump_source(report: &Report) -> &'static str {
    if report.crate_bump().is_some() {
        ""
    } else {
        " (from the wire; crate axis not compared)"
    }
}

/// A change's crate-axis effect in one line, e.g. `major: types::Pet.age
/// added; …`.
fn effect(change: &Change) -> Option<String> {
    let effect = change.crate_api.as_ref()?;
    if effect.items.is_empty() {
        return Some(format!("{}: no public item changes", effect.bump));
    }
    Some(format!("{}: {}", effect.bump, api_items(&effect.items)))
}

fn api_items(items: &[ApiChange]) -> String {
    items
        .iter()
        .map(|i| format!("{} {}", i.item, i.change))
        .collect::<Vec<_>>()
        .join("; ")
}

fn operations(change: &Change) -> String {
    if change.operations.is_empty() {
        "(document)".to_string()
    } else {
        change.operations.join(", ")
    }
}

/// The operations as Markdown code spans: a path may hold backticks, pipes,
/// `*` or HTML, which a code span keeps literal.
fn operation_spans(change: &Change) -> String {
    if change.operations.is_empty() {
        "(document)".to_string()
    } else {
        let spans: Vec<String> = change.operations.iter().map(|o| code_span(o)).collect();
        spans.join(", ")
    }
}

/// ` (reclassified from breaking)` for a change a team reclassified, and
/// ` — accepted (breaking): reason (version 0.9.0; file:line)` for an
/// accepted one.
fn reclassified(change: &Change) -> String {
    let mut out = change
        .reclassified_from
        .map(|class| format!(" (reclassified from {class})"))
        .unwrap_or_default();
    if let Some(accepted) = &change.accepted {
        let version = accepted
            .version
            .as_ref()
            .map(|v| format!("version {v}; "))
            .unwrap_or_default();
        let _ = write!(
            out,
            " — accepted ({}): {} ({version}{})",
            change.class, accepted.reason, accepted.entry
        );
    }
    out
}

/// The lint errors of either side, one line each, the pointer written by
/// `pointer` (a code span in Markdown).
fn invalid_lines(report: &Report, pointer: fn(&str) -> String) -> Vec<String> {
    report
        .invalid
        .iter()
        .map(|i| {
            format!(
                "{} side: [{}] {}: {}",
                i.side,
                i.finding.rule,
                pointer(&i.finding.pointer),
                i.finding.message
            )
        })
        .collect()
}

/// The stale entries, one line each.
fn stale_lines(report: &Report) -> Vec<String> {
    report
        .stale
        .iter()
        .map(|s| s.to_error().to_string())
        .collect()
}

const INVALID: &str = "A side does not lint: only what can be judged is judged (path parameters of an operation whose template and declarations disagree are not compared)";

fn value(value: Option<&Value>) -> String {
    value.map_or_else(|| "—".to_string(), Value::to_string)
}

/// `text` on one line of a list item: line breaks become spaces. Pipes stay
/// as they are (outside a table they are plain text, and inside a code span
/// a backslash would show).
fn line(text: &str) -> String {
    text.replace(['\r', '\n'], " ")
}

/// `text` in a table cell: one line, pipes escaped (GFM escapes pipes even
/// inside code spans of a cell).
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\r', '\n'], " ")
}

/// `text` as a Markdown code span inside a table cell, pipes escaped.
fn code(text: &str) -> String {
    cell(&code_span(text))
}

fn markdown(report: &Report) -> String {
    let mut out = format!(
        "## API changes: {} → {}\n\n**{}** · {} · suggested `chekt-api` bump: **{}**{}\n",
        code(&report.old),
        code(&report.new),
        verdict(report),
        counts(report),
        report.bump(),
        bump_source(report)
    );
    if let CrateAxis::Unavailable { reason } = &report.crate_axis {
        let _ = writeln!(out, "\nCrate axis unavailable: {}", cell(reason));
    }
    let invalid = invalid_lines(report, code_span);
    if !invalid.is_empty() {
        let _ = writeln!(out, "\n> [!WARNING]\n> {INVALID}.\n>");
        for line_text in &invalid {
            let _ = writeln!(out, "> - {}", line(line_text));
        }
    }
    if report.changes.is_empty() {
        out.push_str("\nNo changes to the API contract.\n");
    }
    for (title, changes) in sections(report) {
        if changes.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n### {title} ({})\n", changes.len());
        for c in &changes {
            let _ = writeln!(
                out,
                "- `{}` {}: {}{}{}",
                c.rule,
                line(&operation_spans(c)),
                line(&c.message),
                reclassified(c),
                effect(c)
                    .map(|e| format!(" — chekt-api {}", line(&e)))
                    .unwrap_or_default()
            );
        }
        let _ = writeln!(
            out,
            "\n<details><summary>Details</summary>\n\n| rule | old pointer | new pointer | old → new | why | chekt-api |\n| --- | --- | --- | --- | --- | --- |"
        );
        for c in &changes {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} → {} | {} | {} |",
                c.rule,
                code(&c.old_pointer),
                code(&c.new_pointer),
                code(&value(c.old.as_ref())),
                code(&value(c.new.as_ref())),
                cell(c.explanation),
                effect(c).map_or_else(|| "—".to_string(), |e| code(&e))
            );
        }
        out.push_str("\n</details>\n");
    }
    let stale = stale_lines(report);
    if !stale.is_empty() {
        let _ = writeln!(out, "\n### Stale acknowledgements ({})\n", stale.len());
        for line_text in &stale {
            let _ = writeln!(out, "- {}", line(line_text));
        }
    }
    if let CrateAxis::Compared { unattributed, .. } = &report.crate_axis
        && !unattributed.is_empty()
    {
        let _ = writeln!(
            out,
            "\n### chekt-api changes without a wire change ({})\n\n| item | change | old | new | bump | why |\n| --- | --- | --- | --- | --- | --- |",
            unattributed.len()
        );
        for i in unattributed {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                code(&i.item),
                i.change,
                code(i.old.as_deref().unwrap_or("—")),
                code(i.new.as_deref().unwrap_or("—")),
                i.bump,
                cell(i.why)
            );
        }
    }
    out
}

fn to_json(report: &Report) -> Value {
    json!({
        "old": report.old,
        "new": report.new,
        "summary": {
            "verdict": verdict(report),
            "wire": if report.is_breaking() { "breaking" } else { "non-breaking" },
            "breaking": report.of(Class::Breaking).count(),
            "unacknowledged_breaking": report.unacknowledged().count(),
            "accepted": report.accepted().count(),
            "scheduled": report.scheduled().count(),
            "additive": report.of(Class::Additive).count(),
            "non_functional": report.of(Class::NonFunctional).count(),
            "wire_bump": report.wire_bump(),
            "crate_bump": report.crate_bump(),
            "bump": report.bump(),
        },
        "crate_axis": report.crate_axis,
        "invalid": report.invalid,
        "changes": report.changes,
        "stale": report.stale,
    })
}

fn text(report: &Report) -> String {
    let mut out = format!(
        "{} → {}: {}; {}; suggested chekt-api bump: {}{}\n",
        report.old,
        report.new,
        verdict(report),
        counts(report),
        report.bump(),
        bump_source(report)
    );
    if let CrateAxis::Unavailable { reason } = &report.crate_axis {
        let _ = writeln!(out, "crate axis unavailable: {reason}");
    }
    if !report.invalid.is_empty() {
        let _ = writeln!(out, "warning: {INVALID}:");
        for line_text in invalid_lines(report, str::to_string) {
            let _ = writeln!(out, "    {line_text}");
        }
    }
    for c in &report.changes {
        let status = if c.accepted.is_some() {
            " accepted"
        } else if c.is_scheduled() {
            " scheduled"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "{}{status}[{}] {}: {}{}\n    {} → {} (#{} → #{})\n    {}",
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
        if let Some(effect) = effect(c) {
            let _ = writeln!(out, "    chekt-api {effect}");
        }
    }
    if let CrateAxis::Compared { unattributed, .. } = &report.crate_axis {
        for i in unattributed {
            let _ = writeln!(
                out,
                "chekt-api {}[{}] {}: {} → {} ({})",
                i.bump,
                i.change,
                i.item,
                i.old.as_deref().unwrap_or("—"),
                i.new.as_deref().unwrap_or("—"),
                i.why
            );
        }
    }
    for line_text in stale_lines(report) {
        let _ = writeln!(out, "warning: {}", line_text.replace('`', ""));
    }
    out
}
