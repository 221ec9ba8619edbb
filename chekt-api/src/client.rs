//! Building a [`Client`]: base URL, credential, timeouts.

use std::time::Duration;

use secrecy::SecretString;

use crate::Client;
use crate::runtime::Runtime;

/// The production base URL.
pub const DEFAULT_BASE_URL: &str = "https://api.chekt.com";

/// Why a [`Client`] could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The base URL is not an absolute `http(s)` URL.
    #[error("invalid base URL `{url}`: {reason}")]
    BaseUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The token contains characters that cannot appear in a header.
    #[error("the bearer token contains characters not allowed in an HTTP header")]
    Token,
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
#[derive(Debug)]
pub struct ClientBuilder {
    base_url: String,
    bearer: Option<SecretString>,
    timeout: Duration,
    connect_timeout: Duration,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            base_url: DEFAULT_BASE_URL.to_string(),
            bearer: None,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
        }
    }
}

impl ClientBuilder {
    /// The API's base URL (default [`DEFAULT_BASE_URL`]); a trailing `/` is
    /// ignored.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// Send `Authorization: Bearer <token>` on every request: an API key
    /// (`chekt_live_…`), an OAuth access token, or the connect flow's
    /// authorization access token. The token never appears in `Debug`.
    pub fn bearer_token(mut self, token: impl Into<String>) -> Self {
        self.bearer = Some(SecretString::from(token.into()));
        self
    }

    /// Timeout for a whole request, headers and body (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Timeout for establishing a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<Client, BuildError> {
        let base_url = self.base_url.trim_end_matches('/').to_string();
        let parsed = reqwest::Url::parse(&base_url).map_err(|e| BuildError::BaseUrl {
            url: base_url.clone(),
            reason: e.to_string(),
        })?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(BuildError::BaseUrl {
                url: base_url,
                reason: "the scheme must be http or https".to_string(),
            });
        }
        if let Some(token) = &self.bearer {
            use secrecy::ExposeSecret;
            reqwest::header::HeaderValue::from_str(token.expose_secret())
                .map_err(|_| BuildError::Token)?;
        }
        let http = reqwest::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .user_agent(concat!("chekt-api-rs/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Client::new_with_client(
            &base_url,
            http,
            Runtime::new(self.bearer),
        ))
    }
}

impl Client {
    /// Starts building a client; see [`ClientBuilder`].
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }
}
