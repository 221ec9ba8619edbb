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

pub use super::error::SignError;

/// A fresh `jti` claim (RFC 7519 §4.1.7: unique, so the server can refuse a
/// replayed assertion): a v4 UUID from the operating system's generator.
fn jti() -> Result<String, TokenError> {
    let mut bytes = [0; 16];
    getrandom::getrandom(&mut bytes).map_err(|e| {
        TokenError::Signing(SignError::with_source(
            "no random bytes for the jti",
            e.to_string(),
        ))
    })?;
    Ok(uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .to_string())
}

/// Signs assertions with ES256 (ECDSA P-256 over SHA-256).
///
/// Implement it to keep the key in a KMS: `sign` receives the JWS signing
/// input (`base64url(header).base64url(claims)`) and returns the 64-byte
/// `r‖s` signature (a KMS that returns DER must convert it). With the `p256`
/// feature, [`P256Signer`] signs locally.
///
/// ```
/// use chekt_api::auth::assertion::{Assertion, AssertionSigner, SignError};
/// use futures::future::BoxFuture;
///
/// /// A key held by a KMS; `sign` would call the KMS's API.
/// struct KmsSigner {
///     key_id: String,
/// }
///
/// impl AssertionSigner for KmsSigner {
///     fn key_id(&self) -> &str {
///         &self.key_id
///     }
///
///     fn sign<'a>(&'a self, message: &'a [u8]) -> BoxFuture<'a, Result<Vec<u8>, SignError>> {
///         Box::pin(async move {
///             # let _ = message;
///             # let signature = vec![0u8; 64];
///             // let signature = kms.sign(&self.key_id, "ECDSA_SHA_256", message).await?;
///             Ok(signature) // 64 bytes r‖s
///         })
///     }
/// }
///
/// let assertion = Assertion::new("your-partner-id", KmsSigner { key_id: "partner-key-1".into() });
/// # let _ = assertion;
/// ```
pub trait AssertionSigner: Send + Sync + 'static {
    /// The key id (`kid`) under which CHeKT knows the public key.
    ///
    /// ```
    /// # use chekt_api::auth::assertion::{AssertionSigner, SignError};
    /// # struct Kms;
    /// # impl AssertionSigner for Kms {
    /// #     fn key_id(&self) -> &str { "partner-key-1" }
    /// #     fn sign<'a>(&'a self, _: &'a [u8]) -> futures::future::BoxFuture<'a, Result<Vec<u8>, SignError>> {
    /// #         Box::pin(async { Ok(vec![0; 64]) })
    /// #     }
    /// # }
    /// # let signer = Kms;
    /// assert_eq!(signer.key_id(), "partner-key-1"); // the JWT header's `kid`
    /// ```
    fn key_id(&self) -> &str;

    /// Signs `message` with the private key.
    ///
    /// ```
    /// # use chekt_api::auth::assertion::{AssertionSigner, SignError};
    /// # struct Kms;
    /// # impl AssertionSigner for Kms {
    /// #     fn key_id(&self) -> &str { "partner-key-1" }
    /// #     fn sign<'a>(&'a self, _: &'a [u8]) -> futures::future::BoxFuture<'a, Result<Vec<u8>, SignError>> {
    /// #         Box::pin(async { Ok(vec![0; 64]) })
    /// #     }
    /// # }
    /// # let signer = Kms;
    /// # futures::executor::block_on(async {
    /// let signature = signer.sign(b"header.claims").await?;
    /// assert_eq!(signature.len(), 64); // r‖s
    /// # Ok::<(), SignError>(())
    /// # }).unwrap();
    /// ```
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
    /// Assertions issued by (and about) `partner_id`, signed by `signer`
    /// (a KMS-backed [`AssertionSigner`], or [`P256Signer`]).
    ///
    /// ```
    /// use chekt_api::auth::assertion::Assertion;
    /// # use chekt_api::auth::assertion::{AssertionSigner, SignError};
    /// # struct Kms;
    /// # impl AssertionSigner for Kms {
    /// #     fn key_id(&self) -> &str { "partner-key-1" }
    /// #     fn sign<'a>(&'a self, _: &'a [u8]) -> futures::future::BoxFuture<'a, Result<Vec<u8>, SignError>> {
    /// #         Box::pin(async { Ok(vec![0; 64]) })
    /// #     }
    /// # }
    ///
    /// let client = chekt_api::Client::builder()
    ///     .assertion(Assertion::new("your-partner-id", Kms))
    ///     .build()?;
    /// # let _ = client;
    /// # Ok::<(), chekt_api::BuildError>(())
    /// ```
    pub fn new(partner_id: impl Into<String>, signer: impl AssertionSigner) -> Self {
        Assertion {
            issuer: partner_id.into(),
            audience: None,
            signer: Arc::new(signer),
        }
    }

    /// The `aud` claim (default: the client's base URL, e.g.
    /// `https://api.chekt.com`).
    ///
    /// ```
    /// use chekt_api::auth::assertion::Assertion;
    /// # use chekt_api::auth::assertion::{AssertionSigner, SignError};
    /// # struct Kms;
    /// # impl AssertionSigner for Kms {
    /// #     fn key_id(&self) -> &str { "partner-key-1" }
    /// #     fn sign<'a>(&'a self, _: &'a [u8]) -> futures::future::BoxFuture<'a, Result<Vec<u8>, SignError>> {
    /// #         Box::pin(async { Ok(vec![0; 64]) })
    /// #     }
    /// # }
    ///
    /// let assertion = Assertion::new("your-partner-id", Kms).audience("https://api.chekt.com");
    /// assert!(format!("{assertion:?}").contains(r#"audience: Some("https://api.chekt.com")"#));
    /// ```
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    pub(crate) fn with_default_audience(mut self, base_url: &str) -> Self {
        self.audience.get_or_insert_with(|| base_url.to_string());
        self
    }

    /// Signs one assertion valid from `now` for [`ASSERTION_LIFETIME`]. The
    /// client calls this for each token request; call it yourself to
    /// inspect what is sent.
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use base64::Engine;
    /// use chekt_api::auth::assertion::Assertion;
    /// # use chekt_api::auth::assertion::{AssertionSigner, SignError};
    /// # struct Kms;
    /// # impl AssertionSigner for Kms {
    /// #     fn key_id(&self) -> &str { "partner-key-1" }
    /// #     fn sign<'a>(&'a self, _: &'a [u8]) -> futures::future::BoxFuture<'a, Result<Vec<u8>, SignError>> {
    /// #         Box::pin(async { Ok(vec![0; 64]) })
    /// #     }
    /// # }
    ///
    /// # futures::executor::block_on(async {
    /// let now = UNIX_EPOCH + Duration::from_secs(1_772_331_247);
    /// let jwt = Assertion::new("your-partner-id", Kms).sign_at(now).await?;
    /// let claims = jwt.split('.').nth(1).unwrap_or_default();
    /// let claims: serde_json::Value = serde_json::from_slice(
    ///     &base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(claims)?,
    /// )?;
    /// assert_eq!(claims["iss"], "your-partner-id");
    /// assert_eq!(claims["aud"], "https://api.chekt.com");
    /// assert_eq!(claims["exp"], 1_772_331_247 + 300);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub async fn sign_at(&self, now: SystemTime) -> Result<String, TokenError> {
        let iat = now
            .duration_since(UNIX_EPOCH)
            .map_err(|e| {
                TokenError::Signing(SignError::with_source("the clock is before 1970", e))
            })?
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
            "jti": jti()?,
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
            .map_err(TokenError::Signing)?;
        if signature.len() != 64 {
            return Err(TokenError::Signing(SignError::new(format!(
                "an ES256 signature is 64 bytes (r‖s), the signer returned {}",
                signature.len()
            ))));
        }
        Ok(format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature)
        ))
    }
}

impl Grant for Assertion {
    const SCHEMES: &'static [crate::operations::Scheme] = super::token::PartnerGrant::SCHEMES;

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
#[cfg_attr(docsrs, doc(cfg(feature = "p256")))]
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
    ///
    /// ```
    /// use chekt_api::auth::assertion::{AssertionSigner, P256Signer};
    /// # use p256::pkcs8::{EncodePrivateKey, LineEnding};
    /// # let pem = p256::SecretKey::from_slice(&[7; 32])?.to_pkcs8_pem(LineEnding::LF)?;
    ///
    /// // let pem = std::fs::read_to_string("/run/secrets/partner-key.pem")?;
    /// let signer = P256Signer::from_pkcs8_pem("partner-key-1", &pem)?;
    /// assert_eq!(signer.key_id(), "partner-key-1");
    /// assert!(P256Signer::from_pkcs8_pem("partner-key-1", "not a key").is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_pkcs8_pem(key_id: impl Into<String>, pem: &str) -> Result<Self, SignError> {
        use p256::pkcs8::DecodePrivateKey;
        let key = p256::ecdsa::SigningKey::from_pkcs8_pem(pem)
            .map_err(|e| SignError::with_source("not a PKCS#8 P-256 private key", e))?;
        Ok(P256Signer {
            key_id: key_id.into(),
            key,
        })
    }

    /// A signer from a private JWK (`{"kty":"EC","crv":"P-256","d":…}`),
    /// as in the seed's example.
    ///
    /// ```
    /// use chekt_api::auth::assertion::{AssertionSigner, P256Signer};
    /// # let jwk = p256::SecretKey::from_slice(&[7; 32])?.to_jwk_string();
    ///
    /// // let jwk = std::env::var("PARTNER_PRIVATE_JWK")?;
    /// let signer = P256Signer::from_jwk("partner-key-1", &jwk)?;
    /// assert_eq!(signer.key_id(), "partner-key-1");
    /// assert!(P256Signer::from_jwk("partner-key-1", r#"{"kty":"EC","crv":"P-256"}"#).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_jwk(key_id: impl Into<String>, jwk: &str) -> Result<Self, SignError> {
        let secret = p256::SecretKey::from_jwk_str(jwk)
            .map_err(|e| SignError::with_source("not a private P-256 JWK", e))?;
        Ok(P256Signer {
            key_id: key_id.into(),
            key: secret.into(),
        })
    }

    /// The public half, to publish as a JWK or check signatures with.
    ///
    /// ```
    /// use chekt_api::auth::assertion::{AssertionSigner, P256Signer};
    /// use p256::ecdsa::{Signature, signature::Verifier};
    /// # let jwk = p256::SecretKey::from_slice(&[7; 32])?.to_jwk_string();
    ///
    /// let signer = P256Signer::from_jwk("partner-key-1", &jwk)?;
    /// let public_jwk = p256::PublicKey::from(signer.verifying_key()).to_jwk_string();
    /// assert!(public_jwk.contains(r#""crv":"P-256""#) && !public_jwk.contains(r#""d""#));
    ///
    /// let signature = futures::executor::block_on(signer.sign(b"header.claims"))?;
    /// signer
    ///     .verifying_key()
    ///     .verify(b"header.claims", &Signature::from_slice(&signature)?)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
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
