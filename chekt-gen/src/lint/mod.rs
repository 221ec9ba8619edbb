//! Stage 2: lint a spec before progenitor sees it, so that anything progenitor
//! would panic on or silently mishandle becomes an error naming the operation
//! and JSON pointer, and advice becomes warnings.
//!
//! Rules are data: [`registry::RULES`] holds one row per rule (id, severity,
//! description, check function); the checks live in [`rules`], one file per
//! family, and never decide their own severity.

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::load::{OperationRef, Spec};
use crate::report::{Finding, Severity};

pub mod config;
pub mod registry;
pub mod rules;
pub mod sources;

pub use registry::{RULES, Rule};

/// What a check reports; the registry adds the rule id and severity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// JSON pointer of the offending value.
    pub pointer: String,
    /// The operation, when the hit belongs to one.
    pub operation: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl Hit {
    /// A hit at a pointer outside any operation.
    pub fn at(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Hit {
            pointer: pointer.into(),
            operation: None,
            message: message.into(),
        }
    }

    /// A hit at `pointer`, naming the operation when the pointer lies
    /// inside one (`/paths/~1a/get/...`).
    pub fn located(spec: &Spec, pointer: impl Into<String>, message: impl Into<String>) -> Self {
        let pointer = pointer.into();
        let operation = spec
            .operations()
            .find(|op| {
                let at = op.pointer();
                pointer == at || pointer.starts_with(&format!("{at}/"))
            })
            .map(|op| Hit::in_operation(&op, "", "").operation)
            .unwrap_or_default();
        Hit {
            pointer,
            operation,
            message: message.into(),
        }
    }

    /// A hit inside an operation.
    pub fn in_operation(
        op: &OperationRef<'_>,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        let label = match op.id() {
            Some(id) => format!("{} ({id})", op.label()),
            None => op.label(),
        };
        Hit {
            pointer: pointer.into(),
            operation: Some(label),
            message: message.into(),
        }
    }
}

/// Per-rule severity overrides (for example from a config file).
#[derive(Debug, Clone, Default)]
pub struct LintConfig {
    overrides: BTreeMap<String, Severity>,
}

impl LintConfig {
    /// Sets the severity of rule `id`. Unknown ids are an error so a typo in
    /// a config cannot silently disable nothing.
    pub fn with_severity(mut self, id: &str, severity: Severity) -> Result<Self, String> {
        if !RULES.iter().any(|r| r.id == id) {
            return Err(format!("unknown lint rule `{id}`"));
        }
        self.overrides.insert(id.to_string(), severity);
        Ok(self)
    }

    /// The overridden severity of rule `id`, if any.
    pub fn severity_of(&self, id: &str) -> Option<Severity> {
        self.overrides.get(id).copied()
    }
}

/// The findings of one lint run, errors first.
#[derive(Debug, Clone, Default)]
pub struct LintReport {
    /// Every finding, sorted by severity (errors first) then pointer.
    pub findings: Vec<Finding>,
}

impl LintReport {
    /// Findings at `Error` level.
    pub fn errors(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
    }

    /// Findings at `Warning` level.
    pub fn warnings(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Warning)
    }

    /// `Err(Error::Lint)` carrying the error-level findings, if any.
    pub fn into_result(self, spec: &Spec) -> Result<Vec<Finding>> {
        let (errors, rest): (Vec<_>, Vec<_>) = self
            .findings
            .into_iter()
            .partition(|f| f.severity == Severity::Error);
        if errors.is_empty() {
            Ok(rest)
        } else {
            Err(Error::Lint {
                file: spec.name().to_string(),
                findings: errors,
            })
        }
    }
}

/// Runs every rule with its default severity.
pub fn lint(spec: &Spec) -> LintReport {
    lint_with(spec, &LintConfig::default())
}

/// Runs every rule, applying `config`'s severity overrides.
pub fn lint_with(spec: &Spec, config: &LintConfig) -> LintReport {
    let mut findings: Vec<Finding> = RULES
        .iter()
        .flat_map(|rule| {
            let severity = config
                .overrides
                .get(rule.id)
                .copied()
                .unwrap_or(rule.severity);
            (rule.check)(spec).into_iter().map(move |hit| Finding {
                rule: rule.id,
                severity,
                pointer: hit.pointer,
                operation: hit.operation,
                message: hit.message,
            })
        })
        .collect();
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.pointer.cmp(&b.pointer))
            .then_with(|| a.rule.cmp(b.rule))
    });
    findings.dedup();
    LintReport { findings }
}
