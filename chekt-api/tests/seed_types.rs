//! The generated types read what the seeds and RFC 6749 allow (issue 17):
//! a token response without `expires_in`, the token endpoint's §5.2 error
//! bodies, and inferred response bodies without the fields we guessed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chekt_api::types::{self, ErrorCode};

#[test]
fn a_token_response_without_expires_in_decodes() {
    let token: types::TokenResponse =
        serde_json::from_str(r#"{"access_token":"at","token_type":"Bearer"}"#).unwrap();
    assert_eq!(token.expires_in, None);
    // `token_type` is required by RFC 6749 §5.1.
    assert!(serde_json::from_str::<types::TokenResponse>(r#"{"access_token":"at"}"#).is_err());
}

#[test]
fn inferred_response_fields_may_be_absent() {
    let dealer: types::ResponseDealerDto = serde_json::from_str(r#"{"dealer_id":42}"#).unwrap();
    assert_eq!(dealer.dealer_id, Some(42));
    assert_eq!(dealer.company_name, None);
    let device: types::ResponseDeviceDto = serde_json::from_str("{}").unwrap();
    assert_eq!(device.device_id, None);
}

/// The spec's side of item 3: `/oauth/token` errors have their own schema,
/// which reads RFC 6749 §5.2 bodies and the common error shape alike. (The
/// client's mapping of these to matchable `chekt_api::Error` values is
/// separate work.)
#[test]
fn the_token_endpoint_error_schema_reads_rfc_6749_and_common_bodies() {
    let oauth: types::OAuthError = serde_json::from_str(
        r#"{"error":"invalid_grant","error_description":"The refresh token is expired or revoked."}"#,
    )
    .unwrap();
    let common: types::ApiError = oauth.into();
    assert_eq!(common.code, Some(ErrorCode::InvalidGrant));
    assert_eq!(common.message, "The refresh token is expired or revoked.");

    let gateway: types::OAuthError = serde_json::from_str(
        r#"{"error":"Too Many Requests","message":"Rate limit exceeded.","code":"rate_limited"}"#,
    )
    .unwrap();
    let common: types::ApiError = gateway.into();
    assert_eq!(common.code, Some(ErrorCode::RateLimited));
    assert_eq!(common.message, "Rate limit exceeded.");
    assert!(serde_json::from_str::<types::OAuthError>(r#"{"error_description":"x"}"#).is_err());
}
