//! Assertion tokens and the authorization code flow against a local mock
//! token endpoint. Bodies come from `spec/recordings`, except the RFC 6749
//! §5.2 error bodies the flows are tested against.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chekt_api::auth::TokenError;
use chekt_api::auth::assertion::{Assertion, AssertionSigner, SignError};
use chekt_api::auth::authorization_code::{AuthorizationCode, MemoryTokenStore, TokenStore};
use chekt_api::prelude::*;
use chekt_api::types::ErrorCode;
use chekt_api::{BuildError, Client, Error};
use futures::future::BoxFuture;
use secrecy::ExposeSecret;
use support::recordings;
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// The recorded refresh-grant token response, handing out `access` (and
/// `refresh`, when given).
fn token(access: &str, refresh: Option<&str>) -> ResponseTemplate {
    let mut body = recordings::body("create_token", "200-refresh-token.json");
    body["access_token"] = access.into();
    if let Some(refresh) = refresh {
        body["refresh_token"] = refresh.into();
    }
    ResponseTemplate::new(200).set_body_json(body)
}

/// The recorded `token_expired` answer to an expired access token.
fn token_expired() -> ResponseTemplate {
    recordings::recording("get_dealer", "401-token-expired.json").template(&[])
}

fn form(request: &Request) -> std::collections::HashMap<String, String> {
    form_urlencoded::parse(&request.body).into_owned().collect()
}

async fn token_requests(server: &MockServer) -> Vec<std::collections::HashMap<String, String>> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/oauth/token")
        .map(form)
        .collect()
}

async fn mount_sites(server: &MockServer, bearer: &str) {
    Mock::given(method("GET"))
        .and(path("/partner/v1/dealers/42/sites"))
        .and(header("authorization", format!("Bearer {bearer}").as_str()))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(recordings::body("list_sites", "200-first-page.json")),
        )
        .mount(server)
        .await;
}

/// A signer standing in for a KMS.
struct Kms(Result<Vec<u8>, &'static str>);

impl AssertionSigner for Kms {
    fn key_id(&self) -> &str {
        "kms-key-7"
    }
    fn sign<'a>(&'a self, _message: &'a [u8]) -> BoxFuture<'a, Result<Vec<u8>, SignError>> {
        let result = self.0.clone().map_err(SignError::new);
        Box::pin(async move { result })
    }
}

#[tokio::test]
async fn a_failing_signer_is_an_auth_error_and_nothing_is_sent() {
    let server = MockServer::start().await;
    for (signer, expected) in [
        (
            Kms(Err("kms unavailable")),
            "cannot sign the assertion: kms unavailable",
        ),
        (
            Kms(Ok(vec![0; 70])),
            "an ES256 signature is 64 bytes (r‖s), the signer returned 70",
        ),
    ] {
        let client = Client::builder()
            .base_url(server.uri())
            .assertion(Assertion::new("partner-1", signer))
            .build()
            .unwrap();
        let err = client.list_sites().dealer_id(42).send().await.unwrap_err();
        assert!(
            matches!(&err, Error::Token(TokenError::Signing(_))),
            "{err:?}"
        );
        assert_eq!(err.status(), None, "a local failure has no status");
        assert!(err.to_string().contains(expected), "{err}");
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_kms_signature_is_assembled_into_a_compact_jwt() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token("at-kms", None))
        .mount(&server)
        .await;
    mount_sites(&server, "at-kms").await;
    let client = Client::builder()
        .base_url(server.uri())
        .assertion(
            Assertion::new("partner-1", Kms(Ok(vec![7; 64]))).audience("https://api.chekt.com"),
        )
        .build()
        .unwrap();
    client.list_sites().dealer_id(42).send().await.unwrap();
    let forms = token_requests(&server).await;
    let jwt = &forms[0]["assertion"];
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3);
    assert_eq!(URL_SAFE_NO_PAD.decode(parts[2]).unwrap(), vec![7; 64]);
    let claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    assert_eq!(
        claims["aud"], "https://api.chekt.com",
        "an explicit audience wins"
    );
}

#[test]
fn client_credentials_and_assertion_together_are_refused() {
    let err = Client::builder()
        .client_credentials("id", "secret")
        .assertion(Assertion::new("partner-1", Kms(Ok(vec![0; 64]))))
        .build()
        .unwrap_err();
    assert!(matches!(err, BuildError::ConflictingGrants), "{err}");
}

#[cfg(feature = "p256")]
mod p256_signer {
    use super::*;
    use chekt_api::auth::assertion::{JWT_BEARER_GRANT, P256Signer};
    use p256::ecdsa::signature::Verifier;

    // A throwaway test key (openssl ecparam -name prime256v1 -genkey |
    // openssl pkcs8 -topk8 -nocrypt), and the same key as a JWK.
    const PEM: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgPGvPls0Hj7XktQEM
fUP9eE3WPYTggK+VwnUeN9K12LehRANCAASADEg4i2ih8yhMs3Ye/b8AuPn37e34
TMlby7093tBPHHkK/otYBKJlxOqus10DO1zmKKLKtJRVozYZ6WXlU91Y
-----END PRIVATE KEY-----";
    const JWK: &str = r#"{"kty":"EC","crv":"P-256","d":"PGvPls0Hj7XktQEMfUP9eE3WPYTggK-VwnUeN9K12Lc","x":"gAxIOItoofMoTLN2Hv2_ALj59-3t-EzJW8u9Pd7QTxw","y":"eQr-i1gEomXE6q6zXQM7XOYoosq0lFWjNhnpZeVT3Vg"}"#;

    #[tokio::test]
    async fn the_jwt_bearer_grant_sends_a_valid_es256_assertion() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/oauth/token"))
            .and(body_string_contains(
                "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer",
            ))
            .respond_with(token("at-assert", None))
            .expect(1)
            .mount(&server)
            .await;
        mount_sites(&server, "at-assert").await;
        let signer = P256Signer::from_pkcs8_pem("partner-key-1", PEM).unwrap();
        let public = signer.verifying_key();
        let client = Client::builder()
            .base_url(server.uri())
            .assertion(Assertion::new("your-partner-id", signer))
            .build()
            .unwrap();
        // Two calls, one token: the assertion's token is cached.
        client.list_sites().dealer_id(42).send().await.unwrap();
        client.list_sites().dealer_id(42).send().await.unwrap();

        let forms = token_requests(&server).await;
        assert_eq!(forms[0]["grant_type"], JWT_BEARER_GRANT);
        let jwt = &forms[0]["assertion"];
        let (signing_input, signature) = jwt.rsplit_once('.').unwrap();
        let (header, claims) = signing_input.split_once('.').unwrap();
        let json = |s: &str| -> serde_json::Value {
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(s).unwrap()).unwrap()
        };
        let header = json(header);
        assert_eq!(header["alg"], "ES256");
        assert_eq!(header["kid"], "partner-key-1");
        let claims = json(claims);
        assert_eq!(claims["iss"], "your-partner-id");
        assert_eq!(claims["sub"], "your-partner-id");
        assert_eq!(
            claims["aud"],
            server.uri(),
            "the audience defaults to the base URL"
        );
        assert_eq!(
            claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(),
            300
        );
        assert!(claims["jti"].as_str().is_some_and(|j| j.len() == 36));
        let signature =
            p256::ecdsa::Signature::from_slice(&URL_SAFE_NO_PAD.decode(signature).unwrap())
                .unwrap();
        public
            .verify(signing_input.as_bytes(), &signature)
            .expect("a valid ES256 signature");
    }

    #[test]
    fn the_jwk_and_the_pem_are_the_same_key_and_bad_keys_are_refused() {
        let from_pem = P256Signer::from_pkcs8_pem("k", PEM).unwrap();
        let from_jwk = P256Signer::from_jwk("k", JWK).unwrap();
        assert_eq!(from_pem.verifying_key(), from_jwk.verifying_key());
        assert!(
            !format!("{from_pem:?}").contains("PGvPls0"),
            "the key is redacted"
        );
        let err = P256Signer::from_pkcs8_pem(
            "k",
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("not a PKCS#8 P-256 private key"),
            "{err}"
        );
        let err = P256Signer::from_jwk("k", r#"{"kty":"EC","crv":"P-256"}"#).unwrap_err();
        assert_eq!(err.to_string(), "not a private P-256 JWK");
    }
}

const REDIRECT: &str = "https://app.example.com/callback";

fn user_client(server: &MockServer, store: Arc<MemoryTokenStore>) -> (Client, AuthorizationCode) {
    let flow = AuthorizationCode::new("app-1", REDIRECT).client_secret("cs_app_secret_1234");
    let client = Client::builder()
        .base_url(server.uri())
        .authorization_code(flow.clone(), store)
        .build()
        .unwrap();
    (client, flow)
}

async fn connect(client: &Client) -> Result<(), Error> {
    let body = chekt_api::types::ConnectDealerRequestDto::builder()
        .company_name("Acme Security")
        .external_dealer_id("acme-1");
    client.connect_dealer().body(body).send().await.map(|_| ())
}

fn dealer() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(recordings::body("connect_dealer", "200-ok.json"))
}

#[tokio::test]
async fn code_exchange_then_refresh_with_a_rotated_refresh_token() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(body_string_contains("grant_type=authorization_code"))
        .respond_with(token("at-1", Some("rt-1")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(body_string_contains("refresh_token=rt-1"))
        .respond_with(token("at-2", Some("rt-2")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(body_string_contains("refresh_token=rt-2"))
        .respond_with(token("at-3", Some("rt-3")))
        .expect(1)
        .mount(&server)
        .await;
    // at-1 is answered with token_expired once; at-2 and at-3 work.
    Mock::given(method("PUT"))
        .and(path("/partner/v1/dealers/connect"))
        .and(header("authorization", "Bearer at-1"))
        .respond_with(token_expired())
        .mount(&server)
        .await;
    for at in ["at-2", "at-3"] {
        Mock::given(method("PUT"))
            .and(path("/partner/v1/dealers/connect"))
            .and(header("authorization", format!("Bearer {at}").as_str()))
            .respond_with(dealer())
            .mount(&server)
            .await;
    }

    let store = Arc::new(MemoryTokenStore::default());
    let (client, flow) = user_client(&server, store.clone());
    let pending = flow.authorize_url(&["dealers:connect"]);
    let url = reqwest::Url::parse(pending.url()).unwrap();
    let query: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(
        url.as_str().split('?').next(),
        Some("https://auth.chekt.com/oauth/authorize")
    );
    assert_eq!(query["client_id"], "app-1");
    assert_eq!(query["scope"], "dealers:connect");
    assert_eq!(query["code_challenge_method"], "S256");
    let verifier = pending.verifier().expose_secret().to_string();
    assert_eq!(
        query["code_challenge"],
        chekt_api::auth::authorization_code::pkce_challenge(&verifier)
    );
    let state = pending.state().to_string();

    client
        .complete_authorization(pending, "code-xyz", &state)
        .await
        .unwrap();
    let exchange = &token_requests(&server).await[0];
    assert_eq!(exchange["code"], "code-xyz");
    assert_eq!(exchange["code_verifier"], verifier);
    assert_eq!(exchange["redirect_uri"], REDIRECT);
    assert_eq!(exchange["client_secret"], "cs_app_secret_1234");
    assert_eq!(
        store
            .load()
            .await
            .unwrap()
            .unwrap()
            .refresh_token
            .expose_secret(),
        "rt-1"
    );

    // token_expired on at-1: refreshed with rt-1 and retried once.
    connect(&client).await.unwrap();
    assert_eq!(
        store
            .load()
            .await
            .unwrap()
            .unwrap()
            .refresh_token
            .expose_secret(),
        "rt-2",
        "rotated"
    );

    // A restarted process with the same store refreshes with the rotated token.
    let (restarted, _) = user_client(&server, store.clone());
    connect(&restarted).await.unwrap();
    assert_eq!(
        store
            .load()
            .await
            .unwrap()
            .unwrap()
            .refresh_token
            .expose_secret(),
        "rt-3"
    );
}

/// Seed 000: refresh tokens last thirty days in a sliding window; the seeds
/// never say they rotate (issue 17, item 2). A refresh response without a
/// `refresh_token` keeps the current one, which the next refresh reuses.
#[tokio::test]
async fn a_refresh_without_a_new_refresh_token_keeps_the_current_one() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(body_string_contains("grant_type=authorization_code"))
        .respond_with(token("at-1", Some("rt-1")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(body_string_contains("refresh_token=rt-1"))
        .respond_with(token("at-2", None))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/partner/v1/dealers/connect"))
        .and(header("authorization", "Bearer at-1"))
        .respond_with(token_expired())
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/partner/v1/dealers/connect"))
        .and(header("authorization", "Bearer at-2"))
        .respond_with(dealer())
        .mount(&server)
        .await;

    let store = Arc::new(MemoryTokenStore::default());
    let (client, flow) = user_client(&server, store.clone());
    let pending = flow.authorize_url(&["dealers:connect"]);
    let state = pending.state().to_string();
    client
        .complete_authorization(pending, "code-xyz", &state)
        .await
        .unwrap();
    connect(&client).await.unwrap();
    let stored = || async {
        store
            .load()
            .await
            .unwrap()
            .unwrap()
            .refresh_token
            .expose_secret()
            .to_string()
    };
    assert_eq!(
        stored().await,
        "rt-1",
        "no new refresh token: the current one stays"
    );

    // A restarted process refreshes with the same refresh token.
    let (restarted, _) = user_client(&server, store.clone());
    connect(&restarted).await.unwrap();
    assert_eq!(stored().await, "rt-1");
}

#[tokio::test]
async fn a_wrong_state_or_no_authorization_fails_before_any_token_request() {
    let server = MockServer::start().await;
    let (client, flow) = user_client(&server, Arc::new(MemoryTokenStore::default()));
    let pending = flow.authorize_url(&["dealers:connect"]);
    let err = client
        .complete_authorization(pending, "code", "forged-state")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::StateMismatch), "{err:?}");
    assert!(err.to_string().contains("state does not match"), "{err}");

    let err = connect(&client).await.unwrap_err();
    assert!(
        matches!(err, Error::Token(TokenError::NotAuthorized)),
        "{err:?}"
    );
    assert_eq!(err.status(), None);
    assert!(
        err.to_string()
            .contains("complete the authorization code flow first"),
        "{err}"
    );
    assert!(server.received_requests().await.unwrap().is_empty());

    let plain = Client::builder().base_url(server.uri()).build().unwrap();
    let err = plain
        .complete_authorization(flow.authorize_url(&[]), "c", "s")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest { .. }), "{err:?}");
}

#[tokio::test]
async fn a_refused_code_exchange_names_the_oauth_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(serde_json::json!({
            "error": "invalid_grant", "error_description": "The code has expired."
        })))
        .mount(&server)
        .await;
    let store = Arc::new(MemoryTokenStore::default());
    let (client, flow) = user_client(&server, store.clone());
    let pending = flow.authorize_url(&[]);
    let state = pending.state().to_string();
    let err = client
        .complete_authorization(pending, "old-code", &state)
        .await
        .unwrap_err();
    let Error::Token(TokenError::OAuth {
        status,
        error,
        description,
        ..
    }) = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(status.as_u16(), 400);
    assert_eq!(*error, ErrorCode::InvalidGrant);
    assert_eq!(err.code(), Some(&ErrorCode::InvalidGrant));
    assert_eq!(description.as_deref(), Some("The code has expired."));
    assert!(!err.to_string().contains("cs_app_secret_1234"));
    assert!(store.load().await.unwrap().is_none(), "nothing stored");
}
