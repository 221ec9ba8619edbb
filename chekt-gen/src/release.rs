//! Releases of the generated crate: whether its version honours the bump a
//! spec change calls for ([`check`]), and the changelog entry a diff report
//! makes ([`changelog_entry`], [`insert_entry`]).
//!
//! Release tags are `chekt-api-vX.Y.Z` (preferred) or `vX.Y.Z`
//! ([`tag_version`]); the last release is the highest version among the
//! tags reachable from the commit checked. Versions compare as Cargo does
//! (the Cargo book, "SemVer Compatibility" and "Specifying Dependencies":
//! two versions are compatible when their leftmost non-zero component is
//! equal), so before 1.0 a breaking change bumps the minor (`0.3.1` →
//! `0.4.0`), and for `0.0.z` every release is breaking. Build metadata
//! (`+0.8.0`, the API version) is ignored, as Cargo ignores it.

use std::fmt;

use semver::Version;

use crate::diff::crate_axis::ApiChange;
use crate::diff::render::verdict;
use crate::diff::{Bump, Class, CrateAxis, Report, code_span};

/// The version a release tag names: `chekt-api-v1.2.3` or `v1.2.3`;
/// `None` for any other tag (including one whose version is not semver).
pub fn tag_version(tag: &str) -> Option<Version> {
    let text = tag
        .strip_prefix("chekt-api-v")
        .or_else(|| tag.strip_prefix('v'))?;
    Version::parse(text).ok()
}

/// The `version` of the `[package]` table of a `Cargo.toml` (`text`),
/// e.g. `0.1.0+0.8.0`; `Err` says why not (no such key, a version
/// inherited from the workspace, not semver).
pub fn manifest_version(text: &str) -> Result<Version, String> {
    let mut in_package = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_package = line == "[package]";
            continue;
        }
        if !in_package {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        match key.trim() {
            "version" => {
                let value = value.split('#').next().unwrap_or_default().trim();
                let quoted = value
                    .strip_prefix('"')
                    .and_then(|v| v.strip_suffix('"'))
                    .ok_or_else(|| format!("[package] version is not a string: {value}"))?;
                return Version::parse(quoted)
                    .map_err(|e| format!("[package] version `{quoted}` is not semver: {e}"));
            }
            "version.workspace" => {
                return Err(
                    "[package] version is inherited from the workspace; give chekt-api its own"
                        .to_string(),
                );
            }
            _ => {}
        }
    }
    Err("no `version` in the [package] table".to_string())
}

/// The last release among `tags`: the highest version, a `chekt-api-v`
/// tag preferred over a `v` tag of the same version.
pub fn last_release<'t>(tags: impl IntoIterator<Item = &'t str>) -> Option<(&'t str, Version)> {
    tags.into_iter()
        .filter_map(|tag| Some((tag, tag_version(tag)?)))
        .max_by(|(a_tag, a), (b_tag, b)| {
            a.cmp_precedence(b).then_with(|| {
                a_tag
                    .starts_with("chekt-api-v")
                    .cmp(&b_tag.starts_with("chekt-api-v"))
            })
        })
}

/// The smallest version after `released` that a change of `bump` allows,
/// under Cargo's rules: e.g. major after `0.3.1` is `0.4.0`, after `0.0.3`
/// is `0.0.4`, after `1.2.3` is `2.0.0`; minor after `0.3.1` is `0.3.2`
/// (before 1.0 the patch carries additions), after `1.2.3` is `1.3.0`.
pub fn next_version(released: &Version, bump: Bump) -> Version {
    let (major, minor, patch) = (released.major, released.minor, released.patch);
    let (major, minor, patch) = match (bump, major, minor) {
        (_, 0, 0) | (Bump::Patch, ..) => (major, minor, patch + 1),
        (Bump::Major, 0, _) => (0, minor + 1, 0),
        (Bump::Major, ..) => (major + 1, 0, 0),
        (Bump::Minor, 0, _) => (0, minor, patch + 1),
        (Bump::Minor, ..) => (major, minor + 1, 0),
    };
    Version::new(major, minor, patch)
}

/// The bump from `released` to `current` under Cargo's rules (`None` when
/// `current` is not higher).
pub fn bump_between(released: &Version, current: &Version) -> Option<Bump> {
    if key(current) <= key(released) {
        return None;
    }
    let incompatible = match (released.major, released.minor) {
        (0, 0) => true,
        (0, _) => current.major != 0 || current.minor != released.minor,
        _ => current.major != released.major,
    };
    Some(if incompatible {
        Bump::Major
    } else if released.major >= 1 && current.minor != released.minor {
        Bump::Minor
    } else {
        Bump::Patch
    })
}

/// What the version check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Whether `current` honours `needed`.
    pub ok: bool,
    /// One paragraph saying so, naming the versions and the release.
    pub message: String,
}

/// Whether `current` (the crate's version now) honours `needed` (the bump
/// the changes since `release` call for; `release` names the tag, or the
/// revision whose `Cargo.toml` gave `released` when there is no tag).
///
/// No change (`patch`) is honoured by any version not lower than the
/// release, the same version included; an additive change needs a version
/// compatible-or-higher above it (a patch bump before 1.0, a minor bump
/// after); a breaking change needs an incompatible version.
///
/// Pre-releases (SemVer §9): a pre-release is judged by its version core
/// (`0.2.0-alpha.1` honours what `0.2.0` would; no `^0.1` requirement picks
/// it, Cargo matches pre-releases only when asked for), and after a
/// pre-release release, its later pre-releases and its final version may
/// carry any change.
pub fn check(release: &str, released: &Version, current: &Version, needed: Bump) -> Verdict {
    let made = bump_between(released, current);
    let floor = next_version(released, needed);
    let core = Version::new(current.major, current.minor, current.patch);
    let same_core = !released.pre.is_empty()
        && (released.major, released.minor, released.patch) == (core.major, core.minor, core.patch)
        && key(current) > key(released);
    let ok = key(current) >= key(released)
        && (same_core
            || match needed {
                Bump::Patch => true,
                Bump::Minor => key(&core) >= key(&floor),
                Bump::Major => bump_between(released, &core) == Some(Bump::Major),
            });
    let message = if same_core {
        format!(
            "chekt-api {current} follows the pre-release {release} ({released}) of the same version, which may change anything (SemVer §9)"
        )
    } else if ok {
        format!("chekt-api {current} honours the {needed} change since {release} ({released})")
    } else if key(current) < key(released) {
        format!(
            "chekt-api {current} is lower than {release} ({released}); a version never goes back"
        )
    } else {
        let made = made.map_or_else(|| "no version bump".to_string(), |b| format!("a {b} bump"));
        let rule = if released.major == 0 {
            " (before 1.0, as Cargo reads versions, the minor carries breaking changes and the patch additions)"
        } else {
            ""
        };
        format!(
            "chekt-api {current} is {made} over {release} ({released}), but the changes since call for a {needed} bump: set version = \"{floor}\" or higher in chekt-api/Cargo.toml{rule}"
        )
    };
    Verdict { ok, message }
}

/// A version without its build metadata, for comparing as Cargo does.
fn key(v: &Version) -> (u64, u64, u64, &semver::Prerelease) {
    (v.major, v.minor, v.patch, &v.pre)
}

/// A Keep-a-Changelog entry for `version` (dated `date`, `YYYY-MM-DD`)
/// from `report`, both axes: **Breaking** (breaking wire changes, major
/// crate items), **Added** (additive wire changes, minor items added),
/// **Changed** (notices, other minor crate items). Crate items no wire
/// change explains are listed too. Empty sections are left out; a report
/// without changes says so.
pub fn changelog_entry(report: &Report, version: &Version, since: &str, date: &str) -> String {
    let mut sections: [(&str, Vec<String>); 3] = [
        ("Breaking", Vec::new()),
        ("Added", Vec::new()),
        ("Changed", Vec::new()),
    ];
    for change in &report.changes {
        let at = match change.class {
            Class::Breaking => 0,
            Class::Additive => 1,
            Class::NonFunctional => 2,
        };
        let operations = if change.operations.is_empty() {
            String::new()
        } else {
            let spans: Vec<String> = change.operations.iter().map(|o| code_span(o)).collect();
            format!(" ({})", spans.join(", "))
        };
        sections[at].1.push(format!(
            "Wire: {}{operations} [`{}`]",
            one_line(&change.message),
            change.rule
        ));
        for item in change.crate_api.iter().flat_map(|e| &e.items) {
            push_once(&mut sections[crate_section(item)].1, crate_line(item));
        }
    }
    if let CrateAxis::Compared { unattributed, .. } = &report.crate_axis {
        for item in unattributed {
            push_once(&mut sections[crate_section(item)].1, crate_line(item));
        }
    }
    let mut out = format!(
        "## [{}] - {date}\n\nSpec changes since {}: {}.\n",
        Version::new(version.major, version.minor, version.patch),
        code_span(since),
        verdict(report)
    );
    for (title, lines) in &sections {
        if lines.is_empty() {
            continue;
        }
        out.push_str(&format!("\n### {title}\n\n"));
        for line in lines.iter() {
            out.push_str(&format!("- {line}\n"));
        }
    }
    if sections.iter().all(|(_, lines)| lines.is_empty()) {
        out.push_str("\n### Changed\n\n- No change to the API.\n");
    }
    out
}

/// An item touched by several wire changes (an enum value added to a
/// schema used both ways) is listed once.
fn push_once(lines: &mut Vec<String>, line: String) {
    if !lines.contains(&line) {
        lines.push(line);
    }
}

fn crate_section(item: &ApiChange) -> usize {
    match (item.bump, item.change) {
        (Bump::Major, _) => 0,
        (_, "added") => 1,
        _ => 2,
    }
}

fn crate_line(item: &ApiChange) -> String {
    let signatures = match (&item.old, &item.new) {
        (Some(old), Some(new)) => format!(": {} → {}", code_span(old), code_span(new)),
        _ => String::new(),
    };
    format!(
        "Crate: {} {}{signatures} ({}: {})",
        code_span(&item.item),
        item.change,
        item.bump,
        item.why
    )
}

fn one_line(text: &str) -> String {
    text.replace(['\r', '\n'], " ")
}

/// The Keep-a-Changelog preamble of a new `chekt-api/CHANGELOG.md`.
pub const CHANGELOG_HEADER: &str = "# Changelog\n\nAll notable changes to `chekt-api` are documented here. The format is\nbased on [Keep a Changelog](https://keepachangelog.com/en/1.1.0/), and the\ncrate follows [Semantic Versioning](https://semver.org/) as Cargo reads it\n(before 1.0, a breaking change bumps the minor). Entries are generated\nfrom the spec diff by `cargo xtask semver --changelog append`.\n";

/// `changelog` (the text of `CHANGELOG.md`, empty for a new file) with
/// `entry` inserted above the newest release section, replacing a section
/// for the same version (so re-running updates it). Text the maintainer
/// wrote elsewhere is kept.
pub fn insert_entry(changelog: &str, entry: &str) -> String {
    let text = if changelog.trim().is_empty() {
        CHANGELOG_HEADER.to_string()
    } else {
        changelog.replace("\r\n", "\n")
    };
    let heading = entry.lines().next().unwrap_or_default();
    let version_key = heading.split(" - ").next().unwrap_or(heading);
    let starts: Vec<usize> = section_starts(&text);
    let entry = format!("{}\n", entry.trim_end());
    // An existing section for this version is replaced.
    if let Some((i, &start)) = starts.iter().enumerate().find(|(_, s)| {
        let line = text[**s..].lines().next().unwrap_or_default();
        line == version_key || line.starts_with(&format!("{version_key} "))
    }) {
        let end = starts.get(i + 1).copied().unwrap_or(text.len());
        let rest = &text[end..];
        let separator = if rest.is_empty() { "" } else { "\n" };
        return format!("{}{entry}{separator}{rest}", &text[..start]);
    }
    // Below `## [Unreleased]` if there is one, else above the newest.
    let unreleased = starts.iter().position(|s| {
        text[*s..]
            .lines()
            .next()
            .is_some_and(|l| l.eq_ignore_ascii_case("## [unreleased]"))
    });
    let at = match unreleased {
        Some(i) => starts.get(i + 1).copied(),
        None => starts.first().copied(),
    };
    match at {
        Some(at) => format!("{}{entry}\n{}", &text[..at], &text[at..]),
        None => format!("{}\n\n{entry}", text.trim_end_matches('\n')),
    }
}

/// Byte offsets of the `## ` headings of `text`.
fn section_starts(text: &str) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if line.starts_with("## ") {
            starts.push(offset);
        }
        offset += line.len();
    }
    starts
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Version {
        Version::parse(text).unwrap()
    }

    #[test]
    fn tags_name_versions() {
        assert_eq!(tag_version("chekt-api-v0.2.0"), Some(v("0.2.0")));
        assert_eq!(tag_version("v1.0.0+0.8.0"), Some(v("1.0.0+0.8.0")));
        assert_eq!(tag_version("chekt-gen-v0.3.0"), None);
        assert_eq!(tag_version("v1.2"), None);
        assert_eq!(tag_version("release-1"), None);
        let tags = [
            "v0.1.0",
            "chekt-api-v0.10.0",
            "v0.9.0",
            "v0.10.0",
            "nightly",
        ];
        assert_eq!(last_release(tags), Some(("chekt-api-v0.10.0", v("0.10.0"))));
        assert_eq!(last_release(["nightly"]), None);
    }

    #[test]
    fn manifests_give_their_package_version() {
        let manifest = "[workspace]\nversion = \"9.9.9\"\n\n[package]\nname = \"chekt-api\"\nversion = \"0.1.0+0.8.0\" # API 0.8\n\n[dependencies]\nversion = \"1\"\n";
        assert_eq!(manifest_version(manifest), Ok(v("0.1.0+0.8.0")));
        let errors = [
            ("[package]\nname = \"x\"\n", "no `version`"),
            ("[package]\nversion.workspace = true\n", "inherited"),
            ("[package]\nversion = 1\n", "not a string"),
            ("[package]\nversion = \"1.0\"\n", "`1.0` is not semver"),
        ];
        for (text, expected) in errors {
            let err = manifest_version(text).unwrap_err();
            assert!(err.contains(expected), "{err}");
        }
    }

    #[test]
    fn next_versions_follow_cargo() {
        let cases = [
            ("0.0.3", Bump::Major, "0.0.4"),
            ("0.0.3", Bump::Minor, "0.0.4"),
            ("0.3.1", Bump::Major, "0.4.0"),
            ("0.3.1", Bump::Minor, "0.3.2"),
            ("0.3.1", Bump::Patch, "0.3.2"),
            ("1.2.3", Bump::Major, "2.0.0"),
            ("1.2.3", Bump::Minor, "1.3.0"),
            ("1.2.3", Bump::Patch, "1.2.4"),
        ];
        for (released, bump, next) in cases {
            assert_eq!(
                next_version(&v(released), bump),
                v(next),
                "{released} {bump}"
            );
        }
    }

    #[test]
    fn bumps_between_versions_follow_cargo() {
        let cases = [
            ("0.1.0", "0.1.0", None),
            ("0.1.0", "0.0.9", None),
            ("0.1.0+0.8.0", "0.1.0+0.9.0", None),
            ("0.0.1", "0.0.2", Some(Bump::Major)),
            ("0.1.0", "0.1.1", Some(Bump::Patch)),
            ("0.1.0", "0.2.0", Some(Bump::Major)),
            ("0.9.0", "1.0.0", Some(Bump::Major)),
            ("1.0.0", "1.0.1", Some(Bump::Patch)),
            ("1.0.0", "1.1.0", Some(Bump::Minor)),
            ("1.9.0", "2.0.0", Some(Bump::Major)),
            ("1.0.0-alpha.1", "1.0.0", Some(Bump::Patch)),
        ];
        for (released, current, bump) in cases {
            assert_eq!(
                bump_between(&v(released), &v(current)),
                bump,
                "{released} → {current}"
            );
        }
    }

    #[test]
    fn a_major_change_under_a_smaller_bump_fails() {
        let check = |released: &str, current: &str, needed| {
            super::check("chekt-api-v0.1.0", &v(released), &v(current), needed)
        };
        // Pre-1.0: the minor is the breaking digit, the patch the additive.
        assert!(check("0.1.0", "0.2.0", Bump::Major).ok);
        assert!(check("0.1.0", "0.1.1", Bump::Minor).ok);
        assert!(check("0.1.0", "0.2.0", Bump::Minor).ok);
        assert!(check("0.1.0", "0.1.0", Bump::Patch).ok);
        assert!(check("0.1.0", "0.1.1", Bump::Patch).ok);
        let under = check("0.1.0+0.8.0", "0.1.1+0.9.0", Bump::Major);
        assert!(!under.ok);
        assert!(
            under.message.contains("0.1.1+0.9.0 is a patch bump over")
                && under.message.contains("call for a major bump")
                && under.message.contains("version = \"0.2.0\""),
            "{under}"
        );
        let none = check("0.1.0", "0.1.0", Bump::Minor);
        assert!(!none.ok);
        assert!(none.message.contains("no version bump"), "{none}");
        // 1.x: additions need the minor.
        assert!(!check("1.2.3", "1.2.4", Bump::Minor).ok);
        assert!(check("1.2.3", "1.3.0", Bump::Minor).ok);
        assert!(!check("1.2.3", "1.3.0", Bump::Major).ok);
        assert!(check("1.2.3", "2.0.0", Bump::Major).ok);
        // 0.0.z: every bump is breaking.
        assert!(check("0.0.1", "0.0.2", Bump::Major).ok);
        // Pre-releases: judged by their version core; after a pre-release,
        // its own later pre-releases and final version may break.
        assert!(check("0.1.0", "0.2.0-alpha.1", Bump::Major).ok);
        assert!(check("0.1.0", "0.1.1-alpha.1", Bump::Minor).ok);
        assert!(!check("0.1.0", "0.1.1-alpha.1", Bump::Major).ok);
        assert!(!check("1.2.3", "1.2.4-rc.1", Bump::Minor).ok);
        let after = check("0.2.0-alpha.1", "0.2.0", Bump::Major);
        assert!(after.ok && after.message.contains("SemVer §9"), "{after}");
        assert!(check("0.2.0-alpha.1", "0.2.0-alpha.2", Bump::Major).ok);
        assert!(!check("0.2.0-alpha.1", "0.2.0-alpha.1", Bump::Minor).ok);
        assert!(check("0.2.0-alpha.1", "0.2.0-alpha.1", Bump::Patch).ok);
        assert!(!check("0.2.0", "0.2.0-alpha.1", Bump::Patch).ok);
        // Going back is refused, whatever the change.
        let back = check("0.2.0", "0.1.5", Bump::Patch);
        assert!(
            !back.ok && back.message.contains("never goes back"),
            "{back}"
        );
    }

    #[test]
    fn entries_replace_their_version_and_go_above_older_ones() {
        let first = insert_entry("", "## [0.1.0] - 2026-01-01\n\n- one\n");
        assert!(first.starts_with(CHANGELOG_HEADER), "{first}");
        assert!(
            first.ends_with("\n## [0.1.0] - 2026-01-01\n\n- one\n"),
            "{first}"
        );
        let second = insert_entry(&first, "## [0.2.0] - 2026-02-01\n\n- two\n");
        let again = insert_entry(&second, "## [0.2.0] - 2026-02-02\n\n- two, again\n");
        assert_eq!(again.matches("## [0.2.0]").count(), 1, "{again}");
        assert!(again.contains("- two, again\n\n## [0.1.0]"), "{again}");
        assert!(!again.contains("- two\n"), "{again}");
        let unreleased = insert_entry(
            "# Changelog\n\n## [Unreleased]\n\n- wip\n\n## [0.1.0] - x\n",
            "## [0.2.0] - y\n",
        );
        assert_eq!(
            unreleased,
            "# Changelog\n\n## [Unreleased]\n\n- wip\n\n## [0.2.0] - y\n\n## [0.1.0] - x\n"
        );
    }
}
