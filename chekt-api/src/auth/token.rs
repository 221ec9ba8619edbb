//! OAuth access tokens from `POST /oauth/token`: cached, refreshed a margin
//! before they expire, fetched by exactly one request however many tasks
//! need one at once (single flight), and invalidated on `token_expired`.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::types::ErrorCode;

pub use super::error::TokenError;

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
            TokenError::Malformed {
                path: Some("access_token".to_string()),
                reason: "the access token has characters an HTTP header cannot carry".to_string(),
            }
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
    let unreachable = |source: reqwest::Error| TokenError::Unavailable {
        status: None,
        message: source.to_string(),
        request_id: None,
        source: Some(source),
    };
    let mut response = http
        .post(token_url)
        .form(&exposed)
        .send()
        .await
        .map_err(unreachable)?;
    let status = response.status();
    let bytes = crate::body::read_capped(&mut response, TOKEN_BODY_LIMIT)
        .await
        .map_err(unreachable)?
        .ok_or_else(|| TokenError::Malformed {
            path: None,
            reason: format!("the body exceeds {TOKEN_BODY_LIMIT} bytes; not read further"),
        })?;
    if status.is_success() {
        return crate::body::decode(&bytes)
            .map_err(|(path, reason)| TokenError::Malformed { path, reason });
    }
    Err(refusal(status, response.headers(), &bytes))
}

/// The token endpoint's error response as a [`TokenError`]: 5xx, 429 (and
/// any non-4xx) is `Unavailable`, to try again later; any other 4xx is
/// `OAuth` with the RFC 6749 §5.2 `error` (CHeKT's `code` first, since
/// CHeKT's bodies put the HTTP reason in `error`).
fn refusal(
    status: reqwest::StatusCode,
    headers: &reqwest::header::HeaderMap,
    bytes: &[u8],
) -> TokenError {
    let body: Option<ErrorBody> = serde_json::from_slice(bytes).ok();
    let header_id = headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let unavailable = !status.is_client_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS;
    let Some(body) = body else {
        let text = crate::body::excerpt(bytes);
        if unavailable {
            return TokenError::Unavailable {
                status: Some(status),
                message: text,
                request_id: header_id,
                source: None,
            };
        }
        return TokenError::OAuth {
            status,
            error: ErrorCode::Unknown(String::new()),
            description: (!text.is_empty()).then_some(text),
            request_id: header_id,
        };
    };
    let request_id = body.request_id.or(header_id);
    let description = body.error_description.or(body.message);
    if unavailable {
        return TokenError::Unavailable {
            status: Some(status),
            message: description.or(body.error).unwrap_or_default(),
            request_id,
            source: None,
        };
    }
    let error = body
        .code
        .or(body.error)
        .map(|code| ErrorCode::from(code.as_str()))
        .unwrap_or_else(|| ErrorCode::Unknown(String::new()));
    TokenError::OAuth {
        status,
        error,
        description,
        request_id,
    }
}
