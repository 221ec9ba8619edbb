//! OAuth access tokens from `POST /oauth/token`: cached, refreshed a margin
//! before they expire, fetched by exactly one request however many tasks
//! need one at once (single flight), and invalidated on `token_expired`.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// Why no token could be obtained.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// The token endpoint could not be reached.
    #[error("token request failed: {0}")]
    Transport(#[source] reqwest::Error),
    /// The token endpoint refused the grant.
    #[error("token request refused ({status}{}): {message}", code.as_deref().map(|c| format!(" {c}")).unwrap_or_default())]
    Rejected {
        /// The status it answered with.
        status: reqwest::StatusCode,
        /// The OAuth or CHeKT error code.
        code: Option<String>,
        /// Its explanation.
        message: String,
        /// Its request id.
        request_id: Option<String>,
    },
    /// The token endpoint answered 2xx with a body that is not a token.
    #[error("token response is not a token: {0}")]
    Malformed(String),
    /// The assertion could not be signed.
    #[error("cannot sign the assertion: {0}")]
    Signing(String),
    /// No user has authorized the app yet (no refresh token is stored).
    #[error(
        "no user authorization yet: complete the authorization code flow first (Client::complete_authorization)"
    )]
    NotAuthorized,
    /// The `state` returned to the redirect URI is not the one sent.
    #[error(
        "the authorization response's state does not match the request's (possible CSRF); start the flow again"
    )]
    StateMismatch,
    /// The token store failed to load or save.
    #[error("token store: {0}")]
    Store(String),
}

/// The form of one token request.
pub(crate) type Form = Vec<(&'static str, SecretString)>;

/// A grant that yields access tokens.
pub(crate) trait Grant: Send + Sync {
    /// The form fields of one token request.
    fn form(&self) -> impl std::future::Future<Output = Result<Form, TokenError>> + Send;

    /// Sees each token the grant obtained (e.g. to persist a rotated
    /// refresh token) before it is used.
    fn accept(
        &self,
        _tokens: &TokenBody,
    ) -> impl std::future::Future<Output = Result<(), TokenError>> + Send {
        std::future::ready(Ok(()))
    }
}

/// The grant for Partner API calls.
pub(crate) enum PartnerGrant {
    ClientCredentials(ClientCredentials),
    Assertion(super::assertion::Assertion),
}

impl Grant for PartnerGrant {
    async fn form(&self) -> Result<Form, TokenError> {
        match self {
            PartnerGrant::ClientCredentials(grant) => grant.form().await,
            PartnerGrant::Assertion(grant) => grant.form().await,
        }
    }
}

/// The client-credentials grant.
pub(crate) struct ClientCredentials {
    pub client_id: String,
    pub client_secret: SecretString,
    pub scope: Option<String>,
}

impl Grant for ClientCredentials {
    async fn form(&self) -> Result<Form, TokenError> {
        let mut form = vec![
            ("grant_type", SecretString::from("client_credentials")),
            ("client_id", SecretString::from(self.client_id.clone())),
            ("client_secret", self.client_secret.clone()),
        ];
        if let Some(scope) = &self.scope {
            form.push(("scope", SecretString::from(scope.clone())));
        }
        Ok(form)
    }
}

/// A successful token response (RFC 6749 §5.1).
#[derive(Deserialize)]
pub(crate) struct TokenBody {
    pub access_token: SecretString,
    pub expires_in: Option<u64>,
    pub refresh_token: Option<SecretString>,
}

impl TokenBody {
    /// How long the access token lives: one hour unless the server says
    /// otherwise (seed 000).
    pub fn lifetime(&self) -> Duration {
        Duration::from_secs(self.expires_in.unwrap_or(3600))
    }
}

#[derive(Deserialize)]
struct ErrorBody {
    error: Option<String>,
    message: Option<String>,
    error_description: Option<String>,
    code: Option<String>,
    request_id: Option<String>,
}

struct Cached {
    /// `Bearer <access token>`, marked sensitive.
    header: HeaderValue,
    refresh_at: Instant,
}

/// A cached token for one grant.
pub(crate) struct TokenCache<G> {
    grant: G,
    margin: Duration,
    current: Mutex<Option<Cached>>,
    fetching: tokio::sync::Mutex<()>,
}

impl<G: Grant> TokenCache<G> {
    pub fn new(grant: G, margin: Duration) -> Self {
        TokenCache {
            grant,
            margin,
            current: Mutex::new(None),
            fetching: tokio::sync::Mutex::new(()),
        }
    }

    fn valid(&self) -> Option<HeaderValue> {
        let current = self.current.lock().ok()?;
        current
            .as_ref()
            .filter(|c| Instant::now() < c.refresh_at)
            .map(|c| c.header.clone())
    }

    /// A valid token as its `Authorization` header, fetching one if needed
    /// (one request at a time).
    pub async fn token(
        &self,
        http: &reqwest::Client,
        token_url: &str,
    ) -> Result<HeaderValue, TokenError> {
        if let Some(header) = self.valid() {
            return Ok(header);
        }
        let _single_flight = self.fetching.lock().await;
        if let Some(header) = self.valid() {
            return Ok(header);
        }
        let form = self.grant.form().await?;
        self.exchange(http, token_url, &form).await
    }

    /// Posts `form` to the token endpoint, lets the grant see the answer
    /// (e.g. to persist a new refresh token, when one comes), and caches the access
    /// token it brought.
    pub async fn exchange(
        &self,
        http: &reqwest::Client,
        token_url: &str,
        form: &Form,
    ) -> Result<HeaderValue, TokenError> {
        let body = request_token(http, token_url, form).await?;
        self.grant.accept(&body).await?;
        let header = super::bearer(body.access_token.expose_secret()).ok_or_else(|| {
            TokenError::Malformed(
                "the access token has characters an HTTP header cannot carry".to_string(),
            )
        })?;
        let refresh_at = Instant::now() + body.lifetime().saturating_sub(self.margin);
        if let Ok(mut current) = self.current.lock() {
            *current = Some(Cached {
                header: header.clone(),
                refresh_at,
            });
        }
        Ok(header)
    }

    /// Forgets the token sent as `used` if it is still the cached one (a
    /// concurrent refresh may already have replaced it).
    pub fn invalidate(&self, used: &HeaderValue) {
        if let Ok(mut current) = self.current.lock()
            && current.as_ref().is_some_and(|c| c.header == *used)
        {
            *current = None;
        }
    }

    /// The grant this cache fetches with.
    pub fn grant(&self) -> &G {
        &self.grant
    }
}

/// Token responses (and refusals) larger than this are not read further.
const TOKEN_BODY_LIMIT: usize = 64 * 1024;

/// Posts one token request and reads the token or the refusal.
pub(crate) async fn request_token(
    http: &reqwest::Client,
    token_url: &str,
    form: &Form,
) -> Result<TokenBody, TokenError> {
    let exposed: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.expose_secret())).collect();
    let mut response = http
        .post(token_url)
        .form(&exposed)
        .send()
        .await
        .map_err(TokenError::Transport)?;
    let status = response.status();
    let bytes = crate::runtime::read_capped(&mut response, TOKEN_BODY_LIMIT)
        .await
        .map_err(TokenError::Transport)?
        .ok_or_else(|| {
            TokenError::Malformed(format!(
                "the body exceeds {TOKEN_BODY_LIMIT} bytes; not read further"
            ))
        })?;
    if status.is_success() {
        return serde_json::from_slice(&bytes).map_err(|e| TokenError::Malformed(e.to_string()));
    }
    let body: Option<ErrorBody> = serde_json::from_slice(&bytes).ok();
    let (code, message, request_id) = match body {
        Some(b) => (
            b.code
                .clone()
                .or_else(|| b.error_description.as_ref().and(b.error.clone())),
            b.error_description
                .or(b.message)
                .or(b.error)
                .unwrap_or_default(),
            b.request_id,
        ),
        None => (
            None,
            String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).into_owned(),
            None,
        ),
    };
    Err(TokenError::Rejected {
        status,
        code,
        message,
        request_id,
    })
}
