//! Credentials, and which one each operation gets.
//!
//! The spec says which security scheme each operation accepts
//! (`operations::ALL`): `partnerOAuth` (client credentials or an
//! [`assertion`] token), `userOAuth` (a user's token from the
//! [`authorization_code`] flow, or the connect flow's authorization access
//! token given as a bearer token) and `apiKey`. The runtime picks the first
//! configured credential an operation accepts.

use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};

pub mod api_key;
pub mod assertion;
pub mod authorization_code;
pub(crate) mod token;

pub use api_key::{ApiKey, ApiKeyError, Environment};
pub use token::TokenError;

use crate::operations::Operation;
use authorization_code::RefreshGrant;
use token::{PartnerGrant, TokenCache};

/// The credentials a client holds.
#[derive(Default)]
pub(crate) struct Credentials {
    pub api_key: Option<ApiKey>,
    pub partner: Option<TokenCache<PartnerGrant>>,
    pub user: Option<TokenCache<RefreshGrant>>,
    pub user_token: Option<SecretString>,
}

/// A refreshable OAuth token as an `Authorization`.
fn refreshable(token: SecretString) -> Option<Authorization> {
    bearer(token.expose_secret()).map(|header| Authorization {
        header,
        refreshable: Some(token),
    })
}

/// A credential chosen for one request.
pub(crate) struct Authorization {
    /// The `Authorization` header value, marked sensitive.
    pub header: HeaderValue,
    /// The OAuth token it carries, when it can be refreshed on
    /// `token_expired`.
    pub refreshable: Option<SecretString>,
}

/// Why a request could not be authorized locally.
#[derive(Debug)]
pub(crate) enum AuthFailure {
    /// No configured credential fits the operation.
    Missing(String),
    /// A token could not be obtained.
    Token(TokenError),
}

fn bearer(token: &str) -> Option<HeaderValue> {
    let mut value = HeaderValue::from_str(&format!("Bearer {token}")).ok()?;
    value.set_sensitive(true);
    Some(value)
}

impl Credentials {
    /// The credential for `op` (`None` when it needs none).
    pub async fn authorize(
        &self,
        op: Option<&Operation>,
        http: &reqwest::Client,
        token_url: &str,
    ) -> Result<Option<Authorization>, AuthFailure> {
        let schemes: Vec<&str> = match op {
            Some(op) if op.security.is_empty() => return Ok(None),
            Some(op) => op
                .security
                .iter()
                .flat_map(|alt| alt.iter().map(|r| r.scheme))
                .collect(),
            None => vec!["partnerOAuth", "apiKey", "userOAuth"],
        };
        for scheme in &schemes {
            match *scheme {
                "partnerOAuth" => {
                    if let Some(cache) = &self.partner {
                        let token = cache
                            .token(http, token_url)
                            .await
                            .map_err(AuthFailure::Token)?;
                        return Ok(refreshable(token));
                    }
                }
                "userOAuth" => {
                    if let Some(cache) = &self.user {
                        let token = cache
                            .token(http, token_url)
                            .await
                            .map_err(AuthFailure::Token)?;
                        return Ok(refreshable(token));
                    }
                }
                "apiKey" => {
                    if let Some(key) = &self.api_key {
                        return Ok(bearer(key.expose()).map(|header| Authorization {
                            header,
                            refreshable: None,
                        }));
                    }
                }
                _ => {}
            }
        }
        // A token the caller supplied (the connect flow's authorization
        // token, or any access token) serves whatever is left.
        if let Some(token) = &self.user_token {
            return Ok(bearer(token.expose_secret()).map(|header| Authorization {
                header,
                refreshable: None,
            }));
        }
        let id = op.map(|o| o.id).unwrap_or("this operation");
        let scopes: Vec<String> = op
            .into_iter()
            .flat_map(|o| o.security.iter().flat_map(|alt| alt.iter()))
            .map(|r| {
                format!(
                    "{}{}",
                    r.scheme,
                    if r.scopes.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", r.scopes.join(", "))
                    }
                )
            })
            .collect();
        Err(AuthFailure::Missing(format!(
            "{id} needs {}; configure a matching credential on ClientBuilder (client_credentials, assertion, api_key, authorization_code or bearer_token)",
            scopes.join(" or ")
        )))
    }

    /// Drops a token the server called expired.
    pub fn invalidate(&self, token: &SecretString) {
        if let Some(cache) = &self.partner {
            cache.invalidate(token);
        }
        if let Some(cache) = &self.user {
            cache.invalidate(token);
        }
    }
}
