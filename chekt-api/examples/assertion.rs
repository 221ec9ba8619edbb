//! Assertion tokens (preview): sign an ES256 JWT with your partner key and
//! exchange it for an access token, then read a dealer.
//!
//! ```text
//! PARTNER_ID=your-partner-id PARTNER_KEY_ID=partner-key-1 PARTNER_PRIVATE_JWK='{"kty":"EC",…}' \
//!     cargo run -p chekt-api --example assertion --features p256 -- 42
//! ```
//!
//! To keep the key in a KMS, implement `chekt_api::auth::assertion::AssertionSigner`
//! instead of using the local `P256Signer`.

use chekt_api::auth::assertion::{Assertion, P256Signer};
use chekt_api::prelude::*;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env = |name: &str| std::env::var(name).map_err(|_| format!("set {name}"));
    let signer = P256Signer::from_jwk(env("PARTNER_KEY_ID")?, &env("PARTNER_PRIVATE_JWK")?)?;
    let client = chekt_api::Client::builder()
        .base_url(
            std::env::var("CHEKT_BASE_URL").unwrap_or_else(|_| chekt_api::DEFAULT_BASE_URL.into()),
        )
        .assertion(Assertion::new(env("PARTNER_ID")?, signer))
        .build()?;
    let dealer_id: i64 = std::env::args()
        .nth(1)
        .ok_or("usage: assertion <dealer id>")?
        .parse()?;
    let dealer = client.get_dealer().dealer_id(dealer_id).send().await?;
    println!("{:?} {:?}", dealer.dealer_id, dealer.company_name);
    Ok(())
}
