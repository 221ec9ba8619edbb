//! Credentials, and which one each operation gets.
//!
//! The spec says which security scheme each operation accepts
//! (`operations::ALL`): `partnerOAuth` (client credentials or an
//! [`assertion`] token), `userOAuth` (a user's token from the
//! [`authorization_code`] flow, or the connect flow's authorization access
//! token given as a bearer token) and `apiKey`. The runtime picks the first
//! configured credential an operation accepts.

use reqwest::header::HeaderValue;

pub mod api_key;
pub mod assertion;
pub mod authorization_code;
pub(crate) mod token;

pub use api_key::{ApiKey, ApiKeyError, Environment};
pub use token::TokenError;

use crate::operations::{Operation, SecurityRequirement};
use authorization_code::RefreshGrant;
use token::{PartnerGrant, TokenCache};

/// The credentials a client holds.
#[derive(Default)]
pub(crate) struct Credentials {
    pub api_key: Option<ApiKey>,
    pub partner: Option<TokenCache<PartnerGrant>>,
    pub user: Option<TokenCache<RefreshGrant>>,
    /// A caller-supplied access token, as its `Authorization` header.
    pub user_token: Option<HeaderValue>,
}

/// A credential chosen for one request.
pub(crate) struct Authorization {
    /// The `Authorization` header value, marked sensitive.
    pub header: HeaderValue,
    /// Whether it carries a cached OAuth token that can be refreshed on
    /// `token_expired`.
    pub refreshable: bool,
}

/// Why a request could not be authorized locally.
#[derive(Debug)]
pub(crate) enum AuthFailure {
    /// No configured credential fits the operation.
    Missing(String),
    /// A token could not be obtained.
    Token(TokenError),
}

/// `Bearer <token>` as a header value marked sensitive (so HTTP layers do
/// not log it); `None` when the token has characters a header cannot carry.
pub(crate) fn bearer(token: &str) -> Option<HeaderValue> {
    let mut value = HeaderValue::from_str(&format!("Bearer {token}")).ok()?;
    value.set_sensitive(true);
    Some(value)
}

/// The schemes tried, in order, for a request that names no operation.
const ANY_SCHEME: &[&str] = &["partnerOAuth", "apiKey", "userOAuth"];

/// The schemes `op` accepts, in the spec's order ([`ANY_SCHEME`] when the
/// operation is unknown).
fn schemes(op: Option<&Operation>) -> impl Iterator<Item = &'static str> + Send {
    let declared: &'static [&'static [SecurityRequirement]] = op.map_or(&[], |o| o.security);
    let fallback: &'static [&'static str] = if op.is_none() { ANY_SCHEME } else { &[] };
    declared
        .iter()
        .flat_map(|alt: &'static &'static [SecurityRequirement]| alt.iter())
        .map(|r: &'static SecurityRequirement| r.scheme)
        .chain(fallback.iter().copied())
}

/// A credential that never changes (an API key, a caller's token).
fn fixed(header: &HeaderValue) -> Authorization {
    Authorization {
        header: header.clone(),
        refreshable: false,
    }
}

impl Credentials {
    /// The credential for `op` (`None` when it needs none).
    pub async fn authorize(
        &self,
        op: Option<&Operation>,
        http: &reqwest::Client,
        token_url: &str,
    ) -> Result<Option<Authorization>, AuthFailure> {
        if op.is_some_and(|op| op.security.is_empty()) {
            return Ok(None);
        }
        for scheme in schemes(op) {
            let cached = match scheme {
                "partnerOAuth" => match &self.partner {
                    Some(cache) => cache.token(http, token_url).await,
                    None => continue,
                },
                "userOAuth" => match &self.user {
                    Some(cache) => cache.token(http, token_url).await,
                    None => continue,
                },
                "apiKey" => match &self.api_key {
                    Some(key) => return Ok(Some(fixed(key.header()))),
                    None => continue,
                },
                _ => continue,
            };
            let header = cached.map_err(AuthFailure::Token)?;
            return Ok(Some(Authorization {
                header,
                refreshable: true,
            }));
        }
        // A token the caller supplied (the connect flow's authorization
        // token, or any access token) serves whatever is left.
        if let Some(header) = &self.user_token {
            return Ok(Some(fixed(header)));
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

    /// Drops a token the server called expired (`used` is the header it
    /// was sent in).
    pub fn invalidate(&self, used: &HeaderValue) {
        if let Some(cache) = &self.partner {
            cache.invalidate(used);
        }
        if let Some(cache) = &self.user {
            cache.invalidate(used);
        }
    }
}
