//! Why a delivery was rejected, and why a verifier could not be built.

use http::StatusCode;

use super::{SIGNATURE_HEADER, TIMESTAMP_HEADER};

/// Why an authentic delivery of a known event type did not parse into its
/// typed event. Not a rejection: the delivery still reaches you, as
/// [`WebhookEvent::Unknown`](super::WebhookEvent::Unknown) with its raw JSON
/// and this in [`Delivery::mismatch`](super::Delivery::mismatch).
///
/// The event schemas are inferred (no seed shows a payload beyond `type`),
/// so a real payload may differ from them; that must never make a receiver
/// refuse a delivery CHeKT would then retry forever.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{event_type}` payload does not match its schema in the CHeKT spec at `{path}`: {message}"
)]
#[non_exhaustive]
pub struct PayloadMismatch {
    /// The event type, e.g. `alarm.created`.
    pub event_type: String,
    /// The JSON path of the value that failed, e.g. `data.alarm_type`
    /// (for a missing field, the path of the object that lacks it; `.` for
    /// the payload itself).
    pub path: String,
    /// What failed there, as the JSON parser says it (e.g. ``missing field
    /// `alarm_id` `` or ``invalid type: integer `42`, expected a string``).
    pub message: String,
}

/// Why a webhook delivery was rejected.
///
/// Every variant says what to check. None of them ever contains a signing
/// secret. [`code`](Self::code) gives a stable machine-readable code and
/// [`status`](Self::status) the HTTP status a receiver should answer with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// A required header (`x-chekt-signature` or `x-chekt-timestamp`) is
    /// absent.
    #[error(
        "missing `{name}` header: CHeKT signs every delivery, so check that the request comes \
         from CHeKT and that proxies in front of this service forward the header"
    )]
    MissingHeader {
        /// The header's name.
        name: &'static str,
    },

    /// A required header is present but unusable: empty, sent more than
    /// once, or not visible ASCII.
    #[error("malformed `{name}` header: {reason}")]
    MalformedHeader {
        /// The header's name.
        name: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },

    /// `x-chekt-timestamp` is not Unix time in seconds (ASCII digits only).
    #[error(
        "malformed `{TIMESTAMP_HEADER}` header: expected Unix time in seconds (ASCII digits only)"
    )]
    MalformedTimestamp,

    /// `x-chekt-signature` contains characters that are not hexadecimal.
    #[error(
        "malformed `{SIGNATURE_HEADER}` header: not hex; expected the 64 hex characters of an \
         HMAC-SHA256, with no prefix"
    )]
    SignatureNotHex,

    /// `x-chekt-signature` is hex, but not the 64 characters of an
    /// HMAC-SHA256.
    #[error(
        "malformed `{SIGNATURE_HEADER}` header: {len} hex characters, expected 64 (HMAC-SHA256)"
    )]
    SignatureLength {
        /// How many characters were sent.
        len: usize,
    },

    /// The signature matches none of the configured secrets: the body was
    /// altered, or the secret is wrong (CHeKT's `signature_invalid`).
    #[error(
        "signature_invalid: the signature matches none of the {secrets} configured signing \
         secret(s); verify the raw request bytes, not re-serialized JSON, and check that the \
         signing secret is the app's current one (after a rotation, configure both)"
    )]
    SignatureMismatch {
        /// How many secrets were tried.
        secrets: usize,
    },

    /// The delivery was signed longer ago than the tolerance allows: a
    /// replay, a long delay, or this server's clock is ahead.
    #[error(
        "`{TIMESTAMP_HEADER}` is {age_secs}s old, beyond the {tolerance_secs}s tolerance: a \
         replayed or long-delayed delivery, or this server's clock is ahead (check NTP)"
    )]
    TimestampTooOld {
        /// How old the timestamp is, in seconds.
        age_secs: u64,
        /// The configured tolerance, in seconds.
        tolerance_secs: u64,
    },

    /// The delivery claims to be signed in the future, beyond the tolerance:
    /// this server's clock is behind.
    #[error(
        "`{TIMESTAMP_HEADER}` is {skew_secs}s in the future, beyond the {tolerance_secs}s \
         tolerance: this server's clock is behind (check NTP)"
    )]
    TimestampInFuture {
        /// How far ahead of this server's clock the timestamp is, in seconds.
        skew_secs: u64,
        /// The configured tolerance, in seconds.
        tolerance_secs: u64,
    },

    /// The (authentic) body is not a CHeKT event: not JSON, not an object,
    /// or without a string `type` (or without an `id` while a
    /// [`ReplayGuard`](super::ReplayGuard) is in use).
    #[error("payload is not a CHeKT event: expected a JSON object with a string `type` and `id`")]
    MalformedPayload {
        /// The JSON error.
        #[source]
        source: serde_json::Error,
    },

    /// The event was already accepted within the tolerance window, or its
    /// window ends no later than one the guard already closed (the clock
    /// stepped back past it, so a replay cannot be ruled out; see
    /// [`ReplayGuard`](super::ReplayGuard)).
    #[error("duplicate delivery of event `{id}`: it was already accepted")]
    Duplicate {
        /// The event's `id`.
        id: String,
    },
}

impl WebhookError {
    /// A stable machine-readable code for this error, e.g. for a JSON error
    /// body or a metrics label.
    ///
    /// A bad signature is `signature_invalid`, as in CHeKT's own error
    /// catalogue.
    ///
    /// ```
    /// use chekt_api::webhooks::WebhookError;
    ///
    /// let err = WebhookError::SignatureMismatch { secrets: 1 };
    /// assert_eq!(err.code(), "signature_invalid");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            Self::MissingHeader { .. } => "missing_header",
            Self::MalformedHeader { .. }
            | Self::MalformedTimestamp
            | Self::SignatureNotHex
            | Self::SignatureLength { .. } => "malformed_header",
            Self::SignatureMismatch { .. } => "signature_invalid",
            Self::TimestampTooOld { .. } | Self::TimestampInFuture { .. } => {
                "timestamp_out_of_tolerance"
            }
            Self::MalformedPayload { .. } => "malformed_payload",
            Self::Duplicate { .. } => "duplicate_event",
        }
    }

    /// The HTTP status a receiver should answer with.
    ///
    /// * `400 Bad Request`: missing or malformed headers, or a payload that
    ///   is not a valid event;
    /// * `401 Unauthorized`: the signature does not match, or the timestamp
    ///   is outside the tolerance;
    /// * `200 OK` for a [`Duplicate`](Self::Duplicate): the event was already
    ///   accepted, so acknowledging stops CHeKT from redelivering it.
    ///
    /// ```
    /// use chekt_api::webhooks::WebhookError;
    /// use chekt_api::http::StatusCode;
    ///
    /// let stale = WebhookError::TimestampTooOld { age_secs: 900, tolerance_secs: 300 };
    /// assert_eq!(stale.status(), StatusCode::UNAUTHORIZED);
    /// let again = WebhookError::Duplicate { id: "evt_1a2b3c4d".into() };
    /// assert_eq!(again.status(), StatusCode::OK);
    /// ```
    pub fn status(&self) -> StatusCode {
        match self {
            Self::MissingHeader { .. }
            | Self::MalformedHeader { .. }
            | Self::MalformedTimestamp
            | Self::SignatureNotHex
            | Self::SignatureLength { .. }
            | Self::MalformedPayload { .. } => StatusCode::BAD_REQUEST,
            Self::SignatureMismatch { .. }
            | Self::TimestampTooOld { .. }
            | Self::TimestampInFuture { .. } => StatusCode::UNAUTHORIZED,
            Self::Duplicate { .. } => StatusCode::OK,
        }
    }

    /// Whether the delivery failed authentication: a wrong signature or a
    /// timestamp outside the tolerance.
    ///
    /// ```
    /// use chekt_api::webhooks::WebhookError;
    ///
    /// assert!(WebhookError::SignatureMismatch { secrets: 2 }.is_unauthenticated());
    /// assert!(!WebhookError::MissingHeader { name: "x-chekt-signature" }.is_unauthenticated());
    /// ```
    pub fn is_unauthenticated(&self) -> bool {
        self.status() == StatusCode::UNAUTHORIZED
    }
}

/// Why a [`Verifier`](super::Verifier) could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// No signing secret was given.
    #[error(
        "no webhook signing secret configured: pass the app's signing secret (shown once when \
         the app was created in the dealer portal)"
    )]
    NoSecrets,

    /// A signing secret is empty, e.g. an environment variable that is set
    /// but blank.
    #[error(
        "webhook signing secret #{index} is empty: check that the environment variable or \
         secret manager entry holding it is set"
    )]
    EmptySecret {
        /// The secret's position, in the order given to the builder.
        index: usize,
    },
}
