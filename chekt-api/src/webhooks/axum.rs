//! An axum extractor that verifies and parses a delivery in one step
//! (feature `axum`).
//!
//! [`VerifiedWebhook`] reads the two headers and the raw body, runs the
//! [`Verifier`] found in the router's state (via [`FromRef`]), and hands the
//! handler a [`Delivery`]. On failure the handler does not run and the
//! request is answered with [`WebhookRejection`]: `400` for a malformed
//! request, `401` for a bad signature or a stale timestamp, each with a small
//! JSON body such as
//! `{"error":"signature_invalid","message":"signature_invalid: the signature matches none…"}`.
//! A duplicate (with a [`ReplayGuard`](super::ReplayGuard)) is answered
//! `200`: the event was already accepted, and acknowledging stops CHeKT
//! from redelivering it. An authentic delivery whose payload does not match
//! its (inferred) event schema is not a failure: the handler runs with
//! [`Delivery::mismatch`] set and the raw JSON as the event, and answers it.
//!
//! # Acknowledge fast, work later
//!
//! CHeKT waits 30 seconds for the `200`. Do not call other services from
//! the handler: push the delivery onto a queue and answer at once.
//!
//! ```no_run
//! use axum::{Router, extract::{FromRef, State}, http::StatusCode, routing::post};
//! use chekt_api::webhooks::{Delivery, Verifier, axum::VerifiedWebhook};
//! use tokio::sync::mpsc;
//!
//! #[derive(Clone)]
//! struct AppState {
//!     verifier: Verifier,
//!     queue: mpsc::Sender<Delivery>,
//! }
//!
//! impl FromRef<AppState> for Verifier {
//!     fn from_ref(state: &AppState) -> Self {
//!         state.verifier.clone()
//!     }
//! }
//!
//! async fn receive(
//!     State(state): State<AppState>,
//!     VerifiedWebhook(delivery): VerifiedWebhook,
//! ) -> StatusCode {
//!     match state.queue.try_send(delivery) {
//!         Ok(()) => StatusCode::OK,
//!         // Full or closed: let CHeKT retry later.
//!         Err(_) => StatusCode::SERVICE_UNAVAILABLE,
//!     }
//! }
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let (queue, mut jobs) = mpsc::channel::<Delivery>(1024);
//! tokio::spawn(async move {
//!     while let Some(delivery) = jobs.recv().await {
//!         println!("processing {} ({:?})", delivery.event_type(), delivery.id);
//!     }
//! });
//! let verifier = Verifier::new(std::env::var("CHEKT_WEBHOOK_SECRET")?)?;
//! let app = Router::new()
//!     .route("/webhooks/chekt", post(receive))
//!     .with_state(AppState { verifier, queue });
//! # let _: Router = app;
//! # Ok(()) }
//! ```
//!
//! With a [`ReplayGuard`](super::ReplayGuard), call
//! [`ReplayGuard::forget`](super::ReplayGuard::forget) with the delivery's
//! id when you answer with an error, so CHeKT's retry is not taken for a
//! replay (see `examples/webhook_receiver.rs`).
//!
//! To handle failures yourself (to log them, say), take
//! `Result<VerifiedWebhook, WebhookRejection>` instead.

use std::ops::Deref;

use ::axum::body::Bytes;
use ::axum::extract::rejection::BytesRejection;
use ::axum::extract::{FromRef, FromRequest, Request};
use ::axum::response::{IntoResponse, Response};
use http::HeaderValue;
use http::header::CONTENT_TYPE;

use super::{Delivery, Verifier, WebhookError, WebhookHeaders};

/// Extracts a verified, parsed [`Delivery`] from a request, using the
/// [`Verifier`] in the router's state.
///
/// The state must provide a `Verifier` through [`FromRef`]: either the state
/// *is* a `Verifier` (`Router::with_state(verifier)`), or implement
/// `FromRef<YourState> for Verifier`. It consumes the body, so it must be
/// the handler's last argument.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedWebhook(pub Delivery);

impl VerifiedWebhook {
    /// The delivery.
    ///
    /// ```
    /// use axum::{Router, http::StatusCode, routing::post};
    /// use chekt_api::webhooks::{Verifier, WebhookEvent, axum::VerifiedWebhook};
    ///
    /// async fn receive(webhook: VerifiedWebhook) -> StatusCode {
    ///     match webhook.into_inner().into_event() {
    ///         WebhookEvent::AlarmCreated(alarm) => println!("alarm {:?}", alarm.data.and_then(|d| d.alarm_id)),
    ///         other => println!("ignoring {}", other.event_type()),
    ///     }
    ///     StatusCode::OK
    /// }
    ///
    /// let app: Router = Router::new()
    ///     .route("/webhooks/chekt", post(receive))
    ///     .with_state(Verifier::new("whsec_test")?);
    /// # let _ = app;
    /// # Ok::<(), chekt_api::webhooks::ConfigError>(())
    /// ```
    pub fn into_inner(self) -> Delivery {
        self.0
    }
}

impl Deref for VerifiedWebhook {
    type Target = Delivery;

    fn deref(&self) -> &Delivery {
        &self.0
    }
}

impl<S> FromRequest<S> for VerifiedWebhook
where
    S: Send + Sync,
    Verifier: FromRef<S>,
{
    type Rejection = WebhookRejection;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let verifier = Verifier::from_ref(state);
        let (mut parts, body) = req.into_parts();
        let headers = std::mem::take(&mut parts.headers);
        // Reject a request without usable headers before reading its body.
        let signed = WebhookHeaders::from_header_map(&headers)?;
        let body = Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(WebhookRejection::Body)?;
        let delivery = verifier.verify_parts(signed.signature, signed.timestamp, &body)?;
        Ok(Self(delivery))
    }
}

/// Why [`VerifiedWebhook`] refused a request; answers it when returned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookRejection {
    /// The delivery failed verification or parsing. Answered with
    /// [`WebhookError::status`] and a JSON body
    /// `{"error": <code>, "message": <what to check>}`.
    #[error(transparent)]
    Invalid(#[from] WebhookError),
    /// The body could not be read (too large for the route's body limit, or
    /// the connection failed). Answered as axum answers it.
    #[error(transparent)]
    Body(BytesRejection),
}

impl WebhookRejection {
    /// The verification error, if that is what this is.
    ///
    /// ```
    /// use axum::{http::StatusCode, response::{IntoResponse, Response}};
    /// use chekt_api::webhooks::axum::{VerifiedWebhook, WebhookRejection};
    ///
    /// async fn receive(webhook: Result<VerifiedWebhook, WebhookRejection>) -> Response {
    ///     match webhook {
    ///         Ok(VerifiedWebhook(delivery)) => {
    ///             println!("{}", delivery.event_type());
    ///             StatusCode::OK.into_response()
    ///         }
    ///         Err(rejection) => {
    ///             if let Some(err) = rejection.webhook_error() {
    ///                 eprintln!("rejected a webhook: {} ({err})", err.code());
    ///             }
    ///             rejection.into_response()
    ///         }
    ///     }
    /// }
    /// # let _ = axum::Router::<chekt_api::webhooks::Verifier>::new()
    /// #     .route("/webhooks/chekt", axum::routing::post(receive));
    /// ```
    pub fn webhook_error(&self) -> Option<&WebhookError> {
        match self {
            Self::Invalid(err) => Some(err),
            Self::Body(_) => None,
        }
    }
}

impl IntoResponse for WebhookRejection {
    fn into_response(self) -> Response {
        let err = match self {
            Self::Invalid(err) => err,
            Self::Body(rejection) => return rejection.into_response(),
        };
        // The full chain, e.g. the JSON error naming the failing field.
        let mut message = err.to_string();
        let mut source = std::error::Error::source(&err);
        while let Some(cause) = source {
            message.push_str(": ");
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        let body = serde_json::json!({ "error": err.code(), "message": message });
        let mut response = (err.status(), body.to_string()).into_response();
        response
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        response
    }
}
