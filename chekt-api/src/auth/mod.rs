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
pub(crate) mod error;
pub(crate) mod token;

pub use api_key::{ApiKey, ApiKeyError, Environment};
pub use error::TokenError;

use crate::operations::{Operation, Scheme};
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

/// `Bearer <token>` as a header value marked sensitive (so HTTP layers do
/// not log it); `None` when the token has characters a header cannot carry.
pub(crate) fn bearer(token: &str) -> Option<HeaderValue> {
    let mut value = HeaderValue::from_str(&format!("Bearer {token}")).ok()?;
    value.set_sensitive(true);
    Some(value)
}

/// A credential that never changes (an API key, a caller's token).
fn fixed(header: &HeaderValue) -> Authorization {
    Authorization {
        header: header.clone(),
        refreshable: false,
    }
}

impl Credentials {
    /// The credential for `op` (`None` when it needs none): the first
    /// configured one among the schemes it accepts, in the spec's order,
    /// else a caller-supplied access token.
    pub async fn authorize(
        &self,
        op: &Operation,
        http: &reqwest::Client,
        token_url: &str,
    ) -> crate::Result<Option<Authorization>> {
        if op.security.is_empty() {
            return Ok(None);
        }
        for requirement in op.security.iter().flat_map(|alt| alt.iter()) {
            let header = match requirement.scheme {
                Scheme::PartnerOAuth => match &self.partner {
                    Some(cache) => cache.token(http, token_url).await?,
                    None => continue,
                },
                Scheme::UserOAuth => match &self.user {
                    Some(cache) => cache.token(http, token_url).await?,
                    None => continue,
                },
                Scheme::ApiKey => match &self.api_key {
                    Some(key) => return Ok(Some(fixed(key.header()))),
                    None => continue,
                },
            };
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
        let needs: Vec<String> = op
            .security
            .iter()
            .flat_map(|alt| alt.iter())
            .map(|r| {
                if r.scopes.is_empty() {
                    r.scheme.name().to_string()
                } else {
                    format!("{} ({})", r.scheme.name(), r.scopes.join(", "))
                }
            })
            .collect();
        Err(crate::Error::MissingCredential {
            operation: op.id,
            message: format!(
                "it needs {}; configure a matching credential on ClientBuilder (client_credentials, assertion, api_key, authorization_code or bearer_token)",
                needs.join(" or ")
            ),
        })
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
