//! OAuth access tokens from `POST /oauth/token`: cached, refreshed a margin
//! before they expire, fetched by exactly one request however many tasks
//! need one at once (single flight), and invalidated on `token_expired`.

use std::sync::Mutex;
use std::time::{Duration, Instant};

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
}

/// A grant that yields access tokens.
pub(crate) trait Grant: Send + Sync {
    /// The form fields of one token request.
    fn form(
        &self,
    ) -> impl std::future::Future<Output = Result<Vec<(&'static str, SecretString)>, TokenError>> + Send;
}

/// The client-credentials grant.
pub(crate) struct ClientCredentials {
    pub client_id: String,
    pub client_secret: SecretString,
    pub scope: Option<String>,
}

impl Grant for ClientCredentials {
    async fn form(&self) -> Result<Vec<(&'static str, SecretString)>, TokenError> {
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

#[derive(Deserialize)]
struct TokenBody {
    access_token: String,
    expires_in: Option<u64>,
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
    token: SecretString,
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

    fn valid(&self) -> Option<SecretString> {
        let current = self.current.lock().ok()?;
        current
            .as_ref()
            .filter(|c| Instant::now() < c.refresh_at)
            .map(|c| c.token.clone())
    }

    /// A valid token, fetching one if needed (one request at a time).
    pub async fn token(
        &self,
        http: &reqwest::Client,
        token_url: &str,
    ) -> Result<SecretString, TokenError> {
        if let Some(token) = self.valid() {
            return Ok(token);
        }
        let _single_flight = self.fetching.lock().await;
        if let Some(token) = self.valid() {
            return Ok(token);
        }
        let (token, lifetime) = self.fetch(http, token_url).await?;
        let refresh_at = Instant::now() + lifetime.saturating_sub(self.margin);
        if let Ok(mut current) = self.current.lock() {
            *current = Some(Cached {
                token: token.clone(),
                refresh_at,
            });
        }
        Ok(token)
    }

    /// Forgets `used` if it is still the cached token (a concurrent refresh
    /// may already have replaced it).
    pub fn invalidate(&self, used: &SecretString) {
        if let Ok(mut current) = self.current.lock()
            && current
                .as_ref()
                .is_some_and(|c| c.token.expose_secret() == used.expose_secret())
        {
            *current = None;
        }
    }

    async fn fetch(
        &self,
        http: &reqwest::Client,
        token_url: &str,
    ) -> Result<(SecretString, Duration), TokenError> {
        let form = self.grant.form().await?;
        let exposed: Vec<(&str, &str)> =
            form.iter().map(|(k, v)| (*k, v.expose_secret())).collect();
        let response = http
            .post(token_url)
            .form(&exposed)
            .send()
            .await
            .map_err(TokenError::Transport)?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(TokenError::Transport)?;
        if status.is_success() {
            let body: TokenBody =
                serde_json::from_slice(&bytes).map_err(|e| TokenError::Malformed(e.to_string()))?;
            // One hour unless the server says otherwise (seed 000).
            let lifetime = Duration::from_secs(body.expires_in.unwrap_or(3600));
            return Ok((SecretString::from(body.access_token), lifetime));
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
}
