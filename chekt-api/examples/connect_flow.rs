//! The connect flow: bind a dealer to your system's identifier with the
//! user-authorized access token CHeKT gave you (`PUT
//! /partner/v1/dealers/connect`, scope `dealers:connect`).
//!
//! ```text
//! CHEKT_AUTHORIZATION_TOKEN=… cargo run -p chekt-api --example connect_flow -- "Acme Security" acme-1
//! ```

use chekt_api::prelude::*;
use chekt_api::types::ConnectDealerRequestDto;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(company_name), Some(external_dealer_id)) = (args.next(), args.next()) else {
        return Err("usage: connect_flow <company name> <your dealer id>".into());
    };
    let client = chekt_api::Client::builder()
        .base_url(
            std::env::var("CHEKT_BASE_URL").unwrap_or_else(|_| chekt_api::DEFAULT_BASE_URL.into()),
        )
        .bearer_token(
            std::env::var("CHEKT_AUTHORIZATION_TOKEN")
                .map_err(|_| "set CHEKT_AUTHORIZATION_TOKEN")?,
        )
        .build()?;
    let dealer = client
        .connect_dealer()
        .body(
            ConnectDealerRequestDto::builder()
                .company_name(company_name)
                .external_dealer_id(external_dealer_id),
        )
        .send()
        .await?;
    println!(
        "connected dealer {:?} ({:?})",
        dealer.dealer_id, dealer.company_name
    );
    Ok(())
}
