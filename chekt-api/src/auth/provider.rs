//! Where a call's credential comes from: the [`CredentialsProvider`]
//! trait. Every built-in auth mode is one implementation (an API key,
//! [`BearerToken`], and the token caches of client credentials, assertion
//! and authorization code grants); install your own with
//! [`ClientBuilder::credentials_provider`](crate::ClientBuilder::credentials_provider)
//! or derive a client that uses one with
//! [`Client::with_credentials`](crate::Client::with_credentials).

use futures::future::BoxFuture;
use reqwest::header::HeaderValue;

use crate::operations::Scheme;

/// The `Authorization` header value for one request, marked sensitive (so
/// HTTP layers do not log it). `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Credential {
    pub(crate) header: HeaderValue,
    pub(crate) renewable: bool,
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credential")
            .field("header", &"[redacted]")
            .field("renewable", &self.renewable)
            .finish()
    }
}

impl Credential {
    /// `Bearer <token>`; `None` when the token has characters a header
    /// cannot carry. Not renewable unless marked so
    /// ([`renewable`](Self::renewable)).
    pub fn bearer(token: &str) -> Option<Self> {
        super::bearer(token).map(Credential::header)
    }

    /// Any `Authorization` header value (marked sensitive here).
    pub fn header(mut value: HeaderValue) -> Self {
        value.set_sensitive(true);
        Credential {
            header: value,
            renewable: false,
        }
    }

    /// Whether the provider can get a fresh credential after
    /// [`CredentialsProvider::invalidate`]: when the server says a renewable
    /// token is no longer valid (RFC 6750 `invalid_token`, or
    /// `token_expired`), the client invalidates it and retries the request
    /// once with a new one.
    pub fn renewable(mut self, renewable: bool) -> Self {
        self.renewable = renewable;
        self
    }

    /// The header value (marked sensitive).
    pub fn header_value(&self) -> &HeaderValue {
        &self.header
    }
}

/// Which security schemes a provider serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Schemes {
    /// These schemes of the spec (`operations::Scheme`).
    Only(&'static [Scheme]),
    /// Any operation no provider of its schemes serves (a token handed to
    /// the client, e.g. the connect flow's authorization access token).
    Any,
}

/// What a provider is asked for: a credential for `operation`, under
/// `scheme` (with `scopes`).
#[derive(Debug)]
#[non_exhaustive]
pub struct CredentialRequest<'a> {
    /// The operationId (`"raw"` for a [`RawRequest`](crate::RawRequest)).
    pub operation: &'static str,
    /// The scheme chosen among those the operation accepts.
    pub scheme: Option<Scheme>,
    /// The OAuth scopes the operation requires under `scheme`.
    pub scopes: &'static [&'static str],
    pub(crate) http: &'a reqwest::Client,
    pub(crate) token_url: &'a str,
    /// The call's whole-call deadline: a token request retries only
    /// within it.
    pub(crate) deadline: Option<tokio::time::Instant>,
}

/// A source of credentials. For each call the client asks, in the order
/// the operation's `security` lists its schemes, the first provider that
/// serves the scheme (providers added with
/// [`ClientBuilder::credentials_provider`](crate::ClientBuilder::credentials_provider)
/// first, then the built-in ones: Partner grant, user grant, API key), and
/// last a provider of [`Schemes::Any`]. A fetch runs under the call's
/// deadline. A provider shared by clients (an `Arc`) shares its cache.
///
/// ```
/// use std::sync::Arc;
/// use chekt_api::auth::{Credential, CredentialRequest, CredentialsProvider, Schemes};
/// use chekt_api::operations::Scheme;
/// use futures::future::BoxFuture;
///
/// /// Partner tokens from a vault (or a cache shared across processes).
/// struct Vault {
///     current: std::sync::Mutex<Option<String>>,
/// }
///
/// impl CredentialsProvider for Vault {
///     fn schemes(&self) -> Schemes {
///         Schemes::Only(&[Scheme::PartnerOAuth])
///     }
///
///     fn credential<'a>(&'a self, _: &'a CredentialRequest<'a>) -> BoxFuture<'a, chekt_api::Result<Credential>> {
///         Box::pin(async move {
///             let token = self.current.lock().unwrap().get_or_insert_with(|| "from-the-vault".into()).clone();
///             Credential::bearer(&token)
///                 .map(|c| c.renewable(true))
///                 .ok_or_else(|| chekt_api::Error::credential_unavailable("the vault's token cannot be sent in a header"))
///         })
///     }
///
///     fn invalidate(&self, _rejected: &Credential) {
///         // The server no longer accepts it: read a fresh one next time.
///         self.current.lock().unwrap().take();
///     }
/// }
///
/// let client = chekt_api::Client::builder()
///     .credentials_provider(Vault { current: Default::default() })
///     .build()?;
/// # let _ = client;
/// # Ok::<(), chekt_api::BuildError>(())
/// ```
pub trait CredentialsProvider: Send + Sync + 'static {
    /// The schemes it serves.
    fn schemes(&self) -> Schemes;

    /// A credential for `request` at once, when one is ready without
    /// waiting (a static one, or a cached token still valid); `None` (the
    /// default) when getting one may wait (a token request, a lock held
    /// across a fetch). Asked first, for every call: when it returns
    /// `Some`, [`credential`](Self::credential) is not called, so the call
    /// skips a boxed future. It must be cheap, never block, and agree with
    /// `credential` (the same credential it would give now).
    ///
    /// ```
    /// use chekt_api::auth::{BearerToken, Credential, CredentialRequest, CredentialsProvider, Schemes};
    /// use futures::future::BoxFuture;
    ///
    /// /// A fixed token, handed out without a future.
    /// struct Fixed(Credential);
    ///
    /// impl CredentialsProvider for Fixed {
    ///     fn schemes(&self) -> Schemes {
    ///         Schemes::Any
    ///     }
    ///
    ///     fn credential_now(&self, _: &CredentialRequest<'_>) -> Option<Credential> {
    ///         Some(self.0.clone())
    ///     }
    ///
    ///     fn credential<'a>(&'a self, _: &'a CredentialRequest<'a>) -> BoxFuture<'a, chekt_api::Result<Credential>> {
    ///         Box::pin(std::future::ready(Ok(self.0.clone())))
    ///     }
    /// }
    /// # let _ = Fixed;
    /// ```
    fn credential_now(&self, request: &CredentialRequest<'_>) -> Option<Credential> {
        let _ = request;
        None
    }

    /// A credential for `request`. An error ends the call (nothing sent).
    fn credential<'a>(
        &'a self,
        request: &'a CredentialRequest<'a>,
    ) -> BoxFuture<'a, crate::Result<Credential>>;

    /// The server no longer accepts `rejected` (one it handed out): drop
    /// it so that the next [`credential`](Self::credential) gets a fresh
    /// one. Does nothing by default.
    fn invalidate(&self, rejected: &Credential) {
        let _ = rejected;
    }
}

impl<P: CredentialsProvider + ?Sized> CredentialsProvider for std::sync::Arc<P> {
    fn schemes(&self) -> Schemes {
        (**self).schemes()
    }

    fn credential_now(&self, request: &CredentialRequest<'_>) -> Option<Credential> {
        (**self).credential_now(request)
    }

    fn credential<'a>(
        &'a self,
        request: &'a CredentialRequest<'a>,
    ) -> BoxFuture<'a, crate::Result<Credential>> {
        (**self).credential(request)
    }

    fn invalidate(&self, rejected: &Credential) {
        (**self).invalidate(rejected)
    }
}

/// An access token handed to the client as is
/// ([`ClientBuilder::bearer_token`](crate::ClientBuilder::bearer_token)):
/// serves any operation no other provider serves; it cannot be renewed,
/// so a token the server rejects is reported (a warning, and the `401`).
#[derive(Clone)]
pub struct BearerToken(Credential);

impl std::fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BearerToken([redacted])")
    }
}

impl BearerToken {
    /// `None` when the token has characters a header cannot carry.
    pub fn new(token: &str) -> Option<Self> {
        Credential::bearer(token).map(BearerToken)
    }
}

impl CredentialsProvider for BearerToken {
    fn schemes(&self) -> Schemes {
        Schemes::Any
    }

    fn credential_now(&self, _: &CredentialRequest<'_>) -> Option<Credential> {
        Some(self.0.clone())
    }

    fn credential<'a>(
        &'a self,
        _: &'a CredentialRequest<'a>,
    ) -> BoxFuture<'a, crate::Result<Credential>> {
        Box::pin(std::future::ready(Ok(self.0.clone())))
    }
}

impl CredentialsProvider for super::ApiKey {
    fn schemes(&self) -> Schemes {
        Schemes::Only(&[Scheme::ApiKey])
    }

    fn credential_now(&self, _: &CredentialRequest<'_>) -> Option<Credential> {
        Some(Credential::header(self.header().clone()))
    }

    fn credential<'a>(
        &'a self,
        _: &'a CredentialRequest<'a>,
    ) -> BoxFuture<'a, crate::Result<Credential>> {
        Box::pin(std::future::ready(Ok(Credential::header(
            self.header().clone(),
        ))))
    }
}

/// A grant's token cache: the Partner grants (client credentials,
/// assertion) and the user's refresh grant, each serving its schemes.
impl<G: super::token::Grant + 'static> CredentialsProvider for super::token::TokenCache<G> {
    fn schemes(&self) -> Schemes {
        Schemes::Only(G::SCHEMES)
    }

    /// The cached token while it is valid (not yet due for refresh).
    fn credential_now(&self, _: &CredentialRequest<'_>) -> Option<Credential> {
        self.valid().map(|header| Credential {
            header,
            renewable: true,
        })
    }

    fn credential<'a>(
        &'a self,
        request: &'a CredentialRequest<'a>,
    ) -> BoxFuture<'a, crate::Result<Credential>> {
        Box::pin(cached(self, request))
    }

    fn invalidate(&self, rejected: &Credential) {
        super::token::TokenCache::invalidate(self, &rejected.header)
    }
}

/// A token of a cache (single-flight, refreshed before expiry).
async fn cached<G: super::token::Grant>(
    cache: &super::token::TokenCache<G>,
    request: &CredentialRequest<'_>,
) -> crate::Result<Credential> {
    let header = cache
        .token_within(request.http, request.token_url, request.deadline)
        .await?;
    Ok(Credential {
        header,
        renewable: true,
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::auth::token::{ClientCredentials, TokenBody, TokenCache};
    use crate::retry::RetryPolicy;

    /// What the pipeline asks a provider first (`credential_now`).
    fn now<P: CredentialsProvider>(provider: &P) -> Option<Credential> {
        let http = reqwest::Client::new();
        let request = CredentialRequest {
            operation: "listSites",
            scheme: None,
            scopes: &[],
            http: &http,
            token_url: "http://127.0.0.1:9/oauth/token",
            deadline: None,
        };
        provider.credential_now(&request)
    }

    /// The built-in providers hand out a credential they hold without a
    /// boxed future (the pipeline's fast path): a static bearer token, an
    /// API key, a cached token still valid; an empty cache waits for a fetch.
    #[test]
    fn built_in_providers_have_their_credential_ready()
    -> std::result::Result<(), Box<dyn std::error::Error>> {
        let bearer = BearerToken::new("static").ok_or("a valid token")?;
        let ready = now(&bearer).ok_or("a bearer token is ready")?;
        assert_eq!(ready.header_value(), "Bearer static");
        assert!(!ready.renewable);
        assert!(
            now(&std::sync::Arc::new(bearer)).is_some(),
            "through an Arc"
        );

        let key = crate::auth::ApiKey::new("chekt_test_8h2j3kfm2918sndljabcdefgh")?;
        let ready = now(&key).ok_or("an API key is ready")?;
        assert_eq!(ready.header_value(), key.header());

        let grant = ClientCredentials {
            client_id: "id".into(),
            client_secret: "secret".to_string().into(),
            scope: None,
        };
        let cache = TokenCache::new(grant, Duration::from_secs(60), RetryPolicy::none());
        assert!(now(&cache).is_none(), "nothing cached: a fetch");
        let body: TokenBody =
            serde_json::from_str(r#"{"access_token": "cached", "expires_in": 3600}"#)?;
        cache.cache(body)?;
        let ready = now(&cache).ok_or("a valid cached token is ready")?;
        assert_eq!(ready.header_value(), "Bearer cached");
        assert!(ready.renewable);
        Ok(())
    }
}
