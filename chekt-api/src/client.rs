//! Building a [`Client`]: base URL, credential, timeouts.

use std::time::Duration;

use secrecy::SecretString;

use crate::{Client, DEFAULT_BASE_URL};
use std::sync::Arc;

use crate::RequestOptions;
use crate::auth::assertion::Assertion;
use crate::auth::authorization_code::{
    AuthorizationCode, PendingAuthorization, RefreshGrant, TokenStore,
};
use crate::auth::token::{ClientCredentials, PartnerGrant, TokenCache};
use crate::auth::{ApiKey, ApiKeyError, BearerToken, Credentials, CredentialsProvider};
use crate::pipeline::intercept::{Interceptor, Interceptors};
use crate::rate_limit::{Throttle, Throttler};
use crate::retry::{Bucket, DefaultClassifier, RetryBudget, RetryClassifier, RetryPolicy};
use crate::runtime::{Inner, Runtime};

/// Why a [`Client`] could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The base URL is not an absolute `http(s)` URL, or carries
    /// credentials (`https://user:pass@host`).
    #[error("invalid base URL `{url}`: {reason}")]
    BaseUrl {
        /// The URL as given, any userinfo replaced by `[redacted]`.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The token contains characters that cannot appear in a header.
    #[error("the bearer token contains characters not allowed in an HTTP header")]
    Token,
    /// The API key has the wrong shape.
    #[error("invalid API key: {0}")]
    ApiKey(#[from] ApiKeyError),
    /// Two ways to obtain Partner API tokens were configured.
    #[error("both client_credentials and assertion are configured; choose one")]
    ConflictingGrants,
    /// The HTTP client could not be created (e.g. TLS initialisation).
    #[error("cannot create the HTTP client: {0}")]
    Http(#[from] reqwest::Error),
}

/// Builds a [`Client`].
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use chekt_api::prelude::*;
///
/// let client = chekt_api::Client::builder()
///     .bearer_token(std::env::var("CHEKT_ACCESS_TOKEN")?)
///     .build()?;
/// let sites = client.list_sites().dealer_id(42).limit(50).send().await?;
/// println!("{} sites", sites.len());
/// # Ok(())
/// # }
/// ```
pub struct ClientBuilder {
    base_url: String,
    bearer: Option<SecretString>,
    api_key: Option<SecretString>,
    client_credentials: Option<(String, SecretString)>,
    assertion: Option<Assertion>,
    authorization_code: Option<RefreshGrant>,
    scope: Option<String>,
    retry: RetryPolicy,
    token_margin: Duration,
    timeout: Duration,
    connect_timeout: Duration,
    throttle: Option<Throttle>,
    max_response_bytes: usize,
    http: Option<reqwest::Client>,
    defaults: RequestOptions,
    classifier: Arc<dyn RetryClassifier>,
    budget: RetryBudget,
    interceptors: Interceptors,
    providers: Providers,
}

/// Credential providers added to a builder, in order.
#[derive(Default)]
struct Providers(Vec<Arc<dyn CredentialsProvider>>);

impl std::fmt::Debug for Providers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} credential provider(s)", self.0.len())
    }
}

/// Credentials show as `[redacted]`, also user info in the base URL
/// (refused at `build`, but it may be in the builder until then).
impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &crate::redact::text(&self.base_url))
            .field("bearer", &self.bearer)
            .field("api_key", &self.api_key)
            .field("client_credentials", &self.client_credentials)
            .field("assertion", &self.assertion)
            .field("authorization_code", &self.authorization_code)
            .field("scope", &self.scope)
            .field("retry", &self.retry)
            .field("token_margin", &self.token_margin)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("throttle", &self.throttle)
            .field("max_response_bytes", &self.max_response_bytes)
            .finish_non_exhaustive()
    }
}

/// The default limit on a success body: 16 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            base_url: DEFAULT_BASE_URL.to_string(),
            bearer: None,
            api_key: None,
            client_credentials: None,
            assertion: None,
            authorization_code: None,
            scope: None,
            retry: RetryPolicy::default(),
            token_margin: Duration::from_secs(60),
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            throttle: None,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            http: None,
            defaults: RequestOptions::default(),
            classifier: Arc::new(DefaultClassifier),
            budget: RetryBudget::default(),
            interceptors: Interceptors::default(),
            providers: Providers::default(),
        }
    }
}

impl ClientBuilder {
    /// The API's base URL (default [`DEFAULT_BASE_URL`]); a trailing `/` is
    /// ignored.
    ///
    /// ```
    /// use chekt_api::ClientInfo;
    ///
    /// let client = chekt_api::Client::builder()
    ///     .base_url("http://localhost:8080/")
    ///     .build()?;
    /// assert_eq!(client.baseurl(), "http://localhost:8080");
    /// # Ok::<(), chekt_api::BuildError>(())
    /// ```
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// Send `Authorization: Bearer <token>` on every request: an API key
    /// (`chekt_live_…`), an OAuth access token, or the connect flow's
    /// authorization access token. The token never appears in `Debug`.
    ///
    /// ```
    /// let client = chekt_api::Client::builder()
    ///     .bearer_token("an-access-token")
    ///     .build()?;
    /// assert!(!format!("{client:?}").contains("an-access-token"));
    /// # Ok::<(), chekt_api::BuildError>(())
    /// ```
    pub fn bearer_token(mut self, token: impl Into<String>) -> Self {
        self.bearer = Some(SecretString::from(token.into()));
        self
    }

    /// Authenticate with an app's API key (`chekt_live_…` / `chekt_test_…`),
    /// validated by [`build`](Self::build).
    ///
    /// ```
    /// use chekt_api::BuildError;
    ///
    /// let client = chekt_api::Client::builder()
    ///     .api_key("chekt_test_8h2j3kfm2918sndljabcdefgh")
    ///     .build()?;
    /// # let _ = client;
    /// let typo = chekt_api::Client::builder()
    ///     .api_key("chekt_tset_8h2j3kfm2918sndljabcdefgh")
    ///     .build();
    /// assert!(matches!(typo, Err(BuildError::ApiKey(_))));
    /// # Ok::<(), chekt_api::BuildError>(())
    /// ```
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(SecretString::from(key.into()));
        self
    }

    /// Authenticate Partner API calls with OAuth 2.0 client credentials; the
    /// access token is cached and refreshed before it expires.
    ///
    /// ```
    /// let client = chekt_api::Client::builder()
    ///     .client_credentials("my-client-id", "my-client-secret")
    ///     .build()?;
    /// assert!(!format!("{client:?}").contains("my-client-secret"));
    /// # Ok::<(), chekt_api::BuildError>(())
    /// ```
    pub fn client_credentials(
        mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        self.client_credentials =
            Some((client_id.into(), SecretString::from(client_secret.into())));
        self
    }

    /// Authenticate Partner API calls with assertion tokens: a signed ES256
    /// JWT exchanged for an access token (cached and refreshed like client
    /// credentials). See [`auth::assertion`](crate::auth::assertion).
    ///
    /// ```
    /// use chekt_api::BuildError;
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
    /// // One Partner API grant per client:
    /// let both = chekt_api::Client::builder()
    ///     .assertion(Assertion::new("your-partner-id", Kms))
    ///     .client_credentials("my-client-id", "my-client-secret")
    ///     .build();
    /// assert!(matches!(both, Err(BuildError::ConflictingGrants)));
    /// # Ok::<(), chekt_api::BuildError>(())
    /// ```
    pub fn assertion(mut self, assertion: Assertion) -> Self {
        self.assertion = Some(assertion);
        self
    }

    /// Act for a user who authorized the app with the authorization code
    /// flow: their refresh token is kept in `store`, and access tokens are
    /// refreshed with it as needed (a new refresh token, when a response
    /// brings one, replaces it in `store`). Start with
    /// [`AuthorizationCode::authorize_url`], finish with
    /// [`Client::complete_authorization`].
    ///
    /// ```
    /// use std::sync::Arc;
    /// use chekt_api::auth::authorization_code::{AuthorizationCode, MemoryTokenStore};
    ///
    /// let flow = AuthorizationCode::new("my-client-id", "https://app.example.com/callback");
    /// let client = chekt_api::Client::builder()
    ///     .authorization_code(flow, Arc::new(MemoryTokenStore::default()))
    ///     .build()?;
    /// # let _ = client;
    /// # Ok::<(), chekt_api::BuildError>(())
    /// ```
    pub fn authorization_code(
        mut self,
        flow: AuthorizationCode,
        store: Arc<dyn TokenStore>,
    ) -> Self {
        self.authorization_code = Some(RefreshGrant { flow, store });
        self
    }

    /// Scopes to request with client credentials (space separated).
    ///
    /// ```
    /// let client = chekt_api::Client::builder()
    ///     .client_credentials("my-client-id", "my-client-secret")
    ///     .scope("sites:read devices:read")
    ///     .build()?;
    /// # let _ = client;
    /// # Ok::<(), chekt_api::BuildError>(())
    /// ```
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }

    /// Retry settings (default: 3 attempts, 200 ms base, 10 s cap).
    ///
    /// ```
    /// use chekt_api::retry::RetryPolicy;
    ///
    /// let patient = RetryPolicy::default().max_attempts(5);
    /// let client = chekt_api::Client::builder().retry(patient).build()?;
    /// # let _ = client;
    /// let _no_retries = chekt_api::Client::builder().retry(RetryPolicy::none()).build()?;
    /// # Ok::<(), chekt_api::BuildError>(())
    /// ```
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Refresh cached tokens this long before they expire (default 60 s).
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let client = chekt_api::Client::builder()
    ///     .client_credentials("my-client-id", "my-client-secret")
    ///     .token_refresh_margin(Duration::from_secs(5 * 60))
    ///     .build()?;
    /// # let _ = client;
    /// # Ok::<(), chekt_api::BuildError>(())
    /// ```
    pub fn token_refresh_margin(mut self, margin: Duration) -> Self {
        self.token_margin = margin;
        self
    }

    /// Timeout for each attempt of a call, headers and body (default
    /// 30 s); with retries and waits a call can take longer. A call's
    /// whole-call deadline is [`RequestOptions::timeout`] (per call, or for
    /// every call with [`default_options`](Self::default_options)); a
    /// call's own [`RequestOptions::attempt_timeout`] replaces this one.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let client = chekt_api::Client::builder().timeout(Duration::from_secs(10)).build()?;
    /// # let _ = client;
    /// # Ok::<(), chekt_api::BuildError>(())
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Timeout for establishing a connection (default 10 s).
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let client = chekt_api::Client::builder().connect_timeout(Duration::from_secs(3)).build()?;
    /// # let _ = client;
    /// # Ok::<(), chekt_api::BuildError>(())
    /// ```
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Throttle requests on the client side (off by default); see
    /// [`Throttle`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use chekt_api::rate_limit::Throttle;
    ///
    /// let client = chekt_api::Client::builder()
    ///     .throttle(Throttle::new().budget(1000, Duration::from_secs(3600)))
    ///     .build()?;
    /// # let _ = client;
    /// # Ok::<(), chekt_api::BuildError>(())
    /// ```
    pub fn throttle(mut self, throttle: Throttle) -> Self {
        self.throttle = Some(throttle);
        self
    }

    /// Refuse success bodies larger than this many bytes with
    /// [`Error::ResponseTooLarge`](crate::Error::ResponseTooLarge), before
    /// reading them whole (default [`DEFAULT_MAX_RESPONSE_BYTES`]).
    ///
    /// ```
    /// let client = chekt_api::Client::builder()
    ///     .max_response_size(1024 * 1024) // 1 MiB
    ///     .build()?;
    /// # let _ = client;
    /// # Ok::<(), chekt_api::BuildError>(())
    /// ```
    pub fn max_response_size(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// Send requests (API calls and token requests) with your own
    /// `reqwest::Client`, e.g. for a proxy or custom root certificates.
    /// [`timeout`](Self::timeout) and
    /// [`connect_timeout`](Self::connect_timeout) then do not apply: set
    /// them on your client. Build it with
    /// `.redirect(reqwest::redirect::Policy::none())`: a redirect followed
    /// with the `Authorization` header or a token request's form would hand
    /// a credential to whatever host the server names. (Even so, a token is
    /// only accepted from the token endpoint's own URL:
    /// [`TokenError::Redirect`](crate::auth::TokenError::Redirect)
    /// otherwise.) Build it also with
    /// `.retry(reqwest::retry::never().max_retries_per_request(0))`, as the
    /// client chekt-api builds is: reqwest's own retries (of HTTP/2
    /// refusals, by default) are requests the pipeline does not see, and
    /// it retries those itself
    /// ([`retry::refused_unprocessed`](crate::retry::refused_unprocessed)).
    ///
    /// With the `rustls` feature (the default), install a crypto provider
    /// first: [`crate::tls::install_crypto_provider`].
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// # fn build() -> Result<(), Box<dyn std::error::Error>> {
    /// # #[cfg(feature = "rustls")]
    /// chekt_api::tls::install_crypto_provider();
    /// let http = reqwest::Client::builder()
    ///     .redirect(reqwest::redirect::Policy::none())
    ///     .retry(reqwest::retry::never().max_retries_per_request(0))
    ///     .timeout(Duration::from_secs(30))
    ///     .build()?;
    /// let client = chekt_api::Client::builder()
    ///     .http_client(http)
    ///     .bearer_token("an-access-token")
    ///     .build()?;
    /// # let _ = client;
    /// # Ok(())
    /// # }
    /// ```
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Options for every call (none by default); a call's own
    /// [`RequestOptions`] (`.with_options(..)`) override them field by
    /// field, and headers from both are sent.
    ///
    /// ```
    /// use std::time::Duration;
    /// use chekt_api::RequestOptions;
    /// use chekt_api::http::{HeaderName, HeaderValue};
    ///
    /// let client = chekt_api::Client::builder()
    ///     .default_options(
    ///         RequestOptions::new()
    ///             .timeout(Duration::from_secs(10))
    ///             .header(HeaderName::from_static("x-integration"), HeaderValue::from_static("crm-sync")),
    ///     )
    ///     .build()?;
    /// # let _ = client;
    /// # Ok::<(), chekt_api::BuildError>(())
    /// ```
    pub fn default_options(mut self, options: RequestOptions) -> Self {
        self.defaults = options;
        self
    }

    /// Decides which failed attempts are retried (default
    /// [`DefaultClassifier`]); see [`RetryClassifier`].
    pub fn retry_classifier(mut self, classifier: impl RetryClassifier) -> Self {
        self.classifier = Arc::new(classifier);
        self
    }

    /// The share of extra attempts the client may make (default
    /// [`RetryBudget::default`]); see [`RetryBudget`].
    pub fn retry_budget(mut self, budget: RetryBudget) -> Self {
        self.budget = budget;
        self
    }

    /// Adds a [`CredentialsProvider`] of your own (a vault, a per-dealer key
    /// store, a token shared across processes). It is asked before the
    /// built-in credentials for the schemes it serves; see the trait.
    pub fn credentials_provider(mut self, provider: impl CredentialsProvider) -> Self {
        self.providers.0.push(Arc::new(provider));
        self
    }

    /// Adds an [`Interceptor`], called around every attempt of every call
    /// (after those added before it).
    pub fn interceptor(mut self, interceptor: impl Interceptor) -> Self {
        self.interceptors.0.push(Arc::new(interceptor));
        self
    }

    /// Builds the client.
    ///
    /// ```
    /// use chekt_api::BuildError;
    ///
    /// let client = chekt_api::Client::builder().bearer_token("an-access-token").build()?;
    /// # let _ = client;
    /// let wrong = chekt_api::Client::builder().base_url("api.chekt.com").build();
    /// assert!(matches!(wrong, Err(BuildError::BaseUrl { .. })));
    /// // Credentials never ride in the URL, and a build error never shows them:
    /// let userinfo = chekt_api::Client::builder().base_url("https://me:hunter2@api.chekt.com").build();
    /// assert!(!userinfo.unwrap_err().to_string().contains("hunter2"));
    /// # Ok::<(), chekt_api::BuildError>(())
    /// ```
    pub fn build(self) -> Result<Client, BuildError> {
        let base_url = self.base_url.trim_end_matches('/').to_string();
        let invalid = |reason: String| BuildError::BaseUrl {
            url: without_userinfo(&base_url),
            reason,
        };
        let parsed = reqwest::Url::parse(&base_url).map_err(|e| invalid(e.to_string()))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(invalid("the scheme must be http or https".to_string()));
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            // They would be sent to the token endpoint and every API call,
            // and shown wherever the URL is: configure a credential instead.
            return Err(invalid(
                "credentials in the URL (user:password@) are not supported; use a ClientBuilder credential"
                    .to_string(),
            ));
        }
        let bearer = match &self.bearer {
            Some(token) => {
                use secrecy::ExposeSecret;
                Some(BearerToken::new(token.expose_secret()).ok_or(BuildError::Token)?)
            }
            None => None,
        };
        #[cfg(not(any(feature = "rustls", feature = "native-tls")))]
        if self.http.is_none() && parsed.scheme() == "https" {
            return Err(invalid(
                "https needs the `rustls` or `native-tls` feature of chekt-api (see chekt_api::tls)"
                    .to_string(),
            ));
        }
        #[cfg(feature = "rustls")]
        crate::tls::install_crypto_provider();
        // The attempt timeout is known only for a client built here.
        let attempt_limit = self.http.is_none().then_some(self.timeout);
        let http = match self.http {
            Some(http) => http,
            None => {
                // The encodings asked for are the `compression` feature's
                // alone, whatever reqwest features another crate of the
                // build turns on (`no_*` exist with the feature off too).
                let http = reqwest::Client::builder().no_brotli().no_zstd();
                #[cfg(not(feature = "compression"))]
                let http = http.no_gzip().no_deflate();
                // No retries inside reqwest: each would be a request the
                // caller never sees (not in `Error::attempts`, not shown to
                // the interceptors, not under the retry budget). The
                // pipeline's classifier retries the HTTP/2 refusals reqwest
                // would (`retry::refused_unprocessed`). reqwest also stops
                // copying every request in case it retries.
                http.redirect(crate::redirect::policy())
                    .retry(reqwest::retry::never().max_retries_per_request(0))
                    .timeout(self.timeout)
                    .connect_timeout(self.connect_timeout)
                    .user_agent(concat!("chekt-api-rs/", env!("CARGO_PKG_VERSION")))
                    .build()?
            }
        };
        let api_key = match &self.api_key {
            Some(key) => {
                use secrecy::ExposeSecret;
                Some(ApiKey::new(key.expose_secret())?)
            }
            None => None,
        };
        let grant = match (self.client_credentials, self.assertion) {
            (Some(_), Some(_)) => return Err(BuildError::ConflictingGrants),
            (Some((client_id, client_secret)), None) => {
                Some(PartnerGrant::ClientCredentials(ClientCredentials {
                    client_id,
                    client_secret,
                    scope: self.scope,
                }))
            }
            (None, Some(assertion)) => Some(PartnerGrant::Assertion(
                assertion.with_default_audience(&base_url),
            )),
            (None, None) => None,
        };
        let partner =
            grant.map(|grant| Arc::new(TokenCache::new(grant, self.token_margin, self.retry)));
        let user = self
            .authorization_code
            .map(|grant| Arc::new(TokenCache::new(grant, self.token_margin, self.retry)));
        // Asked in this order (for each scheme an operation accepts); the
        // bearer token serves what is left.
        let mut providers = self.providers.0;
        providers.extend(partner.clone().map(|p| p as Arc<dyn CredentialsProvider>));
        providers.extend(user.clone().map(|p| p as Arc<dyn CredentialsProvider>));
        providers.extend(api_key.map(|p| Arc::new(p) as Arc<dyn CredentialsProvider>));
        providers.extend(bearer.map(|p| Arc::new(p) as Arc<dyn CredentialsProvider>));
        let credentials = Credentials {
            providers,
            partner,
            user,
        };
        let runtime = Runtime::new(Inner {
            credentials,
            token_url: format!("{base_url}/oauth/token"),
            retry: self.retry,
            throttle: self.throttle.map(|t| Arc::new(Throttler::new(t))),
            max_response_bytes: self.max_response_bytes,
            attempt_limit,
            last_rate_limit: Default::default(),
            defaults: self.defaults,
            classifier: self.classifier,
            budget: Arc::new(Bucket::new(self.budget)),
            interceptors: self.interceptors.0.into(),
        });
        Ok(Client {
            baseurl: base_url,
            client: http,
            inner: runtime,
        })
    }
}

/// `url` as given, with any userinfo (`user:pass@`) before the host
/// replaced by `[redacted]@`; works on URLs that do not parse.
fn without_userinfo(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => {
            let sep = if scheme.is_empty() { "" } else { "://" };
            format!("{scheme}{sep}[redacted]{}", &rest[at..])
        }
        None => url.to_string(),
    }
}

impl Client {
    /// Starts building a client; see [`ClientBuilder`].
    ///
    /// ```
    /// let client = chekt_api::Client::builder()
    ///     .client_credentials("my-client-id", "my-client-secret")
    ///     .build()?;
    /// # let _ = client;
    /// # Ok::<(), chekt_api::BuildError>(())
    /// ```
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// Finishes an authorization code flow: checks the `state` the redirect
    /// returned, exchanges the `code` (with the PKCE verifier) at
    /// `/oauth/token`, and saves the refresh token in the store configured
    /// with [`ClientBuilder::authorization_code`].
    ///
    /// ```no_run
    /// # async fn run(client: chekt_api::Client, session: (String, String)) -> chekt_api::Result<()> {
    /// use chekt_api::auth::authorization_code::PendingAuthorization;
    ///
    /// // In the redirect handler, with `?code=…&state=…` from the query string
    /// // and the state and verifier saved when the flow started:
    /// # let (code, returned_state) = ("", "");
    /// let pending = PendingAuthorization::resume(session.0, session.1);
    /// client.complete_authorization(pending, code, returned_state).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn complete_authorization(
        &self,
        pending: PendingAuthorization,
        code: &str,
        returned_state: &str,
    ) -> crate::Result<()> {
        let runtime = &self.inner;
        let Some(user) = runtime.user_tokens() else {
            return Err(crate::Error::invalid(
                "complete_authorization needs ClientBuilder::authorization_code",
            ));
        };
        pending.check_state(returned_state)?;
        let form = user.grant().flow.exchange_form(code, pending.verifier());
        user.exchange(&self.client, runtime.token_url(), &form)
            .await?;
        Ok(())
    }

    /// Fetches a Partner API token with the configured grant now (for
    /// `chekt auth login`); what it is, or `None` without such a grant.
    #[cfg(feature = "cli")]
    pub(crate) async fn fetch_partner_token(
        &self,
    ) -> Option<crate::Result<crate::auth::token::Issued>> {
        let runtime = &self.inner;
        let cache = runtime.partner_tokens()?;
        let fetched = cache.fetch_now(&self.client, runtime.token_url()).await;
        Some(fetched.map_err(crate::Error::from))
    }

    /// A client that authenticates every call with `provider` alone (e.g.
    /// another dealer's API key), sharing this one's connection pool,
    /// throttle, retry budget, interceptors and default options; cheap (no
    /// new connection pool). It has its own credentials and token cache
    /// (a provider shared through an `Arc` shares its cache) and its own
    /// rate-limit window ([`last_rate_limit`](Self::last_rate_limit)).
    ///
    /// ```no_run
    /// # async fn run(client: chekt_api::Client, keys: Vec<String>) -> Result<(), Box<dyn std::error::Error>> {
    /// use chekt_api::auth::ApiKey;
    /// use chekt_api::prelude::*;
    ///
    /// for key in keys {
    ///     let dealer = client.with_credentials(ApiKey::new(&key)?);
    ///     let devices = dealer.list_public_devices().send().await?;
    ///     println!("{} devices", devices.data.len());
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_credentials(&self, provider: impl CredentialsProvider) -> Client {
        Client {
            baseurl: self.baseurl.clone(),
            client: self.client.clone(),
            inner: self
                .inner
                .with_credentials(Credentials::only(Arc::new(provider))),
        }
    }

    /// The rate-limit window reported by the most recent response
    /// (`X-RateLimit-Limit/Remaining/Reset`).
    ///
    /// ```no_run
    /// # async fn run(client: chekt_api::Client) -> chekt_api::Result<()> {
    /// use chekt_api::prelude::*;
    ///
    /// let sites = client.list_sites().dealer_id(42).send().await?;
    /// if let Some(window) = client.last_rate_limit() {
    ///     println!("{} sites; {:?} requests left", sites.len(), window.remaining);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn last_rate_limit(&self) -> Option<crate::rate_limit::RateLimit> {
        self.inner.last_rate_limit()
    }
}
