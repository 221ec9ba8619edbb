//! Public app API with an API key: page through every device.
//!
//! ```text
//! CHEKT_API_KEY=chekt_test_… cargo run -p chekt-api --example api_key
//! ```
//!
//! The key's shape (`chekt_live_` / `chekt_test_`) is checked when the
//! client is built, and its environment is printed.

use chekt_api::auth::ApiKey;
use chekt_api::pagination::CursorPagedExt;
use chekt_api::prelude::*;
use futures::TryStreamExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let key = std::env::var("CHEKT_API_KEY").map_err(|_| "set CHEKT_API_KEY")?;
    println!("environment: {:?}", ApiKey::new(&key)?.environment());
    let client = chekt_api::Client::builder()
        .base_url(
            std::env::var("CHEKT_BASE_URL").unwrap_or_else(|_| chekt_api::DEFAULT_BASE_URL.into()),
        )
        .api_key(key)
        .build()?;
    let mut devices = client.list_public_devices().into_stream();
    let mut count = 0;
    while let Some(device) = devices.try_next().await? {
        count += 1;
        println!("{device:?}");
    }
    println!("{count} devices");
    Ok(())
}
