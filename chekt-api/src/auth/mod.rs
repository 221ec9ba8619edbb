//! Credentials, and which one each operation gets.
//!
//! The spec says which security scheme each operation accepts
//! (`operations::ALL`): `partnerOAuth` (client credentials or an
//! [`assertion`] token), `userOAuth` (a user's token from the
//! [`authorization_code`] flow, or the connect flow's authorization access
//! token given as a bearer token) and `apiKey`. Each configured credential
//! is a [`CredentialsProvider`]; the pipeline asks the first one serving a
//! scheme the operation accepts, in the spec's order.

use std::sync::Arc;

use reqwest::header::HeaderValue;

pub mod api_key;
pub mod assertion;
pub mod authorization_code;
pub(crate) mod error;
mod provider;
pub(crate) mod token;

pub use api_key::{ApiKey, ApiKeyError, Environment};
pub use error::TokenError;
pub use provider::{BearerToken, Credential, CredentialRequest, CredentialsProvider, Schemes};

use crate::operations::Operation;
use authorization_code::RefreshGrant;
use token::{PartnerGrant, TokenCache};

/// The credentials a client holds: providers in the order they are asked
/// ([`CredentialsProvider`]), and typed handles on the built-in token
/// caches for the flows that need them (login, authorization code).
#[derive(Default, Clone)]
pub(crate) struct Credentials {
    pub providers: Vec<Arc<dyn CredentialsProvider>>,
    pub partner: Option<Arc<TokenCache<PartnerGrant>>>,
    pub user: Option<Arc<TokenCache<RefreshGrant>>>,
}

/// `Bearer <token>` as a header value marked sensitive (so HTTP layers do
/// not log it); `None` when the token has characters a header cannot carry.
pub(crate) fn bearer(token: &str) -> Option<HeaderValue> {
    let mut value = HeaderValue::from_str(&format!("Bearer {token}")).ok()?;
    value.set_sensitive(true);
    Some(value)
}

impl Credentials {
    /// Only `provider`.
    pub fn only(provider: Arc<dyn CredentialsProvider>) -> Self {
        Credentials {
            providers: vec![provider],
            ..Credentials::default()
        }
    }

    /// The provider and credential for `op` (`None` when it needs none):
    /// the first provider serving a scheme it accepts, in the spec's order,
    /// else one of [`Schemes::Any`].
    ///
    /// Settled at once when the provider has a credential ready
    /// ([`CredentialsProvider::credential_now`]); otherwise its fetch.
    pub fn authorize<'a>(
        &'a self,
        op: &'a Operation,
        http: &'a reqwest::Client,
        token_url: &'a str,
        deadline: Option<tokio::time::Instant>,
    ) -> Authorization<'a> {
        if op.security.is_empty() {
            return Authorization::Ready(Ok(None));
        }
        let specific = op.security.iter().flat_map(|alt| alt.iter()).find_map(|r| {
            self.providers
                .iter()
                .find(|p| matches!(p.schemes(), Schemes::Only(s) if s.contains(&r.scheme)))
                .map(|p| (p, Some(r.scheme), r.scopes))
        });
        let chosen = specific.or_else(|| {
            self.providers
                .iter()
                .find(|p| p.schemes() == Schemes::Any)
                .map(|p| (p, None, &[][..]))
        });
        let Some((provider, scheme, scopes)) = chosen else {
            return Authorization::Ready(Err(missing(op)));
        };
        let request = CredentialRequest {
            operation: op.id,
            scheme,
            scopes,
            http,
            token_url,
            deadline,
        };
        if let Some(credential) = provider.credential_now(&request) {
            return Authorization::Ready(Ok(Some((provider.clone(), credential))));
        }
        Authorization::Fetch(Box::pin(async move {
            let credential = provider.credential(&request).await?;
            Ok(Some((provider.clone(), credential)))
        }))
    }
}

/// A provider and the credential it gave.
pub(crate) type Authorized = (Arc<dyn CredentialsProvider>, Credential);

/// How [`Credentials::authorize`] settles a call's credential.
pub(crate) enum Authorization<'a> {
    /// At once: none needed, one a provider had ready, or an error.
    Ready(crate::Result<Option<Authorized>>),
    /// The provider's fetch (e.g. a token request), to await under the
    /// call's deadline.
    Fetch(futures::future::BoxFuture<'a, crate::Result<Option<Authorized>>>),
}

fn missing(op: &Operation) -> crate::Error {
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
    crate::Error::MissingCredential {
        operation: op.id,
        message: format!(
            "it needs {}; configure a matching credential on ClientBuilder (client_credentials, assertion, api_key, authorization_code, bearer_token or credentials_provider)",
            needs.join(" or ")
        ),
    }
}
