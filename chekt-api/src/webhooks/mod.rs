//! Verified, typed webhook deliveries.
//!
//! CHeKT `POST`s each event (`alarm.created`, `alarm.resolved`,
//! `alarm.dispatched`, `snapshot.created`, and whatever it adds later) to
//! your app's webhook URL, with two headers:
//!
//! * [`x-chekt-timestamp`](TIMESTAMP_HEADER): when it signed the delivery,
//!   in Unix seconds;
//! * [`x-chekt-signature`](SIGNATURE_HEADER): the hex HMAC-SHA256, keyed
//!   with the app's signing secret, of `"{x-chekt-timestamp}.{raw body}"`.
//!
//! A [`Verifier`] checks both headers, the signature (in constant time,
//! against one or several secrets), that the timestamp is within a
//! tolerance of your clock (5 minutes by default, in either direction), and
//! parses the body into a [`WebhookEvent`] generated from the spec. With a
//! [`ReplayGuard`] it also rejects a second delivery of the same event `id`.
//! Each failure is its own [`WebhookError`] variant, with a message saying
//! what to check, an HTTP [`status`](WebhookError::status) and a
//! [`code`](WebhookError::code).
//!
//! # Verify the raw bytes
//!
//! The signature covers the body **exactly as sent**. Hand the verifier the
//! request body before anything parses it: JSON that is parsed and
//! serialized again has different bytes (key order, whitespace, number and
//! string escapes), and the signature will not match
//! ([`WebhookError::SignatureMismatch`], CHeKT's `signature_invalid`). In
//! axum, take the body as `Bytes` (or use the extractor behind the `axum`
//! feature), never `Json<_>`.
//!
//! # Unknown event types, and payloads that miss the typed event
//!
//! A verified delivery of an event type this version does not know is not an
//! error: it comes back as [`WebhookEvent::Unknown`] with its raw JSON, so a
//! new event type never breaks a receiver. Match with a catch-all arm.
//!
//! The event schemas are inferred (seed 002 shows only `type`), so every
//! other field is optional, and authentication and typed parsing are
//! separate steps: an authentic delivery of a known type whose payload still
//! does not match its schema also comes back as [`WebhookEvent::Unknown`],
//! with [`Delivery::mismatch`] naming the failing value by its JSON path
//! (e.g. `data.alarm_type`). It is acknowledged like any other delivery;
//! rejecting it would make CHeKT retry it forever.
//!
//! # Rotating the signing secret
//!
//! Configure the new and the old secret together
//! ([`VerifierBuilder::secret`] twice), deploy, rotate in the dealer portal,
//! and drop the old secret once [`Delivery::secret_index`] shows it is no
//! longer used.
//!
//! # Answer within 30 seconds
//!
//! CHeKT expects a `200` within 30 seconds. Verify, hand the event to a
//! queue (e.g. a `tokio::sync::mpsc` channel drained by a background task,
//! or a table in your database) and answer at once; do the work later. See
//! `examples/webhook_receiver.rs`, and the `axum` module (feature `axum`):
//! its `VerifiedWebhook` extractor verifies and parses in one step.
//!
//! # Example
//!
//! ```
//! use chekt_api::webhooks::WebhookEvent;
//! use chekt_api::webhooks::{FixedClock, Signer, Verifier, WebhookError};
//!
//! // What CHeKT sends (in tests, `Signer` plays CHeKT).
//! let body = br#"{"id":"evt_1a2b3c4d","type":"alarm.created",
//!   "created_at":"2026-03-01T02:14:07Z",
//!   "data":{"alarm_id":"alm_3kd92hf","site_id":"site_29snd","device_id":"dev_8h2j3kfm",
//!           "alarm_type":"motion","occurred_at":"2026-03-01T02:14:07Z"}}"#;
//! let delivery = Signer::new("whsec_test").sign(1_772_331_247, body.to_vec());
//! let headers = delivery.header_map();
//!
//! // The receiver.
//! let verifier = Verifier::builder()
//!     .secret("whsec_test")
//!     .clock(FixedClock::from_unix(1_772_331_250)) // omit in production
//!     .build()?;
//! let verified = verifier.verify(&headers, body)?;
//! match &verified.event {
//!     WebhookEvent::AlarmCreated(event) => {
//!         let alarm_type = event.data.as_ref().and_then(|d| d.alarm_type.as_deref());
//!         assert_eq!(alarm_type, Some("motion"));
//!     }
//!     other => println!("not handled: {}", other.event_type()),
//! }
//!
//! // One changed byte, and the delivery is rejected.
//! let tampered = body.to_vec().into_iter().map(|b| if b == b'7' { b'8' } else { b }).collect::<Vec<_>>();
//! let err = verifier.verify(&headers, &tampered).unwrap_err();
//! assert!(matches!(err, WebhookError::SignatureMismatch { .. }));
//! assert_eq!(err.status(), 401);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub mod axum;
mod error;
mod replay;
mod secret;
mod signer;
mod verify;

pub use self::error::{ConfigError, PayloadMismatch, WebhookError};
pub use self::replay::{DEFAULT_REPLAY_CAPACITY, ReplayGuard};
pub use self::secret::SigningSecret;
pub use self::signer::{SignedDelivery, Signer};
pub use self::verify::{
    Clock, DEFAULT_TOLERANCE, Delivery, FixedClock, SystemClock, VerifiedSignature, Verifier,
    VerifierBuilder, WebhookHeaders,
};
pub use crate::generated::webhook_events::WebhookEvent;

/// The header carrying the hex HMAC-SHA256 signature.
pub const SIGNATURE_HEADER: &str = "x-chekt-signature";

/// The header carrying the signing time, in Unix seconds.
pub const TIMESTAMP_HEADER: &str = "x-chekt-timestamp";
