//! The [`Verifier`]: headers, signature, tolerance window and clock.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use http::HeaderMap;
use sha2::Sha256;

use super::WebhookEvent;
use super::{
    ConfigError, PayloadMismatch, ReplayGuard, SIGNATURE_HEADER, SigningSecret, TIMESTAMP_HEADER,
};
use super::{WebhookError, error::WebhookError as E};

pub(crate) type HmacSha256 = Hmac<Sha256>;

/// How far a delivery's timestamp may be from this server's clock, in
/// either direction, unless configured otherwise: 5 minutes.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(5 * 60);

/// Length of an HMAC-SHA256 tag in bytes.
const TAG_LEN: usize = 32;

/// The MAC over `"{timestamp}.{body}"`, fed in pieces so the body is never
/// copied.
pub(crate) fn signed_payload_mac(key: &[u8], timestamp: &str, body: &[u8]) -> HmacSha256 {
    payload_mac(keyed_mac(key), timestamp, body)
}

/// HMAC-SHA256 with `key` set up (its inner and outer pads hashed), ready to
/// be cloned for each message.
fn keyed_mac(key: &[u8]) -> HmacSha256 {
    // HMAC takes keys of any length, so `new_from_slice` cannot fail; the
    // match keeps that reasoning out of a panic path.
    match HmacSha256::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => <HmacSha256 as Mac>::new(&Default::default()),
    }
}

/// Feeds `"{timestamp}.{body}"` to a keyed MAC.
fn payload_mac(mut mac: HmacSha256, timestamp: &str, body: &[u8]) -> HmacSha256 {
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// A source of the current time, injectable for tests.
///
/// Timestamps are whole Unix seconds, so that is what a clock reports.
/// [`SystemClock`] is the default; [`FixedClock`] is a settable clock for
/// tests.
pub trait Clock: Send + Sync {
    /// The current time, in seconds since the Unix epoch.
    ///
    /// ```
    /// use chekt_api::webhooks::{Clock, SystemClock};
    ///
    /// assert!(SystemClock.now_unix() > 1_700_000_000);
    /// ```
    fn now_unix(&self) -> u64;
}

impl<C: Clock + ?Sized> Clock for Arc<C> {
    fn now_unix(&self) -> u64 {
        (**self).now_unix()
    }
}

/// The system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    /// Seconds since the Unix epoch; 0 if the system clock is set before
    /// 1970.
    fn now_unix(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    }
}

/// A clock that stands still until told otherwise, for tests.
///
/// Share it with an [`Arc`] to move time while a [`Verifier`] uses it:
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use chekt_api::webhooks::{Clock, FixedClock, Verifier};
///
/// let clock = Arc::new(FixedClock::from_unix(1_700_000_000));
/// let verifier = Verifier::builder()
///     .secret("whsec_test")
///     .clock(Arc::clone(&clock))
///     .build()?;
/// clock.advance(Duration::from_secs(10));
/// assert_eq!(clock.now_unix(), 1_700_000_010);
/// # Ok::<(), chekt_api::webhooks::ConfigError>(())
/// ```
#[derive(Debug, Default)]
pub struct FixedClock(AtomicU64);

impl FixedClock {
    /// A clock showing `secs` seconds after the Unix epoch.
    ///
    /// ```
    /// use chekt_api::webhooks::{Clock, FixedClock};
    ///
    /// assert_eq!(FixedClock::from_unix(1_700_000_000).now_unix(), 1_700_000_000);
    /// ```
    pub fn from_unix(secs: u64) -> Self {
        Self(AtomicU64::new(secs))
    }

    /// Sets the time shown, in Unix seconds.
    ///
    /// ```
    /// use chekt_api::webhooks::{Clock, FixedClock};
    ///
    /// let clock = FixedClock::default();
    /// clock.set_unix(1_700_000_000);
    /// assert_eq!(clock.now_unix(), 1_700_000_000);
    /// ```
    pub fn set_unix(&self, secs: u64) {
        self.0.store(secs, Ordering::SeqCst);
    }

    /// Moves the clock forward by whole seconds (saturating).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::time::Duration;
    /// use chekt_api::webhooks::{FixedClock, Signer, Verifier, WebhookError};
    ///
    /// let clock = Arc::new(FixedClock::from_unix(1_700_000_000));
    /// let verifier = Verifier::builder().secret("whsec_test").clock(Arc::clone(&clock)).build()?;
    /// let body = br#"{"id":"evt_1","type":"x.y"}"#;
    /// let delivery = Signer::new("whsec_test").sign(1_700_000_000, body.to_vec());
    /// clock.advance(Duration::from_secs(301)); // just past the 5-minute tolerance
    /// let late = verifier.verify(&delivery.header_map(), delivery.body());
    /// assert!(matches!(late, Err(WebhookError::TimestampTooOld { age_secs: 301, .. })));
    /// # Ok::<(), chekt_api::webhooks::ConfigError>(())
    /// ```
    pub fn advance(&self, by: Duration) {
        let _ = self
            .0
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |secs| {
                Some(secs.saturating_add(by.as_secs()))
            });
    }

    /// Moves the clock back by whole seconds (saturating at the epoch).
    ///
    /// ```
    /// use std::time::Duration;
    /// use chekt_api::webhooks::{Clock, FixedClock};
    ///
    /// let clock = FixedClock::from_unix(1_700_000_000);
    /// clock.rewind(Duration::from_secs(600)); // this server's clock is behind CHeKT's
    /// assert_eq!(clock.now_unix(), 1_699_999_400);
    /// ```
    pub fn rewind(&self, by: Duration) {
        let _ = self
            .0
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |secs| {
                Some(secs.saturating_sub(by.as_secs()))
            });
    }
}

impl Clock for FixedClock {
    fn now_unix(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// The two signature headers of a delivery, borrowed as text.
///
/// Build it from an [`http::HeaderMap`] with
/// [`from_header_map`](Self::from_header_map) (which rejects missing,
/// repeated and non-ASCII headers) or from plain strings with
/// [`new`](Self::new).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WebhookHeaders<'a> {
    /// The value of `x-chekt-signature`.
    pub signature: &'a str,
    /// The value of `x-chekt-timestamp`.
    pub timestamp: &'a str,
}

impl<'a> WebhookHeaders<'a> {
    /// The headers as plain strings, e.g. from a framework without
    /// `http::HeaderMap`.
    ///
    /// ```
    /// use chekt_api::webhooks::{Verifier, WebhookHeaders};
    /// # let delivery = chekt_api::webhooks::Signer::new("whsec_test").sign_now(br#"{"id":"evt_1","type":"x.y"}"#.to_vec());
    /// # let (signature, timestamp, body) = (delivery.signature(), delivery.timestamp(), delivery.body());
    ///
    /// // The header values and raw body, as another framework hands them over:
    /// let headers = WebhookHeaders::new(signature, timestamp);
    /// let verifier = Verifier::new("whsec_test")?;
    /// let delivery = verifier.verify_parts(headers.signature, headers.timestamp, body)?;
    /// assert_eq!(delivery.id.as_deref(), Some("evt_1"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(signature: &'a str, timestamp: &'a str) -> Self {
        Self {
            signature,
            timestamp,
        }
    }

    /// Reads both headers from a header map. Each must be present exactly
    /// once and be visible ASCII.
    ///
    /// ```
    /// use chekt_api::webhooks::{Signer, WebhookError, WebhookHeaders};
    ///
    /// let delivery = Signer::new("whsec_test").sign(1_700_000_000, b"{}".to_vec());
    /// let headers = delivery.header_map();
    /// assert_eq!(WebhookHeaders::from_header_map(&headers)?.timestamp, "1700000000");
    /// let unsigned = chekt_api::http::HeaderMap::new();
    /// let missing = WebhookHeaders::from_header_map(&unsigned);
    /// assert!(matches!(missing, Err(WebhookError::MissingHeader { name: "x-chekt-signature" })));
    /// # Ok::<(), WebhookError>(())
    /// ```
    pub fn from_header_map(headers: &'a HeaderMap) -> Result<Self, WebhookError> {
        Ok(Self {
            signature: single_header(headers, SIGNATURE_HEADER)?,
            timestamp: single_header(headers, TIMESTAMP_HEADER)?,
        })
    }
}

impl<'a> TryFrom<&'a HeaderMap> for WebhookHeaders<'a> {
    type Error = WebhookError;

    fn try_from(headers: &'a HeaderMap) -> Result<Self, Self::Error> {
        Self::from_header_map(headers)
    }
}

fn single_header<'a>(headers: &'a HeaderMap, name: &'static str) -> Result<&'a str, WebhookError> {
    let mut values = headers.get_all(name).iter();
    let value = values.next().ok_or(E::MissingHeader { name })?;
    if values.next().is_some() {
        return Err(E::MalformedHeader {
            name,
            reason: "sent more than once",
        });
    }
    value.to_str().map_err(|_| E::MalformedHeader {
        name,
        reason: "not visible ASCII",
    })
}

/// Parses `x-chekt-timestamp`: Unix seconds, ASCII digits only.
fn parse_timestamp(value: &str) -> Result<u64, WebhookError> {
    if value.is_empty() {
        return Err(E::MalformedHeader {
            name: TIMESTAMP_HEADER,
            reason: "empty",
        });
    }
    // `u64::from_str` would also take a leading `+`.
    if !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(E::MalformedTimestamp);
    }
    value.parse().map_err(|_| E::MalformedTimestamp)
}

/// Decodes `x-chekt-signature` into a fixed array: no allocation.
fn parse_signature(value: &str) -> Result<[u8; TAG_LEN], WebhookError> {
    if value.is_empty() {
        return Err(E::MalformedHeader {
            name: SIGNATURE_HEADER,
            reason: "empty",
        });
    }
    if !value.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(E::SignatureNotHex);
    }
    if value.len() != TAG_LEN * 2 {
        return Err(E::SignatureLength { len: value.len() });
    }
    let mut tag = [0u8; TAG_LEN];
    hex::decode_to_slice(value, &mut tag).map_err(|_| E::SignatureNotHex)?;
    Ok(tag)
}

/// What [`Verifier::verify_signature`] established about a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifiedSignature {
    /// When CHeKT signed the delivery (`x-chekt-timestamp`), in Unix
    /// seconds.
    pub timestamp: u64,
    /// Which configured secret matched, in the order given to the builder.
    /// During a rotation, once every delivery reports the new secret's
    /// index, the old secret can be removed.
    pub secret_index: usize,
}

/// A verified, parsed webhook delivery.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Delivery {
    /// The event, typed from the spec; an event type this version does not
    /// know is [`WebhookEvent::Unknown`] with its raw JSON.
    pub event: WebhookEvent,
    /// The payload's `id`, shared by redeliveries of the same event: the key
    /// to deduplicate on. `None` when the payload has no string `id` (never
    /// while a [`ReplayGuard`] is configured: it needs the `id`).
    pub id: Option<String>,
    /// Set when the payload has a known event type but does not match that
    /// type's schema (inferred from the seeds, so real payloads may differ):
    /// then [`event`](Self::event) is [`WebhookEvent::Unknown`] with the raw
    /// JSON, and this says which value failed (its JSON path, e.g.
    /// `data.alarm_type`). The delivery is authentic all the same; answer
    /// `200`, or CHeKT retries it.
    pub mismatch: Option<PayloadMismatch>,
    /// When CHeKT signed the delivery (`x-chekt-timestamp`), in Unix
    /// seconds.
    pub timestamp: u64,
    /// Which configured secret matched, in the order given to the builder.
    pub secret_index: usize,
}

impl Delivery {
    /// The event type, e.g. `alarm.created`.
    ///
    /// ```
    /// # let delivery = chekt_api::webhooks::Signer::new("whsec_test").sign_now(br#"{"id":"evt_1","type":"site.renamed"}"#.to_vec());
    /// # let verifier = chekt_api::webhooks::Verifier::new("whsec_test")?;
    /// let delivery = verifier.verify(&delivery.header_map(), delivery.body())?;
    /// assert_eq!(delivery.event_type(), "site.renamed");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn event_type(&self) -> &str {
        self.event.event_type()
    }

    /// The event alone.
    ///
    /// ```
    /// use chekt_api::webhooks::WebhookEvent;
    /// # let delivery = chekt_api::webhooks::Signer::new("whsec_test").sign_now(br#"{"id":"evt_1","type":"site.renamed"}"#.to_vec());
    /// # let verifier = chekt_api::webhooks::Verifier::new("whsec_test")?;
    ///
    /// let event = verifier.verify(&delivery.header_map(), delivery.body())?.into_event();
    /// assert!(matches!(event, WebhookEvent::Unknown { .. })); // a type this version does not know
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn into_event(self) -> WebhookEvent {
        self.event
    }
}

/// Verifies and parses webhook deliveries.
///
/// A verifier checks, in this order: both headers are present and well
/// formed; the HMAC-SHA256 of `"{x-chekt-timestamp}.{raw body}"` matches
/// `x-chekt-signature` under one of the configured secrets (compared in
/// constant time); the timestamp is within the tolerance of this server's
/// clock in either direction; the body is a CHeKT event; and, with a
/// [`ReplayGuard`], the event's `id` was not accepted before.
///
/// Cloning is cheap (the configuration is shared), so a `Verifier` can be
/// axum state directly.
///
/// ```
/// use chekt_api::webhooks::{Signer, Verifier};
///
/// let verifier = Verifier::new("whsec_test")?;
/// let delivery = Signer::new("whsec_test")
///     .sign_now(br#"{"id":"evt_1","type":"site.renamed"}"#.to_vec());
///
/// let verified = verifier.verify(&delivery.header_map(), delivery.body())?;
/// assert_eq!(verified.event_type(), "site.renamed");
/// assert_eq!(verified.id.as_deref(), Some("evt_1"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Verifier {
    inner: Arc<Inner>,
}

struct Inner {
    secrets: Vec<SigningSecret>,
    /// One keyed MAC per secret, in the same order, set up once rather than
    /// per delivery. Derived from the secrets: never shown.
    keyed: Vec<HmacSha256>,
    tolerance: Duration,
    clock: Arc<dyn Clock>,
    replay_guard: Option<Arc<ReplayGuard>>,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("secrets", &self.inner.secrets)
            .field("tolerance", &self.inner.tolerance)
            .field("replay_guard", &self.inner.replay_guard)
            .finish_non_exhaustive()
    }
}

impl Verifier {
    /// A verifier for one signing secret, with the default 5-minute
    /// tolerance, the system clock and no replay guard.
    ///
    /// Fails if the secret is empty.
    ///
    /// ```
    /// use chekt_api::webhooks::{ConfigError, Verifier};
    ///
    /// # let secret = "whsec_example";
    /// // let secret = std::env::var("CHEKT_WEBHOOK_SECRET")?;
    /// let verifier = Verifier::new(secret)?;
    /// # let _ = verifier;
    /// assert_eq!(Verifier::new("").unwrap_err(), ConfigError::EmptySecret { index: 0 });
    /// # Ok::<(), chekt_api::webhooks::ConfigError>(())
    /// ```
    pub fn new(secret: impl Into<SigningSecret>) -> Result<Self, ConfigError> {
        Self::builder().secret(secret).build()
    }

    /// A builder, for several secrets, another tolerance, a test clock or a
    /// replay guard.
    ///
    /// ```
    /// use std::time::Duration;
    /// use chekt_api::webhooks::{ReplayGuard, Verifier};
    ///
    /// let verifier = Verifier::builder()
    ///     .secret("whsec_new")
    ///     .secret("whsec_old") // during a rotation
    ///     .tolerance(Duration::from_secs(120))
    ///     .replay_guard(ReplayGuard::default())
    ///     .build()?;
    /// # let _ = verifier;
    /// # Ok::<(), chekt_api::webhooks::ConfigError>(())
    /// ```
    pub fn builder() -> VerifierBuilder {
        VerifierBuilder::default()
    }

    /// The configured tolerance.
    ///
    /// ```
    /// use chekt_api::webhooks::{DEFAULT_TOLERANCE, Verifier};
    ///
    /// assert_eq!(Verifier::new("whsec_test")?.tolerance(), DEFAULT_TOLERANCE);
    /// # Ok::<(), chekt_api::webhooks::ConfigError>(())
    /// ```
    pub fn tolerance(&self) -> Duration {
        self.inner.tolerance
    }

    /// The configured replay guard, if any.
    ///
    /// ```
    /// use chekt_api::webhooks::{ReplayGuard, Verifier};
    ///
    /// let verifier = Verifier::builder()
    ///     .secret("whsec_test")
    ///     .replay_guard(ReplayGuard::new(100))
    ///     .build()?;
    /// assert_eq!(verifier.replay_guard().map(|guard| guard.capacity()), Some(100));
    /// # Ok::<(), chekt_api::webhooks::ConfigError>(())
    /// ```
    pub fn replay_guard(&self) -> Option<&Arc<ReplayGuard>> {
        self.inner.replay_guard.as_ref()
    }

    /// Verifies a delivery given its headers and raw body, and parses the
    /// event.
    ///
    /// `body` must be the request body exactly as received: parsing it and
    /// serializing it again changes the bytes (key order, whitespace,
    /// escapes) and the signature no longer matches.
    ///
    /// ```no_run
    /// # fn handle(headers: chekt_api::http::HeaderMap, body: Vec<u8>) -> Result<(), Box<dyn std::error::Error>> {
    /// use chekt_api::webhooks::WebhookEvent;
    /// use chekt_api::webhooks::Verifier;
    ///
    /// let verifier = Verifier::new(std::env::var("CHEKT_WEBHOOK_SECRET")?)?;
    /// match verifier.verify(&headers, &body)?.event {
    ///     WebhookEvent::AlarmCreated(event) => println!("alarm {:?}", event.data.and_then(|d| d.alarm_id)),
    ///     other => println!("ignoring {}", other.event_type()),
    /// }
    /// # Ok(()) }
    /// ```
    pub fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<Delivery, WebhookError> {
        let headers = WebhookHeaders::from_header_map(headers)?;
        self.verify_parts(headers.signature, headers.timestamp, body)
    }

    /// Like [`verify`](Self::verify), with the header values as plain
    /// strings.
    ///
    /// ```
    /// use chekt_api::webhooks::{Signer, Verifier};
    ///
    /// let body = br#"{"id":"evt_1","type":"site.renamed"}"#;
    /// let sent = Signer::new("whsec_test").sign_now(body.to_vec());
    /// let verifier = Verifier::new("whsec_test")?;
    /// let delivery = verifier.verify_parts(sent.signature(), sent.timestamp(), sent.body())?;
    /// assert_eq!(delivery.event_type(), "site.renamed");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verify_parts(
        &self,
        signature: &str,
        timestamp: &str,
        body: &[u8],
    ) -> Result<Delivery, WebhookError> {
        let (verified, now) = self.check(signature, timestamp, body)?;
        let Parsed {
            event,
            id,
            mismatch,
        } = parse_event(body)?;
        if let Some(guard) = &self.inner.replay_guard {
            let id = id.as_deref().ok_or_else(|| E::MalformedPayload {
                source: <serde_json::Error as serde::de::Error>::missing_field("id"),
            })?;
            // A replay of this exact delivery fails the timestamp check once
            // `timestamp + tolerance` has passed, so remember it until then.
            let expires_at = verified
                .timestamp
                .saturating_add(self.inner.tolerance.as_secs());
            guard.record(id, now, expires_at)?;
        }
        Ok(Delivery {
            event,
            id,
            mismatch,
            timestamp: verified.timestamp,
            secret_index: verified.secret_index,
        })
    }

    /// Checks only authenticity and freshness: headers, signature and
    /// tolerance. The body is neither parsed nor checked against the replay
    /// guard.
    ///
    /// This is the whole cryptographic cost of [`verify`](Self::verify):
    /// one HMAC over the body per secret tried, with no allocation.
    ///
    /// ```
    /// use chekt_api::webhooks::{Signer, Verifier};
    ///
    /// let sent = Signer::new("whsec_old").sign_now(b"not even JSON".to_vec());
    /// let verifier = Verifier::builder().secret("whsec_new").secret("whsec_old").build()?;
    /// let verified = verifier.verify_signature(sent.signature(), sent.timestamp(), sent.body())?;
    /// assert_eq!(verified.secret_index, 1); // still signed with the old secret
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verify_signature(
        &self,
        signature: &str,
        timestamp: &str,
        body: &[u8],
    ) -> Result<VerifiedSignature, WebhookError> {
        self.check(signature, timestamp, body)
            .map(|(verified, _)| verified)
    }

    fn check(
        &self,
        signature: &str,
        timestamp: &str,
        body: &[u8],
    ) -> Result<(VerifiedSignature, u64), WebhookError> {
        let signed_at = parse_timestamp(timestamp)?;
        let tag = parse_signature(signature)?;

        let keyed = &self.inner.keyed;
        let secret_index = keyed
            .iter()
            .position(|mac| {
                // Sign the header value exactly as sent (leading zeros
                // included), not the parsed number.
                payload_mac(mac.clone(), timestamp, body)
                    .verify_slice(&tag)
                    .is_ok()
            })
            .ok_or(E::SignatureMismatch {
                secrets: keyed.len(),
            })?;

        let now = self.inner.clock.now_unix();
        let tolerance_secs = self.inner.tolerance.as_secs();
        if signed_at > now {
            let skew_secs = signed_at - now;
            if skew_secs > tolerance_secs {
                return Err(E::TimestampInFuture {
                    skew_secs,
                    tolerance_secs,
                });
            }
        } else {
            let age_secs = now - signed_at;
            if age_secs > tolerance_secs {
                return Err(E::TimestampTooOld {
                    age_secs,
                    tolerance_secs,
                });
            }
        }
        Ok((
            VerifiedSignature {
                timestamp: signed_at,
                secret_index,
            },
            now,
        ))
    }
}

/// An authentic body, parsed: the event, its `id`, and why the typed parse
/// failed when it did.
struct Parsed {
    event: WebhookEvent,
    id: Option<String>,
    mismatch: Option<PayloadMismatch>,
}

/// Parses the event in two steps: the envelope (a JSON object with a string
/// `type`; anything else is [`WebhookError::MalformedPayload`]), then the
/// typed event. A known type whose payload does not match its (inferred)
/// schema is not an error: it comes back as `Unknown` with the mismatch.
fn parse_event(body: &[u8]) -> Result<Parsed, WebhookError> {
    let payload: serde_json::Value =
        serde_json::from_slice(body).map_err(|source| E::MalformedPayload { source })?;
    let event_type = payload
        .get("type")
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| E::MalformedPayload {
            source: <serde_json::Error as serde::de::Error>::missing_field("type"),
        })?;
    let id = payload
        .get("id")
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned);
    let (event, mismatch) = match WebhookEvent::typed(&event_type, &payload) {
        Some(Ok(event)) => (event, None),
        unknown_or_mismatch => {
            let mismatch = unknown_or_mismatch
                .and_then(Result::err)
                .map(|(path, source)| PayloadMismatch {
                    event_type: event_type.clone(),
                    path,
                    message: source.to_string(),
                });
            let event = WebhookEvent::Unknown {
                event_type,
                payload,
            };
            (event, mismatch)
        }
    };
    Ok(Parsed {
        event,
        id,
        mismatch,
    })
}

/// Builds a [`Verifier`]. Start with [`Verifier::builder`].
#[derive(Default)]
#[must_use]
pub struct VerifierBuilder {
    secrets: Vec<SigningSecret>,
    tolerance: Option<Duration>,
    clock: Option<Arc<dyn Clock>>,
    replay_guard: Option<Arc<ReplayGuard>>,
}

impl fmt::Debug for VerifierBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifierBuilder")
            .field("secrets", &self.secrets)
            .field("tolerance", &self.tolerance)
            .field("replay_guard", &self.replay_guard)
            .finish_non_exhaustive()
    }
}

impl VerifierBuilder {
    /// Adds a signing secret. Call it again to accept several at once, e.g.
    /// the new and the old secret while a rotation rolls out; they are tried
    /// in the order added, so add the one most deliveries use first.
    ///
    /// ```
    /// use chekt_api::webhooks::Verifier;
    ///
    /// let verifier = Verifier::builder().secret("whsec_new").secret("whsec_old").build()?;
    /// # let _ = verifier;
    /// # Ok::<(), chekt_api::webhooks::ConfigError>(())
    /// ```
    pub fn secret(mut self, secret: impl Into<SigningSecret>) -> Self {
        self.secrets.push(secret.into());
        self
    }

    /// Adds several signing secrets, in order.
    ///
    /// ```
    /// use chekt_api::webhooks::Verifier;
    ///
    /// # let configured = "whsec_new,whsec_old".to_string();
    /// // let configured = std::env::var("CHEKT_WEBHOOK_SECRETS")?;
    /// let verifier = Verifier::builder().secrets(configured.split(',')).build()?;
    /// # let _ = verifier;
    /// # Ok::<(), chekt_api::webhooks::ConfigError>(())
    /// ```
    pub fn secrets<I>(mut self, secrets: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<SigningSecret>,
    {
        self.secrets.extend(secrets.into_iter().map(Into::into));
        self
    }

    /// How far a delivery's timestamp may be from this server's clock, in
    /// either direction, in whole seconds. Default: [`DEFAULT_TOLERANCE`]
    /// (5 minutes).
    ///
    /// ```
    /// use std::time::Duration;
    /// use chekt_api::webhooks::Verifier;
    ///
    /// let verifier = Verifier::builder()
    ///     .secret("whsec_test")
    ///     .tolerance(Duration::from_secs(60))
    ///     .build()?;
    /// assert_eq!(verifier.tolerance(), Duration::from_secs(60));
    /// # Ok::<(), chekt_api::webhooks::ConfigError>(())
    /// ```
    pub fn tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = Some(tolerance);
        self
    }

    /// The clock to check timestamps against. Default: [`SystemClock`].
    ///
    /// ```
    /// use chekt_api::webhooks::{FixedClock, Verifier};
    ///
    /// let verifier = Verifier::builder()
    ///     .secret("whsec_test")
    ///     .clock(FixedClock::from_unix(1_700_000_000)) // tests only
    ///     .build()?;
    /// # let _ = verifier;
    /// # Ok::<(), chekt_api::webhooks::ConfigError>(())
    /// ```
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// Rejects a second delivery of an event `id` within the tolerance
    /// window. Pass an `Arc<ReplayGuard>` to share one guard between
    /// verifiers.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use chekt_api::webhooks::{ReplayGuard, Verifier};
    ///
    /// let guard = Arc::new(ReplayGuard::default());
    /// let verifier = Verifier::builder()
    ///     .secret("whsec_old")
    ///     .replay_guard(Arc::clone(&guard))
    ///     .build()?;
    /// // Rebuilt for a secret rotation, it still knows the ids already accepted:
    /// let rotated = Verifier::builder()
    ///     .secrets(["whsec_new", "whsec_old"])
    ///     .replay_guard(guard)
    ///     .build()?;
    /// # let _ = (verifier, rotated);
    /// # Ok::<(), chekt_api::webhooks::ConfigError>(())
    /// ```
    pub fn replay_guard(mut self, guard: impl Into<Arc<ReplayGuard>>) -> Self {
        self.replay_guard = Some(guard.into());
        self
    }

    /// Builds the verifier. Fails if no secret was given, or one is empty.
    ///
    /// ```
    /// use chekt_api::webhooks::{ConfigError, Verifier};
    ///
    /// assert!(Verifier::builder().secret("whsec_test").build().is_ok());
    /// assert_eq!(Verifier::builder().build().unwrap_err(), ConfigError::NoSecrets);
    /// assert_eq!(
    ///     Verifier::builder().secret("whsec_test").secret("").build().unwrap_err(),
    ///     ConfigError::EmptySecret { index: 1 }
    /// );
    /// ```
    pub fn build(self) -> Result<Verifier, ConfigError> {
        if self.secrets.is_empty() {
            return Err(ConfigError::NoSecrets);
        }
        if let Some(index) = self.secrets.iter().position(SigningSecret::is_empty) {
            return Err(ConfigError::EmptySecret { index });
        }
        Ok(Verifier {
            inner: Arc::new(Inner {
                keyed: self.secrets.iter().map(|s| keyed_mac(s.expose())).collect(),
                secrets: self.secrets,
                tolerance: self.tolerance.unwrap_or(DEFAULT_TOLERANCE),
                clock: self.clock.unwrap_or_else(|| Arc::new(SystemClock)),
                replay_guard: self.replay_guard,
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_parsing_table() {
        let cases: &[(&str, Option<u64>)] = &[
            ("0", Some(0)),
            ("1700000000", Some(1_700_000_000)),
            ("01700000000", Some(1_700_000_000)),
            ("18446744073709551615", Some(u64::MAX)),
            ("18446744073709551616", None),
            ("+1700000000", None),
            ("-1", None),
            (" 1700000000", None),
            ("1700000000 ", None),
            ("1.5", None),
            ("1e9", None),
            ("١٢٣", None),
        ];
        for (input, expected) in cases {
            assert_eq!(parse_timestamp(input).ok(), *expected, "input {input:?}");
        }
        assert!(matches!(
            parse_timestamp(""),
            Err(E::MalformedHeader {
                reason: "empty",
                ..
            })
        ));
    }

    #[test]
    fn signature_parsing_table() {
        let good = "ab".repeat(32);
        assert_eq!(parse_signature(&good).ok(), Some([0xab; 32]));
        assert_eq!(
            parse_signature(&"AB".repeat(32)).ok(),
            Some([0xab; 32]),
            "uppercase hex is accepted"
        );
        assert!(matches!(
            parse_signature(&"ab".repeat(31)),
            Err(E::SignatureLength { len: 62 })
        ));
        assert!(matches!(
            parse_signature(&"a".repeat(65)),
            Err(E::SignatureLength { len: 65 })
        ));
        assert!(matches!(
            parse_signature(&format!("sha256={good}")),
            Err(E::SignatureNotHex)
        ));
        assert!(matches!(
            parse_signature(&"zz".repeat(32)),
            Err(E::SignatureNotHex)
        ));
        assert!(matches!(
            parse_signature(""),
            Err(E::MalformedHeader {
                reason: "empty",
                ..
            })
        ));
    }

    #[test]
    fn fixed_clock_moves_only_when_told() {
        let clock = FixedClock::from_unix(100);
        assert_eq!(clock.now_unix(), 100);
        clock.advance(Duration::from_millis(2_500));
        assert_eq!(clock.now_unix(), 102);
        clock.rewind(Duration::from_secs(500));
        assert_eq!(clock.now_unix(), 0, "saturates at the epoch");
        clock.set_unix(u64::MAX);
        clock.advance(Duration::from_secs(5));
        assert_eq!(clock.now_unix(), u64::MAX, "saturates");
        assert!(SystemClock.now_unix() > 1_700_000_000);
    }

    #[test]
    fn builder_rejects_missing_and_empty_secrets() {
        assert_eq!(
            Verifier::builder().build().err(),
            Some(ConfigError::NoSecrets)
        );
        assert_eq!(
            Verifier::builder().secret("a").secret("").build().err(),
            Some(ConfigError::EmptySecret { index: 1 })
        );
    }

    #[test]
    fn debug_never_shows_secrets() {
        let verifier = Verifier::builder()
            .secrets(["first-secret-value", "second-secret-value"])
            .build()
            .unwrap();
        let debug = format!("{verifier:?}");
        assert!(!debug.contains("secret-value"), "{debug}");
        assert!(debug.contains("REDACTED"));
        let builder = format!("{:?}", Verifier::builder().secret("builder-secret-value"));
        assert!(!builder.contains("secret-value"), "{builder}");
    }
}
