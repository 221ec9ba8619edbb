//! Per-rule severities from the command line (`--rule id=severity`) and
//! from a file next to the spec ([`CONFIG_FILE`]), so a maintainer can
//! accept a finding knowingly (e.g. `query-array-not-exploded = warning`).

use std::path::{Path, PathBuf};

use super::{LintConfig, RULES};
use crate::error::{Error, Result};
use crate::report::Severity;

/// The file, in the spec's directory, that [`LintConfig::for_spec`] reads:
/// one `rule-id = severity` per line (`error`, `warning` or `info`); blank
/// lines and `#` comments are skipped.
pub const CONFIG_FILE: &str = "chekt-lint.conf";

/// Largest config read, in bytes (one line per rule fits in a few KiB).
const MAX_CONFIG_BYTES: u64 = 1 << 20;

impl LintConfig {
    /// Applies one `rule-id=severity` override; unknown ids name the closest.
    pub fn with_override(self, text: &str) -> std::result::Result<Self, String> {
        let (id, severity) = text.split_once('=').ok_or_else(|| {
            format!("`{text}`: expected RULE=SEVERITY, e.g. query-array-not-exploded=warning")
        })?;
        let id = id.trim();
        if !RULES.iter().any(|r| r.id == id) {
            return Err(unknown_rule(id));
        }
        let severity: Severity = severity.trim().parse()?;
        self.with_severity(id, severity)
    }

    /// Parses a config file's text (see [`CONFIG_FILE`]); errors name the
    /// file and line.
    pub fn parse(file: &str, text: &str) -> Result<Self> {
        if text.starts_with('\u{feff}') {
            // Invisible in the "unknown lint rule" message it would cause.
            return Err(Error::LintConfig {
                file: file.to_string(),
                line: 1,
                message:
                    "the file starts with a byte order mark (U+FEFF); save it as UTF-8 without BOM"
                        .to_string(),
            });
        }
        crate::rule_file::setting_lines(text).try_fold(
            LintConfig::default(),
            |config, (line, text)| {
                config
                    .with_override(text)
                    .map_err(|message| Error::LintConfig {
                        file: file.to_string(),
                        line,
                        message,
                    })
            },
        )
    }

    /// Where the config of the spec at `spec` lives: [`CONFIG_FILE`] in its
    /// directory.
    pub fn path_for(spec: &Path) -> PathBuf {
        spec.parent().unwrap_or(Path::new(".")).join(CONFIG_FILE)
    }

    /// The config for the spec at `spec`: [`CONFIG_FILE`] in its directory
    /// when present, then `overrides` (`rule-id=severity`, later wins).
    pub fn for_spec(spec: &Path, overrides: &[String]) -> Result<Self> {
        let path = Self::path_for(spec);
        let read = crate::load::read_capped(&path, MAX_CONFIG_BYTES).and_then(|bytes| {
            String::from_utf8(bytes).map_err(|e| {
                Error::io(
                    &path,
                    std::io::Error::new(std::io::ErrorKind::InvalidData, e),
                )
            })
        });
        let mut config = match read {
            Ok(text) => LintConfig::parse(&path.display().to_string(), &text)?,
            Err(Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
                LintConfig::default()
            }
            Err(e) => return Err(e),
        };
        for (index, text) in overrides.iter().enumerate() {
            config = config
                .with_override(text)
                .map_err(|message| Error::LintConfig {
                    file: "--rule".to_string(),
                    line: index + 1,
                    message,
                })?;
        }
        Ok(config)
    }
}

fn unknown_rule(id: &str) -> String {
    let hint = crate::rule_file::closest_hint(id, RULES.iter().map(|rule| rule.id));
    format!("unknown lint rule `{id}`{hint} (`cargo xtask lint --list-rules` lists them)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_overrides_and_names_bad_lines() {
        let config = LintConfig::parse(
            "chekt-lint.conf",
            "# accepted knowingly\nquery-array-not-exploded = warning\n",
        )
        .unwrap();
        assert_eq!(
            config.severity_of("query-array-not-exploded"),
            Some(Severity::Warning)
        );
        let typo = LintConfig::parse("c.conf", "\nquery-array-not-explode = info\n").unwrap_err();
        assert_eq!(
            typo.to_string(),
            "c.conf:2: unknown lint rule `query-array-not-explode`; did you mean `query-array-not-exploded`? (`cargo xtask lint --list-rules` lists them)"
        );
        let bom = LintConfig::parse("c.conf", "\u{feff}ref-cycle = warning\n").unwrap_err();
        assert_eq!(
            bom.to_string(),
            "c.conf:1: the file starts with a byte order mark (U+FEFF); save it as UTF-8 without BOM"
        );
        // CRLF line ends and trailing comments are fine.
        let crlf = LintConfig::parse("c.conf", "ref-cycle = warning # knowingly\r\n").unwrap();
        assert_eq!(crlf.severity_of("ref-cycle"), Some(Severity::Warning));
        let bad = LintConfig::parse("c.conf", "ref-cycle = fatal\n").unwrap_err();
        assert_eq!(
            bad.to_string(),
            "c.conf:1: unknown severity `fatal`; expected info, warning or error"
        );
    }
}
