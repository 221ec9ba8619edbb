//! Partner API with OAuth 2.0 client credentials: list a dealer's sites.
//!
//! ```text
//! CHEKT_CLIENT_ID=… CHEKT_CLIENT_SECRET=… CHEKT_DEALER_ID=42 \
//!     cargo run -p chekt-api --example client_credentials
//! ```
//!
//! `CHEKT_BASE_URL` points it at a sandbox instead of production. The token
//! is fetched once, cached, and refreshed a minute before it expires.

use chekt_api::prelude::*;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = chekt_api::Client::builder()
        .base_url(env_or("CHEKT_BASE_URL", chekt_api::DEFAULT_BASE_URL))
        .client_credentials(require("CHEKT_CLIENT_ID")?, require("CHEKT_CLIENT_SECRET")?)
        .scope("sites:read")
        .build()?;
    let dealer_id: i64 = require("CHEKT_DEALER_ID")?.parse()?;
    let sites = client
        .list_sites()
        .dealer_id(dealer_id)
        .limit(50)
        .send()
        .await?;
    for site in sites.iter() {
        println!("{:>8}  {}  ({})", site.site_id, site.name, site.timezone);
    }
    if let Some(window) = client.last_rate_limit() {
        println!(
            "rate limit: {:?} of {:?} left",
            window.remaining, window.limit
        );
    }
    Ok(())
}

fn require(name: &str) -> Result<String, String> {
    std::env::var(name).map_err(|_| format!("set {name}"))
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}
