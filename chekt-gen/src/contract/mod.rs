//! Contract test: the spec checked against recorded responses
//! (`spec/recordings/`), so that drift between the hand-maintained spec and
//! what the server really sends fails a test.
//!
//! For each recording: find the operation by method + path template (or the
//! webhook event); check the status is declared; validate the response body
//! (and declared headers) against the spec's schema ([`schema`]); decode it
//! through the generated types (a [`Decoder`] injected by the caller, since
//! `chekt-gen` never depends on `chekt-api`); check the request's
//! parameters, headers and body; report undeclared fields as drift; scan for
//! secrets ([`secrets`]). Then every operation × declared status must be
//! covered or exempt ([`coverage`]).
//!
//! Checks are data: [`CHECKS`] holds each check's id and default severity.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::Value;

use crate::dialect;
use crate::error::Result;
use crate::load::{METHODS, OperationRef, Spec};
use crate::pointer;
use crate::report::Severity;

pub mod coverage;
pub mod record;
pub mod recording;
pub mod schema;
pub mod secrets;

use coverage::{Coverage, Exemption, PAYLOAD};
use recording::{Delivery, Exchange, Kind, Recording, Recordings};
use schema::Schemas;

/// One kind of contract failure.
#[derive(Debug, Clone, Copy)]
pub struct Check {
    /// Stable kebab-case id, used in reports.
    pub id: &'static str,
    /// Default severity; `--strict` turns warnings into errors.
    pub severity: Severity,
    /// One line: what it catches.
    pub description: &'static str,
}

use Severity::{Error as E, Warning as W};

macro_rules! check {
    ($id:literal, $severity:expr, $description:literal) => {
        Check {
            id: $id,
            severity: $severity,
            description: $description,
        }
    };
}

/// Every contract check.
pub static CHECKS: &[Check] = &[
    check!(
        "endpoint-unknown",
        E,
        "No operation (or webhook event) in the spec matches the recording: removed or renamed."
    ),
    check!(
        "recording-misfiled",
        E,
        "The recording's folder names another operation or event than its request matches."
    ),
    check!(
        "status-undeclared",
        E,
        "The response status is not declared for the operation (nor a range or `default`)."
    ),
    check!(
        "response-media-type",
        E,
        "The response body's media type is not declared, or the body is missing or not JSON."
    ),
    check!(
        "response-schema",
        E,
        "The response body does not match the declared schema."
    ),
    check!(
        "response-decode",
        E,
        "The generated client types cannot read the response body."
    ),
    check!(
        "response-header",
        E,
        "A declared response header is missing (when required) or malformed."
    ),
    check!(
        "response-drift",
        W,
        "The response carries a field the schema does not declare."
    ),
    check!(
        "request-parameter-missing",
        E,
        "A required path, query or header parameter is absent."
    ),
    check!(
        "request-parameter-invalid",
        E,
        "A parameter value does not match its schema."
    ),
    check!(
        "request-parameter-undeclared",
        W,
        "The request sends a query parameter the operation does not declare."
    ),
    check!(
        "request-body",
        E,
        "The request body is missing, undeclared, of an undeclared media type, or does not match its schema."
    ),
    check!(
        "request-drift",
        W,
        "The request body carries a field the schema does not declare."
    ),
    check!(
        "webhook-schema",
        E,
        "A webhook payload or header does not match the spec."
    ),
    check!(
        "webhook-decode",
        E,
        "The generated webhook event types cannot read the payload."
    ),
    check!(
        "webhook-drift",
        W,
        "A webhook payload carries a field the schema does not declare."
    ),
    check!(
        "secret",
        E,
        "The recording holds something that looks like a secret."
    ),
    check!(
        "coverage-missing",
        E,
        "An operation × declared status has no recording and no exemption."
    ),
    check!(
        "exemption-stale",
        W,
        "An exemption names no declared pair, or a covered one."
    ),
];

fn severity_of(id: &str) -> Severity {
    CHECKS
        .iter()
        .find(|c| c.id == id)
        .map_or(Severity::Error, |c| c.severity)
}

/// What a decoder says: `None` when no typed body is declared there,
/// `Some(Err(field and reason))` when decoding fails.
pub type Decoded = Option<std::result::Result<(), String>>;

/// Decodes bodies through the generated client types (step 4). `chekt-gen`
/// cannot depend on `chekt-api`, so the caller passes its functions in.
pub struct Decoder<'a> {
    /// `(operation_id, status, body)`; `chekt_api::decode::response` has
    /// this shape.
    pub response: &'a dyn Fn(&str, u16, &[u8]) -> Decoded,
    /// `(event type, payload)`, for webhook payloads.
    pub webhook: &'a dyn Fn(&str, &[u8]) -> Decoded,
}

impl Decoder<'static> {
    /// Decodes nothing: schema checks only.
    pub fn none() -> Self {
        Decoder {
            response: &|_, _, _| None,
            webhook: &|_, _| None,
        }
    }
}

impl fmt::Debug for Decoder<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Decoder")
    }
}

/// How to run the check.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Warnings (drift, stale exemptions) fail the check too.
    pub strict: bool,
}

/// One contract failure or warning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The check's id (see [`CHECKS`]).
    pub check: &'static str,
    /// Its severity in this run.
    pub severity: Severity,
    /// The recording, relative to the recordings directory (or
    /// `coverage`/`exemptions.yaml`).
    pub recording: String,
    /// Where in the exchange: `response body /0/site_id`, `request query limit`, ...
    pub at: String,
    /// JSON pointer into the spec of the schema (keyword) involved.
    pub schema: Option<String>,
    /// What was expected and what was found.
    pub message: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}[{}]", self.severity, self.check)?;
        if !self.at.is_empty() {
            write!(f, " {}", self.at)?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(schema) = &self.schema {
            write!(f, " (schema #{schema})")?;
        }
        Ok(())
    }
}

/// The outcome of a contract check.
#[derive(Debug, Clone)]
pub struct Report {
    /// How many recordings were checked.
    pub recordings: usize,
    /// How many operations and webhook events the spec declares.
    pub operations: usize,
    /// Every failure and warning, grouped by recording in check order.
    pub failures: Vec<Failure>,
    /// The coverage table.
    pub coverage: Coverage,
}

/// The group name of failures that belong to no recording.
pub const COVERAGE_GROUP: &str = "coverage";

impl Report {
    /// Failures at error level.
    pub fn errors(&self) -> impl Iterator<Item = &Failure> {
        self.failures
            .iter()
            .filter(|f| f.severity == Severity::Error)
    }

    /// Failures at warning level.
    pub fn warnings(&self) -> impl Iterator<Item = &Failure> {
        self.failures
            .iter()
            .filter(|f| f.severity == Severity::Warning)
    }

    /// How many recordings (and coverage pairs) failed.
    pub fn failed(&self) -> usize {
        let mut failed = self
            .errors()
            .filter(|f| f.recording != COVERAGE_GROUP)
            .map(|f| f.recording.as_str())
            .collect::<Vec<_>>();
        failed.dedup();
        failed.len()
            + self
                .errors()
                .filter(|f| f.recording == COVERAGE_GROUP)
                .count()
    }

    /// Whether the check passed.
    pub fn passed(&self) -> bool {
        self.errors().next().is_none()
    }

    /// `N recordings, N operations, N failed`, plus warnings.
    pub fn summary(&self) -> String {
        let warnings = self.warnings().count();
        let mut line = format!(
            "{} recordings, {} operations, {} failed",
            self.recordings,
            self.operations,
            self.failed()
        );
        if warnings > 0 {
            line.push_str(&format!(" ({warnings} warning(s))"));
        }
        line
    }
}

impl fmt::Display for Report {
    /// Failures grouped by recording, then the one-line summary.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut groups: Vec<(&str, Vec<&Failure>)> = Vec::new();
        for failure in &self.failures {
            match groups.last_mut() {
                Some((name, items)) if *name == failure.recording => items.push(failure),
                _ => groups.push((&failure.recording, vec![failure])),
            }
        }
        for (name, items) in groups {
            let label = if items.iter().any(|f| f.severity == Severity::Error) {
                "FAIL"
            } else {
                "WARN"
            };
            writeln!(f, "{label} {name}")?;
            for item in items {
                writeln!(f, "  {item}")?;
            }
        }
        write!(f, "{}", self.summary())
    }
}

/// Checks every recording against the spec, then coverage.
pub fn check(
    spec: &Spec,
    recordings: &Recordings,
    exemptions: &[Exemption],
    options: &Options,
    decoder: &Decoder<'_>,
) -> Result<Report> {
    let full_rows = {
        let mut document = spec.value().clone();
        dialect::drop_partial_rows(&mut document);
        spec.with_value(document)?
    };
    let mut run = Run {
        spec,
        schemas: Schemas::new(spec)?,
        full_rows: (Schemas::new(&full_rows)?, &full_rows),
        decoder,
        failures: Vec::new(),
        covered: BTreeMap::new(),
        current: String::new(),
    };
    for recording in &recordings.items {
        run.current = recording.name.clone();
        run.recording(recording)?;
    }
    let declared = declared_pairs(spec);
    let operations = {
        let mut ops = declared.iter().map(|(op, _)| op).collect::<Vec<_>>();
        ops.dedup();
        ops.len()
    };
    let coverage = Coverage::new(declared, &run.covered, exemptions);
    run.current = COVERAGE_GROUP.to_string();
    for row in coverage.missing() {
        run.fail(
            "coverage-missing",
            format!("{} {}", row.operation, row.status),
            None,
            "no recording and no exemption; record one (`cargo xtask record`) or exempt it in exemptions.yaml".to_string(),
        );
    }
    for (exemption, why) in &coverage.stale {
        run.fail(
            "exemption-stale",
            format!("{} {}", exemption.operation, exemption.status),
            None,
            format!("the exemption {why}"),
        );
    }
    let mut failures = run.failures;
    if options.strict {
        for failure in &mut failures {
            failure.severity = failure.severity.max(Severity::Error);
        }
    }
    Ok(Report {
        recordings: recordings.items.len(),
        operations,
        failures,
        coverage,
    })
}

/// Every operation × declared status, then every webhook event, in spec order.
pub fn declared_pairs(spec: &Spec) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    for op in spec.operations() {
        let id = op.id().unwrap_or_default().to_string();
        let responses = spec
            .value()
            .pointer(&pointer::push(&op.pointer(), "responses"))
            .and_then(Value::as_object);
        for status in responses.into_iter().flat_map(|r| r.keys()) {
            pairs.push((id.clone(), status.clone()));
        }
    }
    for (_, operation) in webhooks(spec) {
        pairs.push((operation.to_string(), PAYLOAD.to_string()));
    }
    pairs
}

/// `(event type, operationId)` of every `x-webhooks` entry.
fn webhooks(spec: &Spec) -> Vec<(&str, &str)> {
    spec.value()
        .get("x-webhooks")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(event, item)| {
            let id = item.get("post")?.get("operationId")?.as_str()?;
            Some((event.as_str(), id))
        })
        .collect()
}

struct Run<'s, 'd> {
    spec: &'s Spec,
    schemas: Schemas,
    /// The spec read as a list answers without `fields`: full rows only
    /// (the `x-chekt-partial-row` branches dropped, [`dialect`]).
    full_rows: (Schemas, &'s Spec),
    decoder: &'d Decoder<'d>,
    failures: Vec<Failure>,
    covered: BTreeMap<(String, String), Vec<String>>,
    current: String,
}

/// A parameter as the spec declares it.
pub(crate) struct Param {
    pub(crate) name: String,
    pub(crate) location: String,
    pub(crate) required: bool,
    pub(crate) schema: String,
}

impl Run<'_, '_> {
    fn fail(&mut self, check: &'static str, at: String, schema: Option<String>, message: String) {
        self.failures.push(Failure {
            check,
            severity: severity_of(check),
            recording: self.current.clone(),
            at,
            schema,
            message,
        });
    }

    fn recording(&mut self, recording: &Recording) -> Result<()> {
        for hit in secrets::scan(&recording.text) {
            self.fail(
                "secret",
                format!("line {}", hit.line),
                None,
                format!(
                    "looks like {}; scrub it to `{}`",
                    hit.kind,
                    secrets::PLACEHOLDER
                ),
            );
        }
        match &recording.kind {
            Kind::Exchange(exchange) => self.exchange(recording, exchange),
            Kind::Webhook(delivery) => self.delivery(recording, delivery),
        }
    }

    fn exchange(&mut self, recording: &Recording, exchange: &Exchange) -> Result<()> {
        let request = &exchange.request;
        let method = request.method.to_lowercase();
        let label = format!("{} {}", request.method.to_uppercase(), request.path);
        let Some((op, path_params)) = find_operation(self.spec, &method, &request.path) else {
            self.fail(
                "endpoint-unknown",
                "request".into(),
                None,
                format!("{label} matches no operation in the spec (removed or renamed?)"),
            );
            return Ok(());
        };
        let id = op.id().unwrap_or_default().to_string();
        if recording.filed_under != id {
            self.fail(
                "recording-misfiled",
                "request".into(),
                Some(op.pointer()),
                format!(
                    "filed under `{}` but {label} is `{id}` ({} {})",
                    recording.filed_under,
                    op.method.to_uppercase(),
                    op.path
                ),
            );
        }
        let op_pointer = op.pointer();
        let path_item = pointer::join(["paths", op.path]);
        self.parameters(&op_pointer, Some(&path_item), exchange, &path_params)?;
        self.request_body(&op_pointer, exchange)?;
        self.response(&op_pointer, &id, recording, exchange)
    }

    fn parameters(
        &mut self,
        op_pointer: &str,
        path_item: Option<&str>,
        exchange: &Exchange,
        path_params: &BTreeMap<String, String>,
    ) -> Result<()> {
        let request = &exchange.request;
        let params = declared_params(self.spec, op_pointer, path_item);
        for param in &params {
            let values: Option<Vec<String>> = match param.location.as_str() {
                "path" => path_params.get(&param.name).map(|v| vec![v.clone()]),
                "query" => request.query.get(&param.name).map(|v| v.values().to_vec()),
                "header" => request
                    .headers
                    .get(&param.name.to_ascii_lowercase())
                    .map(|v| vec![v.clone()]),
                _ => continue,
            };
            let at = format!("request {} parameter {}", param.location, param.name);
            let Some(values) = values else {
                if param.required {
                    self.fail(
                        "request-parameter-missing",
                        at,
                        Some(param.schema.clone()),
                        format!(
                            "required {} parameter `{}` is missing",
                            param.location, param.name
                        ),
                    );
                }
                continue;
            };
            let instance = coerce(self.spec.value(), &param.schema, &values);
            for v in self.schemas.validate(&param.schema, &instance)? {
                self.fail(
                    "request-parameter-invalid",
                    at.clone(),
                    Some(v.schema),
                    v.message,
                );
            }
        }
        for name in request.query.keys() {
            if !params
                .iter()
                .any(|p| p.location == "query" && &p.name == name)
            {
                self.fail(
                    "request-parameter-undeclared",
                    format!("request query parameter {name}"),
                    Some(op_pointer.to_string()),
                    format!("query parameter `{name}` is not declared by the operation"),
                );
            }
        }
        Ok(())
    }

    fn request_body(&mut self, op_pointer: &str, exchange: &Exchange) -> Result<()> {
        let request = &exchange.request;
        let declared =
            pointer::resolve_located(self.spec.value(), &pointer::push(op_pointer, "requestBody"));
        let (body_pointer, body_spec) = match (declared, &request.body) {
            (None, None) => return Ok(()),
            (None, Some(_)) => {
                self.fail(
                    "request-body",
                    "request body".into(),
                    Some(op_pointer.to_string()),
                    "the operation declares no request body, but one was sent".into(),
                );
                return Ok(());
            }
            (Some(declared), _) => declared,
        };
        let Some(body) = &request.body else {
            if body_spec.get("required") == Some(&Value::Bool(true)) {
                self.fail(
                    "request-body",
                    "request body".into(),
                    Some(body_pointer),
                    "the request body is required but none was sent".into(),
                );
            }
            return Ok(());
        };
        let content_type = request.headers.get("content-type").map(String::as_str);
        let Some(schema) = self.media_schema(
            &body_pointer,
            body_spec,
            content_type,
            "request-body",
            "request body",
        ) else {
            return Ok(());
        };
        for v in self.schemas.validate(&schema, body)? {
            self.fail(
                "request-body",
                at_body("request body", &v.instance),
                Some(v.schema),
                v.message,
            );
        }
        for u in schema::undeclared(self.spec.value(), &schema, body) {
            self.fail(
                "request-drift",
                at_body("request body", &u.instance),
                Some(u.schema),
                format!("field `{}` is not declared by the schema", u.field),
            );
        }
        Ok(())
    }

    /// The schema pointer for a body's media type, or a failure.
    fn media_schema(
        &mut self,
        owner: &str,
        owner_spec: &Value,
        content_type: Option<&str>,
        check: &'static str,
        at: &str,
    ) -> Option<String> {
        let content = owner_spec.get("content").and_then(Value::as_object);
        let declared = content
            .map(|c| c.keys().cloned().collect::<Vec<_>>())
            .unwrap_or_default();
        let media = match content_type.map(|c| c.split(';').next().unwrap_or("").trim()) {
            Some(media) => media.to_ascii_lowercase(),
            None if declared.len() == 1 => declared[0].clone(),
            None => "application/json".to_string(),
        };
        let Some(media_spec) = content.and_then(|c| c.get(&media)) else {
            self.fail(
                check,
                at.to_string(),
                Some(owner.to_string()),
                format!(
                    "media type `{media}` is not declared (declared: {})",
                    list_or_none(&declared)
                ),
            );
            return None;
        };
        media_spec
            .get("schema")
            .map(|_| pointer::join_onto(owner, ["content", media.as_str(), "schema"]))
    }

    fn response(
        &mut self,
        op_pointer: &str,
        id: &str,
        recording: &Recording,
        exchange: &Exchange,
    ) -> Result<()> {
        let response = &exchange.response;
        let responses_pointer = pointer::push(op_pointer, "responses");
        let responses = self
            .spec
            .value()
            .pointer(&responses_pointer)
            .and_then(Value::as_object);
        let keys = responses
            .map(|r| r.keys().cloned().collect::<Vec<_>>())
            .unwrap_or_default();
        let Some(key) = status_key(&keys, response.status) else {
            self.fail(
                "status-undeclared",
                "response status".into(),
                Some(responses_pointer),
                format!(
                    "status {} is not declared for `{id}` (declared: {})",
                    response.status,
                    list_or_none(&keys)
                ),
            );
            return Ok(());
        };
        self.covered
            .entry((id.to_string(), key.clone()))
            .or_default()
            .push(recording.name.clone());
        let Some((response_pointer, response_spec)) =
            pointer::resolve_located(self.spec.value(), &pointer::push(&responses_pointer, &key))
        else {
            return Ok(());
        };
        self.response_headers(&response_pointer, response_spec, &response.headers)?;
        let declares_body = response_spec
            .get("content")
            .and_then(Value::as_object)
            .is_some_and(|c| !c.is_empty());
        let body = match (&response.body, &response.body_text, declares_body) {
            (None, None, false) => return Ok(()),
            (Some(_), _, false) | (_, Some(_), false) => {
                self.fail(
                    "response-media-type",
                    "response body".into(),
                    Some(response_pointer),
                    format!("status {key} declares no body, but one was sent"),
                );
                return Ok(());
            }
            (None, Some(_), true) => {
                self.fail(
                    "response-media-type",
                    "response body".into(),
                    Some(response_pointer),
                    "the body is not JSON".into(),
                );
                return Ok(());
            }
            (None, None, true) => {
                self.fail(
                    "response-media-type",
                    "response body".into(),
                    Some(response_pointer),
                    format!("status {key} declares a body, but none was recorded"),
                );
                return Ok(());
            }
            (Some(body), _, true) => body,
        };
        let content_type = response.headers.get("content-type").map(String::as_str);
        let Some(schema) = self.media_schema(
            &response_pointer,
            response_spec,
            content_type,
            "response-media-type",
            "response body",
        ) else {
            return Ok(());
        };
        // A list called without `fields` answers full rows: check them as such.
        let (schemas, spec) = if exchange.request.query.contains_key("fields") {
            (&mut self.schemas, self.spec)
        } else {
            (&mut self.full_rows.0, self.full_rows.1)
        };
        let violations = schemas.validate(&schema, body)?;
        let undeclared = schema::undeclared(spec.value(), &schema, body);
        for v in violations {
            self.fail(
                "response-schema",
                at_body("response body", &v.instance),
                Some(v.schema),
                v.message,
            );
        }
        if let Some(Err(message)) =
            (self.decoder.response)(id, response.status, body.to_string().as_bytes())
        {
            self.fail(
                "response-decode",
                "response body".into(),
                Some(schema.clone()),
                format!("the generated types cannot read it: {message}"),
            );
        }
        for u in undeclared {
            self.fail(
                "response-drift",
                at_body("response body", &u.instance),
                Some(u.schema),
                format!(
                    "field `{}` is not declared by the schema (drift: add it to the spec)",
                    u.field
                ),
            );
        }
        Ok(())
    }

    fn response_headers(
        &mut self,
        response_pointer: &str,
        response_spec: &Value,
        headers: &BTreeMap<String, String>,
    ) -> Result<()> {
        let declared = response_spec
            .get("headers")
            .and_then(Value::as_object)
            .map(|h| h.keys().cloned().collect::<Vec<_>>())
            .unwrap_or_default();
        for name in declared {
            let Some((header_pointer, header)) = pointer::resolve_located(
                self.spec.value(),
                &pointer::join_onto(response_pointer, ["headers", name.as_str()]),
            ) else {
                continue;
            };
            let at = format!("response header {name}");
            match headers.get(&name.to_ascii_lowercase()) {
                None if header.get("required") == Some(&Value::Bool(true)) => self.fail(
                    "response-header",
                    at,
                    Some(header_pointer),
                    format!("required header `{name}` is missing"),
                ),
                None => {}
                Some(value) => {
                    let schema = pointer::push(&header_pointer, "schema");
                    let instance = coerce(self.spec.value(), &schema, std::slice::from_ref(value));
                    for v in self.schemas.validate(&schema, &instance)? {
                        self.fail("response-header", at.clone(), Some(v.schema), v.message);
                    }
                }
            }
        }
        Ok(())
    }

    fn delivery(&mut self, recording: &Recording, delivery: &Delivery) -> Result<()> {
        let found = webhooks(self.spec)
            .into_iter()
            .find(|(event, _)| *event == delivery.event);
        let Some((event, id)) = found else {
            self.fail(
                "endpoint-unknown",
                "event".into(),
                Some("/x-webhooks".into()),
                format!(
                    "webhook event `{}` is not in the spec's `x-webhooks` (removed or renamed?)",
                    delivery.event
                ),
            );
            return Ok(());
        };
        let (event, id) = (event.to_string(), id.to_string());
        if recording.filed_under != event {
            self.fail(
                "recording-misfiled",
                "event".into(),
                None,
                format!(
                    "filed under `webhooks/{}` but the event is `{event}`",
                    recording.filed_under
                ),
            );
        }
        self.covered
            .entry((id, PAYLOAD.to_string()))
            .or_default()
            .push(recording.name.clone());
        let op_pointer = pointer::join(["x-webhooks", event.as_str(), "post"]);
        for param in declared_params(self.spec, &op_pointer, None) {
            if param.location != "header" {
                continue;
            }
            let at = format!("header {}", param.name);
            match delivery.headers.get(&param.name.to_ascii_lowercase()) {
                None if param.required => self.fail(
                    "webhook-schema",
                    at,
                    Some(param.schema),
                    format!("required header `{}` is missing", param.name),
                ),
                None => {}
                Some(value) => {
                    let instance = coerce(
                        self.spec.value(),
                        &param.schema,
                        std::slice::from_ref(value),
                    );
                    for v in self.schemas.validate(&param.schema, &instance)? {
                        self.fail("webhook-schema", at.clone(), Some(v.schema), v.message);
                    }
                }
            }
        }
        let schema = pointer::join_onto(
            &op_pointer,
            ["requestBody", "content", "application/json", "schema"],
        );
        if self.spec.value().pointer(&schema).is_none() {
            self.fail(
                "webhook-schema",
                "payload".into(),
                Some(op_pointer),
                "the event declares no `application/json` payload schema".into(),
            );
            return Ok(());
        }
        for v in self.schemas.validate(&schema, &delivery.body)? {
            self.fail(
                "webhook-schema",
                at_body("payload", &v.instance),
                Some(v.schema),
                v.message,
            );
        }
        if let Some(Err(message)) =
            (self.decoder.webhook)(&event, delivery.body.to_string().as_bytes())
        {
            self.fail(
                "webhook-decode",
                "payload".into(),
                Some(schema.clone()),
                format!("the generated types cannot read it: {message}"),
            );
        }
        for u in schema::undeclared(self.spec.value(), &schema, &delivery.body) {
            self.fail(
                "webhook-drift",
                at_body("payload", &u.instance),
                Some(u.schema),
                format!("field `{}` is not declared by the schema", u.field),
            );
        }
        Ok(())
    }
}

fn at_body(what: &str, instance: &str) -> String {
    if instance.is_empty() {
        format!("{what} (root)")
    } else {
        format!("{what} {instance}")
    }
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_string()
    } else {
        items.join(", ")
    }
}

/// The response key that covers `status`: exact, then `4XX`-style range,
/// then `default`.
pub fn status_key(keys: &[String], status: u16) -> Option<String> {
    let exact = status.to_string();
    let range = format!("{}XX", status / 100);
    keys.iter()
        .find(|k| **k == exact)
        .or_else(|| keys.iter().find(|k| k.eq_ignore_ascii_case(&range)))
        .or_else(|| keys.iter().find(|k| *k == "default"))
        .cloned()
}

/// The parameters an operation declares (path-item level ones overridden by
/// operation level ones with the same name and location).
pub(crate) fn declared_params(
    spec: &Spec,
    op_pointer: &str,
    path_item: Option<&str>,
) -> Vec<Param> {
    let mut params: Vec<Param> = Vec::new();
    let lists = path_item
        .map(|p| pointer::push(p, "parameters"))
        .into_iter()
        .chain([pointer::push(op_pointer, "parameters")]);
    for list in lists {
        let count = spec
            .value()
            .pointer(&list)
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        for i in 0..count {
            let Some((at, param)) =
                pointer::resolve_located(spec.value(), &pointer::push(&list, i.to_string()))
            else {
                continue;
            };
            let text = |key: &str| {
                param
                    .get(key)
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string()
            };
            let param = Param {
                name: text("name"),
                location: text("in"),
                required: param.get("required") == Some(&Value::Bool(true)),
                schema: pointer::push(&at, "schema"),
            };
            params.retain(|p| !(p.name == param.name && p.location == param.location));
            params.push(param);
        }
    }
    params
}

/// Turns parameter strings into the JSON the schema expects (numbers,
/// booleans, arrays); what does not parse stays a string for the validator
/// to report.
fn coerce(spec: &Value, schema: &str, values: &[String]) -> Value {
    let kind = |pointer: &str| {
        pointer::resolve(spec, pointer)
            .and_then(|s| s.get("type"))
            .and_then(Value::as_str)
            .unwrap_or("string")
            .to_string()
    };
    let scalar = |kind: &str, text: &str| -> Value {
        let parsed = match kind {
            "integer" | "number" | "boolean" => serde_json::from_str::<Value>(text)
                .ok()
                .filter(|v| v.is_number() || v.is_boolean()),
            _ => None,
        };
        parsed.unwrap_or_else(|| Value::String(text.to_string()))
    };
    match kind(schema).as_str() {
        "array" => {
            let items = kind(&pointer::push(schema, "items"));
            let split: Vec<&str> = if values.len() == 1 && items != "string" {
                values[0].split(',').collect()
            } else {
                values.iter().map(String::as_str).collect()
            };
            Value::Array(split.into_iter().map(|v| scalar(&items, v)).collect())
        }
        other => scalar(other, values.first().map_or("", String::as_str)),
    }
}

/// The operation whose method and path template match, with the path
/// parameters; literal segments win over templated ones.
pub fn find_operation<'a>(
    spec: &'a Spec,
    method: &str,
    path: &str,
) -> Option<(OperationRef<'a>, BTreeMap<String, String>)> {
    if !METHODS.contains(&method) {
        return None;
    }
    spec.operations()
        .filter(|op| op.method == method)
        .filter_map(|op| {
            let (params, literals) = match_template(op.path, path)?;
            Some((literals, op, params))
        })
        .max_by_key(|(literals, _, _)| *literals)
        .map(|(_, op, params)| (op, params))
}

/// Matches a concrete path against a template; returns the parameters and
/// how many segments matched literally.
pub fn match_template(template: &str, path: &str) -> Option<(BTreeMap<String, String>, usize)> {
    let template_segments = template
        .trim_end_matches('/')
        .split('/')
        .collect::<Vec<_>>();
    let path_segments = path.trim_end_matches('/').split('/').collect::<Vec<_>>();
    if template_segments.len() != path_segments.len() {
        return None;
    }
    let mut params = BTreeMap::new();
    let mut literals = 0;
    for (t, p) in template_segments.iter().zip(&path_segments) {
        match (t.find('{'), t.rfind('}')) {
            (Some(open), Some(close)) if open < close => {
                let (prefix, suffix) = (&t[..open], &t[close + 1..]);
                let value = p.strip_prefix(prefix)?.strip_suffix(suffix)?;
                if value.is_empty() {
                    return None;
                }
                params.insert(t[open + 1..close].to_string(), value.to_string());
            }
            _ if t == p => literals += 1,
            _ => return None,
        }
    }
    Some((params, literals))
}

/// Runs [`check`] with every recording and exemption of `dir`.
pub fn check_dir(
    spec: &Spec,
    dir: &std::path::Path,
    options: &Options,
    decoder: &Decoder<'_>,
) -> Result<Report> {
    let recordings = Recordings::load(dir)?;
    let exemptions = coverage::load_exemptions(dir)?;
    check(spec, &recordings, &exemptions, options, decoder)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_match_by_segment() {
        let cases = [
            ("/a/{id}", "/a/42", Some(("id", "42", 2))),
            ("/a/{id}.json", "/a/7.json", Some(("id", "7", 2))),
            ("/a/{id}", "/a/42/b", None),
            ("/a/{id}", "/a/", None),
            ("/a/b", "/a/c", None),
        ];
        for (template, path, expected) in cases {
            let found = match_template(template, path);
            match expected {
                Some((name, value, literals)) => {
                    let (params, n) = found.unwrap();
                    assert_eq!(params[name], value);
                    assert_eq!(n, literals);
                }
                None => assert!(found.is_none(), "{template} {path}"),
            }
        }
    }

    #[test]
    fn status_keys_prefer_exact_then_range_then_default() {
        let keys = ["200", "4XX", "default"].map(String::from);
        assert_eq!(status_key(&keys, 200).as_deref(), Some("200"));
        assert_eq!(status_key(&keys, 409).as_deref(), Some("4XX"));
        assert_eq!(status_key(&keys, 500).as_deref(), Some("default"));
        assert_eq!(status_key(&keys[..1], 500), None);
    }

    #[test]
    fn checks_are_unique_and_described() {
        let mut ids = CHECKS.iter().map(|c| c.id).collect::<Vec<_>>();
        assert!(CHECKS.iter().all(|c| !c.description.is_empty()));
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), CHECKS.len());
    }

    #[test]
    fn coerces_parameters_by_schema() {
        let spec = serde_json::json!({"i": {"type": "integer"}, "a": {"type": "array", "items": {"type": "string"}}, "s": {"type": "string"}});
        assert_eq!(coerce(&spec, "/i", &["42".into()]), serde_json::json!(42));
        assert_eq!(coerce(&spec, "/i", &["x".into()]), serde_json::json!("x"));
        assert_eq!(
            coerce(&spec, "/a", &["a,1,eq".into()]),
            serde_json::json!(["a,1,eq"])
        );
        assert_eq!(
            coerce(&spec, "/s", &["007".into()]),
            serde_json::json!("007")
        );
    }
}
