//! OAuth 2.0 authorization code + PKCE (preview): a user approves scopes in
//! the browser; the app keeps their refresh token (replaced only when a
//! token response brings a new one).
//!
//! ```text
//! CHEKT_CLIENT_ID=… CHEKT_REDIRECT_URI=https://app.example.com/callback \
//!     cargo run -p chekt-api --example authorization_code
//! ```
//!
//! The example prints the URL to open, then asks for the `code` and `state`
//! from the redirect. A real app keeps `PendingAuthorization` (its state
//! and verifier) in the user's session and stores refresh tokens in a
//! database or secret manager by implementing `TokenStore`.

use std::io::BufRead;
use std::sync::Arc;

use chekt_api::auth::authorization_code::{AuthorizationCode, MemoryTokenStore};
use chekt_api::prelude::*;
use chekt_api::types::ConnectDealerRequestDto;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env = |name: &str| std::env::var(name).map_err(|_| format!("set {name}"));
    let mut flow = AuthorizationCode::new(env("CHEKT_CLIENT_ID")?, env("CHEKT_REDIRECT_URI")?);
    if let Ok(secret) = std::env::var("CHEKT_CLIENT_SECRET") {
        flow = flow.client_secret(secret);
    }
    let client = chekt_api::Client::builder()
        .base_url(
            std::env::var("CHEKT_BASE_URL").unwrap_or_else(|_| chekt_api::DEFAULT_BASE_URL.into()),
        )
        .authorization_code(flow.clone(), Arc::new(MemoryTokenStore::default()))
        .build()?;

    let pending = flow.authorize_url(&["dealers:connect"]);
    println!(
        "Open this URL, approve, and paste the `code` and `state` from the redirect:\n{}",
        pending.url()
    );
    let mut lines = std::io::stdin().lock().lines();
    let mut ask = |what: &str| -> Result<String, Box<dyn std::error::Error>> {
        println!("{what}:");
        Ok(lines.next().ok_or("no input")??.trim().to_string())
    };
    let (code, state) = (ask("code")?, ask("state")?);
    client
        .complete_authorization(pending, &code, &state)
        .await?;

    let dealer = client
        .connect_dealer()
        .body(
            ConnectDealerRequestDto::builder()
                .company_name(ask("company name")?)
                .external_dealer_id(ask("your dealer id")?),
        )
        .send()
        .await?;
    println!("connected dealer {:?}", dealer.dealer_id);
    Ok(())
}
