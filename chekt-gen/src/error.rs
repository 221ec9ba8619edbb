//! The one error type of `chekt-gen`: every variant says where the problem is.

use std::path::PathBuf;

use crate::report::Finding;

/// Result alias for `chekt-gen`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while loading, linting, generating or writing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },

    /// The document is not valid YAML (or JSON).
    #[error("{file}:{line}:{column}: invalid YAML: {message}")]
    Yaml {
        /// The file name as given.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's message.
        message: String,
    },

    /// The document is not valid JSON (a `.json` file or one starting with `{`).
    #[error("{file}:{line}:{column}: invalid JSON: {message}")]
    Json {
        /// The file name as given.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's message.
        message: String,
    },

    /// The bytes are not a text a parser should see: empty, a byte order
    /// mark, invalid UTF-8, a NUL byte, or nesting past the depth bound.
    #[error("{file}:{line}:{column}: {message}")]
    Encoding {
        /// The file name as given.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong, with the byte offset where it helps.
        message: String,
    },

    /// The document is YAML but not an OpenAPI 3.0 document.
    #[error(
        "{file}: not a valid OpenAPI 3.0 document at {}: {message}",
        display_pointer(pointer)
    )]
    Schema {
        /// The file name as given.
        file: String,
        /// JSON pointer of the offending value.
        pointer: String,
        /// What was wrong.
        message: String,
    },

    /// The document uses an OpenAPI version other than 3.0.x.
    #[error("{file}: OpenAPI version {found} is not supported at /openapi; chekt-gen reads 3.0.x")]
    UnsupportedVersion {
        /// The file name as given.
        file: String,
        /// The version the document declares.
        found: String,
    },

    /// Lint found errors that would make generation fail or go wrong.
    #[error("{file}: {} lint error(s):\n{}", findings.len(), render_findings(findings))]
    Lint {
        /// The file name as given.
        file: String,
        /// The error-level findings.
        findings: Vec<Finding>,
    },

    /// A line of a diff rules file that is not `rule-id = class`.
    #[error("{file}:{line}: {message}")]
    DiffRules {
        /// The file name as given.
        file: String,
        /// The 1-based line.
        line: usize,
        /// What is wrong with it.
        message: String,
    },

    /// A line of a lint config file (or a `--rule`) that is not
    /// `rule-id = severity`.
    #[error("{file}:{line}: {message}")]
    LintConfig {
        /// The file name (`--rule` for the command line).
        file: String,
        /// The 1-based line (for `--rule`, which of them).
        line: usize,
        /// What is wrong with it.
        message: String,
    },

    /// A construct the generator cannot handle (reported by progenitor or by
    /// our own passes), with its location.
    #[error("{file}: cannot generate code for {pointer}: {what}")]
    Unsupported {
        /// The file name as given.
        file: String,
        /// JSON pointer (or operation) the problem was found at.
        pointer: String,
        /// What is unsupported.
        what: String,
    },

    /// progenitor failed; each failure is located by rendering the document
    /// operation by operation, then schema by schema.
    #[error("{file}: progenitor cannot generate {} place(s):\n{}", failures.len(), render_failures(failures))]
    Generation {
        /// The file name as given.
        file: String,
        /// Where and why, in document order.
        failures: Vec<Failure>,
    },

    /// The rendered code is known not to compile (for example two items with
    /// one name in a module); nothing was written.
    #[error("{file}: the generated code would not compile: {message}")]
    Uncompilable {
        /// The file name as given.
        file: String,
        /// What is wrong, naming the module, the item and the spec places.
        message: String,
    },

    /// A post-pass over progenitor's output that must fire on this spec
    /// rewrote nothing: progenitor's output shape changed under it.
    #[error(
        "{file}: generator pass `{pass}` rewrote nothing; progenitor's output no longer has the shape it rewrites ({purpose})"
    )]
    InertPass {
        /// The file name as given.
        file: String,
        /// The pass's name.
        pass: &'static str,
        /// What the pass is for.
        purpose: &'static str,
    },

    /// A recording (`spec/recordings/...`) or the exemptions file is malformed.
    #[error("{file}: malformed at `{field}`: {message}")]
    Recording {
        /// The file, relative to the recordings directory.
        file: String,
        /// The field that is wrong, as a path (`response.status`).
        field: String,
        /// What was wrong.
        message: String,
    },

    /// `cargo xtask record` was asked for something the spec does not allow.
    #[error("cannot record `{operation}`: {message}")]
    Record {
        /// The operationId asked for.
        operation: String,
        /// What is wrong, naming the argument.
        message: String,
    },

    /// The generated Rust did not parse, which is a bug in chekt-gen or
    /// progenitor rather than in the spec.
    #[error("generated code for {file} does not parse as Rust: {message}")]
    InvalidOutput {
        /// The file name as given.
        file: String,
        /// The parser's message.
        message: String,
    },
}

/// One place progenitor fails on, found by rendering it alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// JSON pointer (`/paths/~1pets/get`, `/components/schemas/Pet`); empty
    /// when no single part fails alone.
    pub pointer: String,
    /// `GET /pets (list_pets)` when the place is an operation.
    pub operation: Option<String>,
    /// progenitor's error or panic message.
    pub message: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(op) = &self.operation {
            write!(f, "{op}: ")?;
        }
        if self.pointer.is_empty() {
            write!(
                f,
                "{} (the whole document; no single part fails alone)",
                self.message
            )
        } else {
            write!(f, "{} (at #{})", self.message, self.pointer)
        }
    }
}

fn render_failures(failures: &[Failure]) -> String {
    failures
        .iter()
        .map(|f| format!("  {f}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn render_findings(findings: &[Finding]) -> String {
    findings
        .iter()
        .map(|f| format!("  {f}"))
        .collect::<Vec<_>>()
        .join("\n")
}

impl Error {
    /// Shorthand for [`Error::Io`].
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// A JSON pointer as reports show it: the empty pointer (RFC 6901: the whole
/// document) as `#` (it printed as `at : missing field`).
fn display_pointer(pointer: &str) -> &str {
    if pointer.is_empty() { "#" } else { pointer }
}
