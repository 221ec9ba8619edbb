//! Assertion tokens (preview, seed 000): the service signs a short-lived
//! ES256 JWT and exchanges it at `POST /oauth/token` with the
//! `urn:ietf:params:oauth:grant-type:jwt-bearer` grant. No long-lived
//! secret lives on disk: the private key can stay in a KMS or HSM behind
//! [`AssertionSigner`].
//!
//! ```no_run
//! # #[cfg(feature = "p256")]
//! # fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use chekt_api::auth::assertion::{Assertion, P256Signer};
//!
//! let signer = P256Signer::from_jwk("partner-key-1", &std::env::var("PARTNER_PRIVATE_JWK")?)?;
//! let client = chekt_api::Client::builder()
//!     .assertion(Assertion::new("your-partner-id", signer))
//!     .build()?;
//! # let _ = client;
//! # Ok(())
//! # }
//! ```

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures::future::BoxFuture;
use secrecy::SecretString;

use super::token::{Grant, TokenError};

/// The OAuth grant type of an assertion exchange (RFC 7523).
pub const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// How long a signed assertion is valid: five minutes, as the seed says.
pub const ASSERTION_LIFETIME: Duration = Duration::from_secs(5 * 60);

/// Why an assertion could not be signed.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SignError(pub String);

/// Signs assertions with ES256 (ECDSA P-256 over SHA-256).
///
/// Implement it to keep the key in a KMS: `sign` receives the JWS signing
/// input (`base64url(header).base64url(claims)`) and returns the 64-byte
/// `r‖s` signature (a KMS that returns DER must convert it). With the `p256`
/// feature, [`P256Signer`] signs locally.
pub trait AssertionSigner: Send + Sync + 'static {
    /// The key id (`kid`) under which CHeKT knows the public key.
    fn key_id(&self) -> &str;

    /// Signs `message` with the private key.
    fn sign<'a>(&'a self, message: &'a [u8]) -> BoxFuture<'a, Result<Vec<u8>, SignError>>;
}

/// The settings of the assertion grant: who signs, as whom, for whom.
#[derive(Clone)]
pub struct Assertion {
    issuer: String,
    audience: Option<String>,
    signer: Arc<dyn AssertionSigner>,
}

impl std::fmt::Debug for Assertion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Assertion")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("key_id", &self.signer.key_id())
            .finish()
    }
}

impl Assertion {
    /// Assertions issued by (and about) `partner_id`, signed by `signer`.
    pub fn new(partner_id: impl Into<String>, signer: impl AssertionSigner) -> Self {
        Assertion {
            issuer: partner_id.into(),
            audience: None,
            signer: Arc::new(signer),
        }
    }

    /// The `aud` claim (default: the client's base URL, e.g.
    /// `https://api.chekt.com`).
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    pub(crate) fn with_default_audience(mut self, base_url: &str) -> Self {
        self.audience.get_or_insert_with(|| base_url.to_string());
        self
    }

    /// Signs one assertion valid from `now` for [`ASSERTION_LIFETIME`].
    pub async fn sign_at(&self, now: SystemTime) -> Result<String, TokenError> {
        let iat = now
            .duration_since(UNIX_EPOCH)
            .map_err(|_| TokenError::Signing("the clock is before 1970".to_string()))?
            .as_secs();
        let header = serde_json::json!({
            "alg": "ES256",
            "typ": "JWT",
            "kid": self.signer.key_id(),
        });
        let claims = serde_json::json!({
            "iss": self.issuer,
            "sub": self.issuer,
            "aud": self.audience.as_deref().unwrap_or(crate::DEFAULT_BASE_URL),
            "iat": iat,
            "exp": iat + ASSERTION_LIFETIME.as_secs(),
            "jti": uuid::Uuid::new_v4().to_string(),
        });
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature = self
            .signer
            .sign(signing_input.as_bytes())
            .await
            .map_err(|e| TokenError::Signing(e.0))?;
        if signature.len() != 64 {
            return Err(TokenError::Signing(format!(
                "an ES256 signature is 64 bytes (r‖s), the signer returned {}",
                signature.len()
            )));
        }
        Ok(format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature)
        ))
    }
}

impl Grant for Assertion {
    async fn form(&self) -> Result<Vec<(&'static str, SecretString)>, TokenError> {
        let jwt = self.sign_at(SystemTime::now()).await?;
        Ok(vec![
            ("grant_type", SecretString::from(JWT_BEARER_GRANT)),
            ("assertion", SecretString::from(jwt)),
        ])
    }
}

/// Signs assertions locally with a P-256 private key (feature `p256`).
#[cfg(feature = "p256")]
pub struct P256Signer {
    key_id: String,
    key: p256::ecdsa::SigningKey,
}

#[cfg(feature = "p256")]
impl std::fmt::Debug for P256Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("P256Signer")
            .field("key_id", &self.key_id)
            .field("key", &"[redacted]")
            .finish()
    }
}

#[cfg(feature = "p256")]
impl P256Signer {
    /// A signer from a PKCS#8 PEM private key (`-----BEGIN PRIVATE KEY-----`).
    pub fn from_pkcs8_pem(key_id: impl Into<String>, pem: &str) -> Result<Self, SignError> {
        use p256::pkcs8::DecodePrivateKey;
        let key = p256::ecdsa::SigningKey::from_pkcs8_pem(pem)
            .map_err(|e| SignError(format!("not a PKCS#8 P-256 private key: {e}")))?;
        Ok(P256Signer {
            key_id: key_id.into(),
            key,
        })
    }

    /// A signer from a private JWK (`{"kty":"EC","crv":"P-256","d":…}`),
    /// as in the seed's example.
    pub fn from_jwk(key_id: impl Into<String>, jwk: &str) -> Result<Self, SignError> {
        let secret = p256::SecretKey::from_jwk_str(jwk)
            .map_err(|_| SignError("not a private P-256 JWK".to_string()))?;
        Ok(P256Signer {
            key_id: key_id.into(),
            key: secret.into(),
        })
    }

    /// The public half, to publish as a JWK or check signatures with.
    pub fn verifying_key(&self) -> p256::ecdsa::VerifyingKey {
        *self.key.verifying_key()
    }
}

#[cfg(feature = "p256")]
impl AssertionSigner for P256Signer {
    fn key_id(&self) -> &str {
        &self.key_id
    }

    fn sign<'a>(&'a self, message: &'a [u8]) -> BoxFuture<'a, Result<Vec<u8>, SignError>> {
        use p256::ecdsa::signature::Signer;
        let signature: p256::ecdsa::Signature = self.key.sign(message);
        Box::pin(std::future::ready(Ok(signature.to_bytes().to_vec())))
    }
}
