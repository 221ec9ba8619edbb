//! OAuth 2.0 authorization code flow with PKCE (preview, seed 000): for apps
//! acting on behalf of a user (a dealer admin or operator approves the
//! scopes). Access tokens live one hour; refresh tokens thirty days in a
//! sliding window that any API call resets (seed 000). The seeds never say
//! refresh tokens rotate: the current one is kept and reused, and replaced
//! only when a token response carries a new `refresh_token`. Refresh tokens
//! are persisted through a [`TokenStore`] you choose.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use chekt_api::auth::authorization_code::{AuthorizationCode, MemoryTokenStore};
//!
//! let flow = AuthorizationCode::new("my-client-id", "https://app.example.com/callback");
//! let client = chekt_api::Client::builder()
//!     .authorization_code(flow.clone(), Arc::new(MemoryTokenStore::default()))
//!     .build()?;
//!
//! // 1. Send the user to the authorize URL; keep `pending` (e.g. in the session).
//! let pending = flow.authorize_url(&["sites:read", "devices:read"]);
//! println!("open {}", pending.url());
//!
//! // 2. CHeKT redirects back with `?code=…&state=…`.
//! # let (code, state) = ("", "");
//! client.complete_authorization(pending, code, state).await?;
//!
//! // 3. Calls now carry the user's token, refreshed as needed.
//! # Ok(())
//! # }
//! ```

use std::sync::Mutex;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures::future::BoxFuture;
use secrecy::SecretString;
use sha2::{Digest, Sha256};

use super::token::{Form, Grant, TokenError};

/// Where users are sent to sign in and approve scopes.
pub const DEFAULT_AUTHORIZE_URL: &str = "https://auth.chekt.com/oauth/authorize";

/// An app's registration for the authorization code flow.
#[derive(Clone)]
pub struct AuthorizationCode {
    client_id: String,
    client_secret: Option<SecretString>,
    redirect_uri: String,
    authorize_url: String,
}

impl std::fmt::Debug for AuthorizationCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthorizationCode")
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "[redacted]"),
            )
            .field("redirect_uri", &self.redirect_uri)
            .field("authorize_url", &self.authorize_url)
            .finish()
    }
}

impl AuthorizationCode {
    /// A public client (PKCE only, no secret) redirecting to `redirect_uri`.
    ///
    /// ```
    /// use chekt_api::auth::authorization_code::AuthorizationCode;
    ///
    /// let flow = AuthorizationCode::new("my-client-id", "https://app.example.com/callback");
    /// let pending = flow.authorize_url(&["sites:read"]);
    /// assert!(pending.url().starts_with("https://auth.chekt.com/oauth/authorize?"));
    /// assert!(pending.url().contains("&client_id=my-client-id&"));
    /// ```
    pub fn new(client_id: impl Into<String>, redirect_uri: impl Into<String>) -> Self {
        AuthorizationCode {
            client_id: client_id.into(),
            client_secret: None,
            redirect_uri: redirect_uri.into(),
            authorize_url: DEFAULT_AUTHORIZE_URL.to_string(),
        }
    }

    /// A confidential client also sends its secret with each token request.
    ///
    /// ```
    /// use chekt_api::auth::authorization_code::AuthorizationCode;
    ///
    /// let flow = AuthorizationCode::new("my-client-id", "https://app.example.com/callback")
    ///     .client_secret("cs_example_secret");
    /// assert!(!format!("{flow:?}").contains("cs_example_secret"));
    /// ```
    pub fn client_secret(mut self, secret: impl Into<String>) -> Self {
        self.client_secret = Some(SecretString::from(secret.into()));
        self
    }

    /// The authorization endpoint (default [`DEFAULT_AUTHORIZE_URL`]).
    ///
    /// ```
    /// use chekt_api::auth::authorization_code::AuthorizationCode;
    ///
    /// let flow = AuthorizationCode::new("my-client-id", "https://app.example.com/callback")
    ///     .authorize_endpoint("http://localhost:8080/oauth/authorize");
    /// let pending = flow.authorize_url(&["sites:read"]);
    /// assert!(pending.url().starts_with("http://localhost:8080/oauth/authorize?"));
    /// ```
    pub fn authorize_endpoint(mut self, url: impl Into<String>) -> Self {
        self.authorize_url = url.into();
        self
    }

    /// Starts an authorization: a URL to send the user to, with a fresh
    /// PKCE verifier (S256 challenge) and `state`.
    ///
    /// # Panics
    ///
    /// When the operating system's random generator fails (`getrandom`;
    /// it does not on supported platforms once booted): a verifier or state
    /// from a weaker source would let a code be stolen.
    ///
    /// ```
    /// use chekt_api::auth::authorization_code::AuthorizationCode;
    ///
    /// let flow = AuthorizationCode::new("my-client-id", "https://app.example.com/callback");
    /// let pending = flow.authorize_url(&["sites:read", "devices:read"]);
    /// assert!(pending.url().contains("&scope=sites%3Aread+devices%3Aread&"));
    /// assert!(pending.url().ends_with("&code_challenge_method=S256"));
    /// // Redirect the user to `pending.url()`; keep `pending` until they come back.
    /// ```
    pub fn authorize_url(&self, scopes: &[&str]) -> PendingAuthorization {
        self.authorize_url_with(scopes, random_token(), random_token())
    }

    fn authorize_url_with(
        &self,
        scopes: &[&str],
        verifier: String,
        state: String,
    ) -> PendingAuthorization {
        let challenge = pkce_challenge(&verifier);
        let query = [
            ("response_type", "code"),
            ("client_id", &self.client_id),
            ("redirect_uri", &self.redirect_uri),
            ("scope", &scopes.join(" ")),
            ("state", &state),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ];
        let encoded = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(query)
            .finish();
        let separator = if self.authorize_url.contains('?') {
            '&'
        } else {
            '?'
        };
        PendingAuthorization {
            url: format!("{}{separator}{encoded}", self.authorize_url),
            state,
            verifier: SecretString::from(verifier),
        }
    }

    /// The form of the code exchange.
    pub(crate) fn exchange_form(&self, code: &str, verifier: &SecretString) -> Form {
        let mut form = vec![
            ("grant_type", SecretString::from("authorization_code")),
            ("code", SecretString::from(code.to_string())),
            (
                "redirect_uri",
                SecretString::from(self.redirect_uri.clone()),
            ),
            ("client_id", SecretString::from(self.client_id.clone())),
            ("code_verifier", verifier.clone()),
        ];
        if let Some(secret) = &self.client_secret {
            form.push(("client_secret", secret.clone()));
        }
        form
    }
}

/// 32 bytes from the operating system's generator, base64url: a PKCE
/// verifier (43 characters) or a state (RFC 7636 §4.1: a cryptographic
/// random source).
#[allow(clippy::expect_used)] // see `authorize_url`'s "Panics"
fn random_token() -> String {
    let mut bytes = [0; 32];
    getrandom::getrandom(&mut bytes).expect("the operating system's random generator failed");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The S256 code challenge of a PKCE verifier (RFC 7636 §4.2).
///
/// ```
/// use chekt_api::auth::authorization_code::pkce_challenge;
///
/// assert_eq!(
///     pkce_challenge("chekt-pkce-verifier-0123456789abcdefghijklmnop"),
///     "2ZpI1SeBGsOkqsgabuy9d7QuJNn2R7kwC08hFrsUgyE"
/// );
/// ```
pub fn pkce_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// An authorization in progress: keep it (e.g. in the user's session)
/// until the redirect comes back, then pass it to
/// [`Client::complete_authorization`](crate::Client::complete_authorization).
pub struct PendingAuthorization {
    url: String,
    state: String,
    verifier: SecretString,
}

impl std::fmt::Debug for PendingAuthorization {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingAuthorization")
            .field("url", &self.url)
            .field("state", &self.state)
            .field("verifier", &"[redacted]")
            .finish()
    }
}

impl PendingAuthorization {
    /// Where to send the user.
    ///
    /// ```
    /// # let flow = chekt_api::auth::authorization_code::AuthorizationCode::new("id", "https://app.example.com/cb");
    /// let pending = flow.authorize_url(&["sites:read"]);
    /// assert!(pending.url().contains("&code_challenge="));
    /// ```
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The `state` sent, which the redirect must return unchanged.
    ///
    /// ```
    /// # let flow = chekt_api::auth::authorization_code::AuthorizationCode::new("id", "https://app.example.com/cb");
    /// let pending = flow.authorize_url(&["sites:read"]);
    /// assert!(pending.url().contains(&format!("&state={}&", pending.state())));
    /// ```
    pub fn state(&self) -> &str {
        &self.state
    }

    /// Resumes an authorization from its saved `state` and PKCE verifier
    /// (e.g. after storing them in a session cookie).
    ///
    /// ```
    /// use chekt_api::auth::authorization_code::{AuthorizationCode, PendingAuthorization};
    /// use chekt_api::secrecy::ExposeSecret;
    ///
    /// let flow = AuthorizationCode::new("my-client-id", "https://app.example.com/callback");
    /// let pending = flow.authorize_url(&["sites:read"]);
    /// let session = (pending.state().to_string(), pending.verifier().expose_secret().to_string());
    ///
    /// // Later, in the redirect handler (another request, maybe another process):
    /// let pending = PendingAuthorization::resume(session.0, session.1);
    /// // client.complete_authorization(pending, code, returned_state).await?;
    /// # let _ = pending;
    /// ```
    pub fn resume(state: impl Into<String>, verifier: impl Into<String>) -> Self {
        PendingAuthorization {
            url: String::new(),
            state: state.into(),
            verifier: SecretString::from(verifier.into()),
        }
    }

    /// The PKCE verifier, to save alongside the state.
    ///
    /// ```
    /// use chekt_api::auth::authorization_code::pkce_challenge;
    /// use chekt_api::secrecy::ExposeSecret;
    /// # let flow = chekt_api::auth::authorization_code::AuthorizationCode::new("id", "https://app.example.com/cb");
    ///
    /// let pending = flow.authorize_url(&["sites:read"]);
    /// let verifier = pending.verifier().expose_secret();
    /// assert!(pending.url().contains(&pkce_challenge(verifier)));
    /// assert!(!format!("{pending:?}").contains(verifier));
    /// ```
    pub fn verifier(&self) -> &SecretString {
        &self.verifier
    }

    pub(crate) fn check_state(&self, returned: &str) -> crate::Result<()> {
        use subtle::ConstantTimeEq;
        if bool::from(self.state.as_bytes().ct_eq(returned.as_bytes())) {
            Ok(())
        } else {
            Err(crate::Error::StateMismatch)
        }
    }
}

/// The tokens a user granted, as persisted between runs.
#[derive(Clone)]
pub struct StoredTokens {
    /// The refresh token (the long-lived secret).
    pub refresh_token: SecretString,
}

impl std::fmt::Debug for StoredTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredTokens")
            .field("refresh_token", &"[redacted]")
            .finish()
    }
}

pub use super::error::StoreError;

/// Where refresh tokens are kept between runs (a database row, a secret
/// manager, an encrypted file). The refresh token is kept across refreshes;
/// when a token response carries a new one, it is saved before the access
/// token is used.
pub trait TokenStore: Send + Sync + 'static {
    /// The stored tokens, if a user has authorized the app.
    ///
    /// ```
    /// use chekt_api::auth::authorization_code::{MemoryTokenStore, TokenStore};
    ///
    /// # futures::executor::block_on(async {
    /// let store = MemoryTokenStore::default();
    /// assert!(store.load().await?.is_none()); // nobody has authorized the app yet
    /// # Ok::<(), chekt_api::auth::authorization_code::StoreError>(())
    /// # }).unwrap();
    /// ```
    fn load(&self) -> BoxFuture<'_, Result<Option<StoredTokens>, StoreError>>;
    /// Replaces the stored tokens.
    ///
    /// ```
    /// use chekt_api::auth::authorization_code::{MemoryTokenStore, StoredTokens, TokenStore};
    /// use chekt_api::secrecy::ExposeSecret;
    ///
    /// # futures::executor::block_on(async {
    /// let store = MemoryTokenStore::default();
    /// store.save(StoredTokens { refresh_token: "rt_new".into() }).await?;
    /// let loaded = store.load().await?.map(|t| t.refresh_token.expose_secret().to_string());
    /// assert_eq!(loaded.as_deref(), Some("rt_new"));
    /// # Ok::<(), chekt_api::auth::authorization_code::StoreError>(())
    /// # }).unwrap();
    /// ```
    fn save(&self, tokens: StoredTokens) -> BoxFuture<'_, Result<(), StoreError>>;
}

/// A [`TokenStore`] in memory: for tests and short-lived processes.
#[derive(Default)]
pub struct MemoryTokenStore(Mutex<Option<StoredTokens>>);

impl std::fmt::Debug for MemoryTokenStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MemoryTokenStore([redacted])")
    }
}

impl TokenStore for MemoryTokenStore {
    fn load(&self) -> BoxFuture<'_, Result<Option<StoredTokens>, StoreError>> {
        let tokens = self
            .0
            .lock()
            .map(|g| g.clone())
            .map_err(|_| StoreError::new("poisoned"));
        Box::pin(std::future::ready(tokens))
    }

    fn save(&self, tokens: StoredTokens) -> BoxFuture<'_, Result<(), StoreError>> {
        let result = self
            .0
            .lock()
            .map(|mut g| *g = Some(tokens))
            .map_err(|_| StoreError::new("poisoned"));
        Box::pin(std::future::ready(result))
    }
}

/// The refresh-token grant over a store: loads the refresh token, and
/// saves a new one when a token response brings one.
pub(crate) struct RefreshGrant {
    pub flow: AuthorizationCode,
    pub store: std::sync::Arc<dyn TokenStore>,
}

impl std::fmt::Debug for RefreshGrant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RefreshGrant")
            .field("flow", &self.flow)
            .finish_non_exhaustive()
    }
}

impl Grant for RefreshGrant {
    const SCHEMES: &'static [crate::operations::Scheme] = &[crate::operations::Scheme::UserOAuth];

    async fn form(&self) -> Result<Form, TokenError> {
        let stored = self
            .store
            .load()
            .await
            .map_err(TokenError::Store)?
            .ok_or(TokenError::NotAuthorized)?;
        let mut form = vec![
            ("grant_type", SecretString::from("refresh_token")),
            ("refresh_token", stored.refresh_token),
            ("client_id", SecretString::from(self.flow.client_id.clone())),
        ];
        if let Some(secret) = &self.flow.client_secret {
            form.push(("client_secret", secret.clone()));
        }
        Ok(form)
    }

    /// A new refresh token a response brings is saved here (a response
    /// without one leaves the stored one in place).
    fn store(&self) -> Option<&std::sync::Arc<dyn TokenStore>> {
        Some(&self.store)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    // Computed independently with Python:
    //   import hashlib, base64
    //   v = b"chekt-pkce-verifier-0123456789abcdefghijklmnop"
    //   base64.urlsafe_b64encode(hashlib.sha256(v).digest()).rstrip(b"=")
    const VERIFIER: &str = "chekt-pkce-verifier-0123456789abcdefghijklmnop";
    const CHALLENGE: &str = "2ZpI1SeBGsOkqsgabuy9d7QuJNn2R7kwC08hFrsUgyE";

    #[test]
    fn challenge_matches_an_independent_computation() {
        assert_eq!(pkce_challenge(VERIFIER), CHALLENGE);
    }

    #[test]
    fn the_authorize_url_carries_every_parameter_encoded() {
        let flow = AuthorizationCode::new("app 1", "https://app.example.com/cb?x=1");
        let pending = flow.authorize_url_with(
            &["sites:read", "devices:read"],
            VERIFIER.into(),
            "st8".into(),
        );
        assert_eq!(
            pending.url(),
            format!(
                "https://auth.chekt.com/oauth/authorize?response_type=code&client_id=app+1\
                 &redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb%3Fx%3D1\
                 &scope=sites%3Aread+devices%3Aread&state=st8&code_challenge={CHALLENGE}\
                 &code_challenge_method=S256"
            )
        );
        assert_eq!(pending.state(), "st8");
    }

    #[test]
    fn fresh_authorizations_differ_and_keep_the_verifier_secret() {
        let flow =
            AuthorizationCode::new("app", "https://app.example.com/cb").client_secret("cs_x");
        let a = flow.authorize_url(&[]);
        let b = flow.authorize_url(&[]);
        assert_ne!(a.state(), b.state());
        assert_eq!(a.verifier().expose_secret().len(), 43);
        assert_ne!(a.verifier().expose_secret(), b.verifier().expose_secret());
        let debug = format!("{a:?} {flow:?}");
        assert!(!debug.contains(a.verifier().expose_secret()), "{debug}");
        assert!(!debug.contains("cs_x"), "{debug}");
    }

    #[test]
    fn state_must_match_exactly() {
        let pending = PendingAuthorization::resume("abc", VERIFIER);
        assert!(pending.check_state("abc").is_ok());
        for wrong in ["abd", "ab", "abcd", ""] {
            assert!(matches!(
                pending.check_state(wrong),
                Err(crate::Error::StateMismatch)
            ));
        }
    }
}
