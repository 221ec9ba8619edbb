//! A CHeKT webhook receiver: verify, acknowledge at once, work later.
//!
//! ```text
//! CHEKT_WEBHOOK_SECRET=whsec_… cargo run -p chekt-api --example webhook_receiver --features axum
//! ```
//!
//! During a secret rotation, also set `CHEKT_WEBHOOK_SECRET_PREVIOUS`. Then
//! point the app's webhook URL at `https://<your tunnel>/webhooks/chekt`
//! (e.g. `ngrok http 3000`).
//!
//! CHeKT waits at most 30 seconds for the `200`, so the handler only
//! verifies the delivery (the `VerifiedWebhook` extractor) and pushes it
//! onto a bounded `tokio::sync::mpsc` queue; a background task does the
//! slow work. When the queue is full the handler answers `503` and forgets
//! the event id in the replay guard, so CHeKT's retry is accepted.
//!
//! The queue lives in memory: deliveries acknowledged but not yet processed
//! are lost if the process dies. Where that matters, write the delivery to
//! durable storage (a table keyed by `delivery.id`) before answering.

use std::sync::Arc;

use axum::Router;
use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::routing::post;
use chekt_api::webhooks::WebhookEvent;
use chekt_api::webhooks::axum::VerifiedWebhook;
use chekt_api::webhooks::{Delivery, ReplayGuard, SigningSecret, Verifier};
use tokio::sync::mpsc;

/// The router's state.
#[derive(Clone)]
struct AppState {
    verifier: Verifier,
    replay_guard: Arc<ReplayGuard>,
    queue: mpsc::Sender<Delivery>,
}

/// How the extractor finds the verifier.
impl FromRef<AppState> for Verifier {
    fn from_ref(state: &AppState) -> Self {
        state.verifier.clone()
    }
}

/// Verified by the extractor before this runs; only enqueues.
async fn receive(
    State(state): State<AppState>,
    VerifiedWebhook(delivery): VerifiedWebhook,
) -> StatusCode {
    let id = delivery.id.clone();
    match state.queue.try_send(delivery) {
        Ok(()) => StatusCode::OK,
        Err(err) => {
            // Not accepted after all: let the retry through the guard.
            if let Some(id) = id {
                state.replay_guard.forget(&id);
            }
            eprintln!("webhook queue unavailable ({err}); asking CHeKT to retry");
            StatusCode::SERVICE_UNAVAILABLE
        }
    }
}

/// The slow part, off the request path.
async fn process(mut jobs: mpsc::Receiver<Delivery>) {
    while let Some(delivery) = jobs.recv().await {
        // The event schemas are inferred, so every field but `type` is
        // optional: a payload without one still arrives typed.
        let text = |field: Option<&String>| field.map_or("?", String::as_str).to_string();
        match &delivery.event {
            WebhookEvent::AlarmCreated(event) => {
                let data = event.data.as_ref();
                println!(
                    "alarm {} ({}) on device {} at site {}",
                    text(data.and_then(|d| d.alarm_id.as_ref())),
                    text(data.and_then(|d| d.alarm_type.as_ref())),
                    text(data.and_then(|d| d.device_id.as_ref())),
                    text(data.and_then(|d| d.site_id.as_ref())),
                )
            }
            WebhookEvent::AlarmResolved(event) => {
                let data = event.data.as_ref();
                println!(
                    "alarm {} resolved: {}",
                    text(data.and_then(|d| d.alarm_id.as_ref())),
                    data.and_then(|d| d.resolution.as_deref())
                        .unwrap_or("no resolution given")
                )
            }
            WebhookEvent::AlarmDispatched(event) => {
                println!(
                    "responders dispatched for alarm {}",
                    text(event.data.as_ref().and_then(|d| d.alarm_id.as_ref()))
                )
            }
            WebhookEvent::SnapshotCreated(event) => {
                let data = event.data.as_ref();
                println!(
                    "snapshot {} from device {}: {:?}",
                    text(data.and_then(|d| d.snapshot_id.as_ref())),
                    text(data.and_then(|d| d.device_id.as_ref())),
                    data.and_then(|d| d.image_url.as_ref())
                )
            }
            // A type this version does not know yet, or a known type whose
            // payload does not match its schema: still verified, raw JSON.
            other => match &delivery.mismatch {
                Some(mismatch) => println!("unparsed {}: {mismatch}", other.event_type()),
                None => println!("unhandled event type {}", other.event_type()),
            },
        }
        if delivery.secret_index > 0 {
            println!(
                "note: signed with a previous secret (#{})",
                delivery.secret_index
            );
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let secret = std::env::var("CHEKT_WEBHOOK_SECRET")
        .map_err(|_| "set CHEKT_WEBHOOK_SECRET to the app's webhook signing secret")?;
    let previous = std::env::var("CHEKT_WEBHOOK_SECRET_PREVIOUS").ok();

    let replay_guard = Arc::new(ReplayGuard::default());
    let verifier = Verifier::builder()
        .secret(SigningSecret::new(secret))
        .secrets(previous.map(SigningSecret::new))
        .replay_guard(Arc::clone(&replay_guard))
        .build()?;

    let (queue, jobs) = mpsc::channel(1024);
    tokio::spawn(process(jobs));

    let app = Router::new()
        .route("/webhooks/chekt", post(receive))
        .with_state(AppState {
            verifier,
            replay_guard,
            queue,
        });

    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    println!(
        "listening on http://{}/webhooks/chekt",
        listener.local_addr()?
    );
    axum::serve(listener, app).await?;
    Ok(())
}
