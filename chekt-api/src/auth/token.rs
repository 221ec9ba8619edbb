//! OAuth access tokens from `POST /oauth/token`: cached, refreshed a margin
//! before they expire, fetched by exactly one request however many tasks
//! need one at once (single flight, failures included, except a failure
//! shaped by the fetching call's own deadline), and invalidated on
//! `token_expired`.
//!
//! The token endpoint is a server like any other ([`request_token`]): its
//! transient failures (429, 5xx, a connection refused or reset, a timeout)
//! are retried under the client's [`RetryPolicy`] (backoff, `Retry-After`,
//! attempts) and an optional deadline; RFC 6749 §5.2 refusals
//! (`invalid_client`, `invalid_grant`, ...) are not. A token request runs
//! to its end in a task of its own, holding the single-flight lock, even
//! when the call that needed it is dropped, and a refresh attempt in
//! flight when the call's deadline passes is not cut off: a rotated refresh
//! token is always saved before the next request loads it.
//!
//! Lifetimes (RFC 6749 §5.1 makes `expires_in` optional) are read by
//! [`Lifetime`]; the refresh margin is at most half the lifetime, so a
//! short-lived token is still reused.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::authorization_code::{StoredTokens, TokenStore};
use crate::retry::RetryPolicy;
use crate::types::ErrorCode;

pub use super::error::TokenError;

/// The form of one token request.
pub(crate) type Form = Vec<(&'static str, SecretString)>;

/// A grant that yields access tokens.
pub(crate) trait Grant: Send + Sync {
    /// The security schemes (`components/securitySchemes`) whose
    /// operations the grant's tokens serve.
    const SCHEMES: &'static [crate::operations::Scheme];

    /// The form fields of one token request.
    fn form(&self) -> impl std::future::Future<Output = Result<Form, TokenError>> + Send;

    /// Where a new refresh token a response brings is saved before the
    /// access token is used (`None`: the grant keeps none).
    fn store(&self) -> Option<&Arc<dyn TokenStore>> {
        None
    }
}

/// The grant for Partner API calls.
pub(crate) enum PartnerGrant {
    ClientCredentials(ClientCredentials),
    Assertion(super::assertion::Assertion),
}

impl Grant for PartnerGrant {
    const SCHEMES: &'static [crate::operations::Scheme] =
        &[crate::operations::Scheme::PartnerOAuth];

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
    const SCHEMES: &'static [crate::operations::Scheme] = PartnerGrant::SCHEMES;

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
    #[serde(default)]
    pub expires_in: Lifetime,
    pub refresh_token: Option<SecretString>,
    /// `Bearer` (RFC 6749 §7.1); shown by `chekt auth login`.
    #[serde(default)]
    pub token_type: Option<String>,
    /// The granted scopes, space separated; shown by `chekt auth login`.
    #[serde(default)]
    pub scope: Option<String>,
}

/// What `chekt auth login` shows of a fresh token (never the token).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Issued {
    pub lifetime: Duration,
    /// Whether the token endpoint stated the lifetime (`expires_in`), or
    /// [`DEFAULT_LIFETIME`] was assumed.
    pub lifetime_stated: bool,
    pub token_type: Option<String>,
    pub scope: Option<String>,
}

/// The token's lifetime as the token endpoint stated it in `expires_in`.
///
/// | `expires_in` | lifetime |
/// | --- | --- |
/// | absent, `null`, a string that is not a (finite) number, or any other JSON type | [`DEFAULT_LIFETIME`] (one hour, seed 000) |
/// | a positive integer, float or numeric string (`"3600"`, a gateway that stringifies numbers) | that many seconds, fractions dropped, at most [`MAX_LIFETIME`] (also a number no `f64` holds, `1e400`) |
/// | `0` or negative | already expired: used for the calls that waited for it, never reused |
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(crate) enum Lifetime {
    /// Not stated (or not a number).
    #[default]
    Unstated,
    /// Stated, in whole seconds; `<= 0` means already expired.
    Seconds(i64),
}

/// The lifetime assumed when the token endpoint states none: one hour
/// (seed 000's access-token lifetime).
pub(crate) const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);
/// Longer stated lifetimes are cut to this (30 days), so no deadline
/// overflows.
pub(crate) const MAX_LIFETIME: Duration = Duration::from_secs(30 * 24 * 3600);

impl<'de> Deserialize<'de> for Lifetime {
    /// Read from the raw JSON text, so a number no `f64` holds (`1e400`)
    /// is a (clamped) lifetime, not a failed token response.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Box::<serde_json::value::RawValue>::deserialize(deserializer)?;
        let seconds = |n: f64| Lifetime::Seconds(n.clamp(i64::MIN as f64, i64::MAX as f64) as i64);
        let text = raw.get().trim();
        if let Ok(n) = text.parse::<i64>() {
            return Ok(Lifetime::Seconds(n));
        }
        if text.starts_with(['-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9']) {
            // A JSON number: out of range parses as ±infinity, clamped.
            return Ok(text.parse::<f64>().map_or(Lifetime::Unstated, seconds));
        }
        Ok(match serde_json::from_str::<serde_json::Value>(text) {
            Ok(serde_json::Value::String(text)) => text
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                .map(seconds)
                .unwrap_or_default(),
            _ => Lifetime::Unstated,
        })
    }
}

impl Lifetime {
    /// How long the token lives; zero when it is already expired.
    pub fn duration(self) -> Duration {
        match self {
            Lifetime::Unstated => DEFAULT_LIFETIME,
            Lifetime::Seconds(n) => Duration::from_secs(n.max(0).unsigned_abs()).min(MAX_LIFETIME),
        }
    }
}

/// How long before a token of `lifetime` expires it is refreshed: the
/// configured `margin`, but at most half the lifetime (so a 30 s token
/// with the default 60 s margin is reused for 15 s, not refetched on every
/// call).
pub(crate) fn refresh_after(lifetime: Duration, margin: Duration) -> Duration {
    lifetime - margin.min(lifetime / 2)
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

/// The outcome of the latest token request, for the tasks that queued
/// behind it.
#[derive(Default)]
struct Latest {
    /// Counts finished token requests.
    generation: u64,
    /// How the latest one ended: the header or the failure.
    outcome: Option<Result<HeaderValue, TokenError>>,
    /// Set when the failure is the fetching call's alone (its deadline
    /// refused a retry wait): the instant before which no token request
    /// is sent. A call that cannot wait that long gets the failure; one
    /// that can waits, then asks itself.
    not_before: Option<tokio::time::Instant>,
}

/// A cached token for one grant.
pub(crate) struct TokenCache<G> {
    grant: G,
    retry: RetryPolicy,
    /// Shared with the token request's task, which caches the token and
    /// records the outcome itself: a caller dropped mid-request loses
    /// neither.
    state: Arc<State>,
    /// Held from the check of the cache to the end of the token request
    /// (by the request's own task once it is sent).
    fetching: Arc<tokio::sync::Mutex<()>>,
}

/// What a [`TokenCache`] knows: the token, and how the latest request
/// ended.
struct State {
    margin: Duration,
    current: Mutex<Option<Cached>>,
    latest: Mutex<Latest>,
}

/// The single-flight lock, held.
type Fetching = tokio::sync::OwnedMutexGuard<()>;

impl<G: Grant> TokenCache<G> {
    /// A cache for `grant`, refreshing `margin` before expiry, retrying the
    /// token endpoint under `retry`.
    pub fn new(grant: G, margin: Duration, retry: RetryPolicy) -> Self {
        TokenCache {
            grant,
            retry,
            state: Arc::new(State {
                margin,
                current: Mutex::new(None),
                latest: Mutex::new(Latest::default()),
            }),
            fetching: Arc::new(tokio::sync::Mutex::new(())),
        }
    }

    async fn lock(&self) -> Fetching {
        Arc::clone(&self.fetching).lock_owned().await
    }

    pub(crate) fn valid(&self) -> Option<HeaderValue> {
        let current = self.state.current.lock().ok()?;
        current
            .as_ref()
            .filter(|c| Instant::now() < c.refresh_at)
            .map(|c| c.header.clone())
    }

    fn generation(&self) -> u64 {
        self.state.latest.lock().map(|l| l.generation).unwrap_or(0)
    }

    /// A valid token as its `Authorization` header, fetching one if needed:
    /// one request at a time, and the tasks that waited for a request get
    /// its outcome (the same token, or the same failure) instead of
    /// sending one each. Gives up on the token endpoint (retries included)
    /// at `deadline` (the whole call's), when one is set.
    ///
    /// The rule for what the waiting tasks get: only an outcome that does
    /// not depend on the fetching call's own limits. A token, a refusal,
    /// a failure the client's retry policy gives up on (attempts spent, a
    /// `Retry-After` beyond `max_retry_after`) is everyone's. A failure
    /// shaped by this call's `deadline` is this call's alone. The request
    /// cut off: it is not recorded, and a waiting task sends a request of
    /// its own under its own deadline. A retry wait that would end past
    /// the deadline: the server's (or the policy's) wait is everyone's, so
    /// until it ends no task asks again; one whose own deadline ends first
    /// gets the failure at once, one with the time waits, then asks. (A
    /// fetching call dropped before the end records nothing.)
    pub async fn token_within(
        &self,
        http: &reqwest::Client,
        token_url: &str,
        deadline: Option<tokio::time::Instant>,
    ) -> Result<HeaderValue, TokenError> {
        if let Some(header) = self.valid() {
            return Ok(header);
        }
        let before = self.generation();
        let single_flight = self.lock().await;
        if let Some(header) = self.valid() {
            return Ok(header);
        }
        let not_before = match self.state.latest.lock() {
            Ok(latest) => match (&latest.outcome, latest.not_before) {
                // A request finished while this task waited: its outcome.
                (Some(outcome), None) if latest.generation != before => return outcome.clone(),
                // A retry that a deadline refused is not sent before its
                // time, by any task: fail now if this one cannot wait.
                (Some(Err(error)), Some(at)) if at > tokio::time::Instant::now() => {
                    if deadline.is_some_and(|d| d <= at) {
                        return Err(error.clone());
                    }
                    Some(at)
                }
                _ => None,
            },
            Err(_) => None,
        };
        if let Some(at) = not_before {
            // The lock held: the tasks queued behind wait too.
            tokio::time::sleep_until(at).await;
        }
        // The outcome is recorded before the lock is released, for the
        // tasks queued on it (see above).
        match self.grant.form().await {
            Ok(form) => {
                let (_held, fetched) = self
                    .exchange_holding(single_flight, http, token_url, &form, deadline, true)
                    .await;
                fetched.map(|(header, _)| header).map_err(|f| f.error)
            }
            Err(error) => {
                let failed = Failed::shared(error);
                self.state.record(Err(&failed));
                drop(single_flight);
                Err(failed.error)
            }
        }
    }

    /// Fetches a token now, whatever the cache holds, and caches it;
    /// returns its lifetime (`chekt auth login`).
    #[cfg(feature = "cli")]
    pub async fn fetch_now(
        &self,
        http: &reqwest::Client,
        token_url: &str,
    ) -> Result<Issued, TokenError> {
        let single_flight = self.lock().await;
        let form = self.grant.form().await?;
        let (_held, fetched) = self
            .exchange_holding(single_flight, http, token_url, &form, None, false)
            .await;
        fetched.map(|(_, i)| i).map_err(|f| f.error)
    }

    /// Posts `form` to the token endpoint, lets the grant see the answer
    /// (e.g. to persist a new refresh token, when one comes), and caches the
    /// access token it brought; returns it with its lifetime.
    pub async fn exchange(
        &self,
        http: &reqwest::Client,
        token_url: &str,
        form: &Form,
    ) -> Result<(HeaderValue, Issued), TokenError> {
        let single_flight = self.lock().await;
        let (_held, fetched) = self
            .exchange_holding(single_flight, http, token_url, form, None, false)
            .await;
        fetched.map_err(|f| f.error)
    }

    /// [`exchange`](Self::exchange) with the single-flight lock held. The
    /// request, the saving of a new refresh token, the caching of the
    /// access token and (with `record`) the recording of the outcome for
    /// the tasks queued on the lock run in a task of their own that keeps
    /// the lock to its end, so dropping this future at any await point
    /// loses no rotated refresh token and no access token, and the next
    /// request waits for both. The lock comes back (`None` if the task
    /// failed) with the outcome.
    async fn exchange_holding(
        &self,
        single_flight: Fetching,
        http: &reqwest::Client,
        token_url: &str,
        form: &Form,
        deadline: Option<tokio::time::Instant>,
        record: bool,
    ) -> (Option<Fetching>, Result<(HeaderValue, Issued), Failed>) {
        let (http, token_url, form) = (http.clone(), token_url.to_owned(), form.clone());
        let (retry, store) = (self.retry, self.grant.store().cloned());
        let state = Arc::clone(&self.state);
        let request = tokio::spawn(async move {
            let saved = async {
                // A grant that keeps a refresh token may see it rotated by
                // an attempt the server answers after the deadline: that
                // attempt is not cut off, so the new one is saved.
                let finish = store.is_some();
                let body =
                    request_token(&http, &token_url, &form, &retry, deadline, finish).await?;
                if let (Some(store), Some(refresh_token)) = (store, &body.refresh_token) {
                    let refresh_token = refresh_token.clone();
                    let saving = store.save(StoredTokens { refresh_token });
                    saving
                        .await
                        .map_err(|e| Failed::shared(TokenError::Store(e)))?;
                }
                Ok(body)
            };
            let fetched = saved
                .await
                .and_then(|body| state.cache(body).map_err(Failed::shared));
            if record {
                state.record(fetched.as_ref().map(|(header, _)| header));
            }
            (single_flight, fetched)
        });
        match request.await {
            Ok((held, fetched)) => (Some(held), fetched),
            Err(e) => {
                let message = format!("the token request did not finish: {e}");
                let error = TokenError::Unavailable {
                    status: None,
                    message,
                    request_id: None,
                    source: None,
                };
                let failed = Failed::shared(error);
                if record {
                    self.state.record(Err(&failed));
                }
                (None, Err(failed))
            }
        }
    }

    /// Caches the access token of `body` as a token request would.
    #[cfg(test)]
    pub(crate) fn cache(&self, body: TokenBody) -> Result<(HeaderValue, Issued), TokenError> {
        self.state.cache(body)
    }

    /// Forgets the token sent as `used` if it is still the cached one (a
    /// concurrent refresh may already have replaced it).
    pub fn invalidate(&self, used: &HeaderValue) {
        if let Ok(mut current) = self.state.current.lock()
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

impl State {
    /// Caches the access token of `body`; it with its lifetime.
    pub(crate) fn cache(&self, body: TokenBody) -> Result<(HeaderValue, Issued), TokenError> {
        let header = super::bearer(body.access_token.expose_secret()).ok_or_else(|| {
            TokenError::Malformed {
                path: Some("access_token".to_string()),
                reason: "the access token has characters an HTTP header cannot carry".to_string(),
            }
        })?;
        let lifetime = body.expires_in.duration();
        let refresh_at = Instant::now() + refresh_after(lifetime, self.margin);
        if let Ok(mut current) = self.current.lock() {
            // An already expired token serves the tasks that waited for it
            // (they get it from this call's outcome) but is not reused.
            *current = (!lifetime.is_zero()).then(|| Cached {
                header: header.clone(),
                refresh_at,
            });
        }
        let issued = Issued {
            lifetime,
            lifetime_stated: body.expires_in != Lifetime::Unstated,
            token_type: body.token_type,
            scope: body.scope,
        };
        Ok((header, issued))
    }

    /// Records how a token request ended, for the tasks queued behind it
    /// (the rule: [`TokenCache::token_within`]): a failure shaped by the
    /// fetching call's deadline is not shared, but a retry wait it refused
    /// holds for every task until its time.
    fn record(&self, fetched: Result<&HeaderValue, &Failed>) {
        let (outcome, not_before) = match fetched {
            Ok(header) => (Ok(header.clone()), None),
            Err(Failed {
                scope: Scope::CutOff,
                ..
            }) => return,
            Err(Failed {
                error,
                scope: Scope::RetryRefused { at },
            }) => (Err(error.clone()), Some(*at)),
            Err(Failed {
                error,
                scope: Scope::Shared,
            }) => (Err(error.clone()), None),
        };
        if let Ok(mut latest) = self.latest.lock() {
            latest.generation += 1;
            latest.outcome = Some(outcome);
            latest.not_before = not_before;
        }
    }
}

/// A token request that failed, and whether the failure is the requesting
/// call's own: shaped by its deadline, which the calls queued behind the
/// request do not share ([`TokenCache::token_within`]).
pub(crate) struct Failed {
    pub error: TokenError,
    pub scope: Scope,
}

/// Whose a token request's failure is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// Any call would have got it (a refusal, a failure the client's retry
    /// policy gives up on): the calls queued on the request get it too.
    Shared,
    /// The call's deadline cut the request off: with more time it might
    /// have succeeded. The call's alone; nothing is recorded.
    CutOff,
    /// The call's deadline refused a retry wait the policy allowed; `at` is
    /// when the retry would have been sent (after the server's
    /// `Retry-After`, or the policy's backoff): no call asks again before.
    RetryRefused { at: tokio::time::Instant },
}

impl Failed {
    /// A failure that does not depend on the call that saw it.
    fn shared(error: TokenError) -> Self {
        Failed {
            error,
            scope: Scope::Shared,
        }
    }
}

/// Token responses (and refusals) larger than this are not read further.
const TOKEN_BODY_LIMIT: usize = 64 * 1024;

/// Posts a token request and reads the token or the refusal, retrying a
/// transient failure ([`TokenError::Unavailable`]: 429, 5xx, no response)
/// as `retry` allows: after the server's `Retry-After` when it sent one
/// (one longer than [`RetryPolicy::max_retry_after`] is not waited out),
/// else after the policy's backoff; never past `deadline`, which also
/// bounds each attempt unless `finish_in_flight` (a refresh grant: an
/// attempt the server answers after the deadline may have rotated the
/// refresh token, so it runs to its end, bounded by the HTTP client's own
/// timeout). A refusal (RFC 6749 §5.2) is returned at once.
/// A failure says whether `deadline` shaped it ([`Scope`]).
///
/// The HTTP client follows no redirect ([`crate::redirect`]); a 3xx, or a
/// response from any URL but `token_url` (a caller's client that follows
/// them), is [`TokenError::Redirect`] and its body is not read. A leading
/// BOM is ignored; tokens in a body that cannot be decoded are redacted
/// from the error ([`crate::redact`]).
pub(crate) async fn request_token(
    http: &reqwest::Client,
    token_url: &str,
    form: &Form,
    retry: &RetryPolicy,
    deadline: Option<tokio::time::Instant>,
    finish_in_flight: bool,
) -> Result<TokenBody, Failed> {
    let exposed: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.expose_secret())).collect();
    // The secrets this request carries: never shown, however a failure
    // echoes them.
    let secrets: Vec<&str> = exposed
        .iter()
        .filter(|(k, _)| *k == "code" || crate::redact::SECRET_FIELDS.contains(k))
        .map(|(_, v)| *v)
        .collect();
    let mut attempt = 0;
    loop {
        attempt += 1;
        let once = request_token_exposing(http, token_url, &exposed);
        let outcome = match deadline {
            Some(at) if !finish_in_flight => match tokio::time::timeout_at(at, once).await {
                Ok(outcome) => outcome,
                Err(_) => {
                    return Err(Failed {
                        error: deadline_passed(),
                        scope: Scope::CutOff,
                    });
                }
            },
            _ => once.await,
        };
        let (error, wait) = match outcome {
            Ok(body) => return Ok(body),
            Err(failed) => failed,
        };
        let transient = matches!(error, TokenError::Unavailable { .. });
        let delay = match wait {
            Some(wait) if wait > retry.max_retry_after => None,
            Some(wait) => Some(wait),
            None => Some(retry.backoff(attempt, fastrand::f64())),
        };
        match delay {
            Some(delay) if transient && attempt < retry.max_attempts => {
                let after = tokio::time::Instant::now().checked_add(delay);
                let in_time = deadline.is_none_or(|at| after.is_some_and(|after| after < at));
                if !in_time {
                    // The policy would retry; this call's deadline cannot wait.
                    // (An instant past the clock's end: nobody waits for it.)
                    let scope = after.map_or(Scope::CutOff, |at| Scope::RetryRefused { at });
                    return Err(Failed {
                        error: without(error, &secrets),
                        scope,
                    });
                }
                tracing::debug!(?delay, %error, "retrying the token request");
                tokio::time::sleep(delay).await;
            }
            _ => return Err(Failed::shared(without(error, &secrets))),
        }
    }
}

/// The whole call's deadline passed during a token request.
fn deadline_passed() -> TokenError {
    TokenError::Unavailable {
        status: None,
        message: "timed out: the call's deadline passed during the token request".to_string(),
        request_id: None,
        source: None,
    }
}

/// One token request: the token, or the failure with the server's
/// `Retry-After`.
async fn request_token_exposing(
    http: &reqwest::Client,
    token_url: &str,
    exposed: &[(&str, &str)],
) -> Result<TokenBody, (TokenError, Option<Duration>)> {
    let unreachable = |source: reqwest::Error| TokenError::Unavailable {
        status: None,
        message: crate::redact::text(&if source.is_timeout() {
            format!("timed out: {source}")
        } else {
            source.to_string()
        })
        .into_owned(),
        request_id: None,
        source: Some(std::sync::Arc::new(source)),
    };
    let mut response = http
        .post(token_url)
        .form(exposed)
        .send()
        .await
        .map_err(|e| (unreachable(e), None))?;
    let status = response.status();
    let elsewhere = reqwest::Url::parse(token_url).ok().as_ref() != Some(response.url());
    if status.is_redirection() || elsewhere {
        // A followed redirect (a caller's client) names where it ended.
        let location = if elsewhere {
            Some(crate::redact::text(&crate::redirect::shown(response.url())).into_owned())
        } else {
            // The request's own secrets are removed by the caller.
            crate::redirect::location(response.headers(), &[])
        };
        return Err((TokenError::Redirect { status, location }, None));
    }
    let retry_after = crate::rate_limit::retry_after(response.headers(), SystemTime::now());
    if let Some(encoding) = crate::body::unsupported_encoding(response.headers()) {
        if status.is_success() {
            return Err((TokenError::ContentEncoding { status, encoding }, None));
        }
        // Status first: an error is classified (and retried) whatever its
        // body's encoding; the body, not decodable, is not read.
        let said = format!("(body in unsupported Content-Encoding `{encoding}`)");
        return Err((
            refusal(status, response.headers(), said.as_bytes()),
            retry_after,
        ));
    }
    let bytes = crate::body::read_capped(&mut response, TOKEN_BODY_LIMIT)
        .await
        .map_err(|e| (unreachable(e), retry_after))?
        .ok_or_else(|| {
            let reason = format!("the body exceeds {TOKEN_BODY_LIMIT} bytes; not read further");
            (TokenError::Malformed { path: None, reason }, None)
        })?;
    let bytes = crate::body::strip_bom(&bytes);
    if status.is_success() {
        return crate::body::decode(bytes).map_err(|(path, reason)| {
            let reason = format!(
                "{}; body starts with {:?}",
                crate::redact::parser_message(&reason, path.as_deref()),
                crate::redact::excerpt(bytes, 200)
            );
            (TokenError::Malformed { path, reason }, None)
        });
    }
    Err((refusal(status, response.headers(), bytes), retry_after))
}

/// `error` with every occurrence of `secrets` (the values the
/// token request carried) in the server's words replaced by
/// [`REDACTED`](crate::redact::REDACTED).
fn without(error: TokenError, secrets: &[&str]) -> TokenError {
    let scrub = |text: String| crate::redact::known(&text, secrets);
    let scrub_opt = |text: Option<String>| text.map(scrub);
    match error {
        TokenError::OAuth {
            status,
            error,
            description,
            request_id,
        } => TokenError::OAuth {
            status,
            error: match error {
                ErrorCode::Unknown(code) => ErrorCode::Unknown(scrub(code)),
                known => known,
            },
            description: scrub_opt(description),
            request_id: scrub_opt(request_id),
        },
        TokenError::Unavailable {
            status,
            message,
            request_id,
            source,
        } => TokenError::Unavailable {
            status,
            message: scrub(message),
            request_id: scrub_opt(request_id),
            source,
        },
        TokenError::Malformed { path, reason } => TokenError::Malformed {
            path: scrub_opt(path),
            reason: scrub(reason),
        },
        TokenError::Redirect { status, location } => TokenError::Redirect {
            status,
            location: scrub_opt(location),
        },
        other => other,
    }
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
    let header_id = crate::body::request_id(headers);
    let unavailable = !status.is_client_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS;
    let Some(body) = body else {
        let text = crate::redact::excerpt(bytes, crate::redact::EXCERPT_BYTES);
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
    // The server's words, without any token it echoed.
    let description = body
        .error_description
        .or(body.message)
        .map(|d| crate::redact::text(&d).into_owned());
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

#[cfg(test)]
mod tests {
    use super::*;

    fn lifetime(json: &str) -> Lifetime {
        let body = format!(r#"{{"access_token": "t"{json}}}"#);
        serde_json::from_str::<TokenBody>(&body)
            .expect("a token body")
            .expires_in
    }

    #[test]
    fn every_expires_in_shape_has_a_lifetime() {
        let hour = Duration::from_secs(3600);
        let cases: &[(&str, Duration)] = &[
            ("", DEFAULT_LIFETIME),
            (r#", "expires_in": null"#, DEFAULT_LIFETIME),
            (r#", "expires_in": 3600"#, hour),
            (r#", "expires_in": 3599.9"#, Duration::from_secs(3599)),
            (r#", "expires_in": "3600""#, hour),
            (r#", "expires_in": " 30 ""#, Duration::from_secs(30)),
            (r#", "expires_in": "soon""#, DEFAULT_LIFETIME),
            (r#", "expires_in": 0"#, Duration::ZERO),
            (r#", "expires_in": -5"#, Duration::ZERO),
            (r#", "expires_in": "-5""#, Duration::ZERO),
            (r#", "expires_in": 1e30"#, MAX_LIFETIME),
            (r#", "expires_in": {}"#, DEFAULT_LIFETIME),
            (r#", "expires_in": 1e400"#, MAX_LIFETIME),
            (r#", "expires_in": -1E+400"#, Duration::ZERO),
            (r#", "expires_in": 99999999999999999999999"#, MAX_LIFETIME),
            (r#", "expires_in": "1e400""#, DEFAULT_LIFETIME),
            (r#", "expires_in": true"#, DEFAULT_LIFETIME),
        ];
        // The JSON path of a failure elsewhere is still found.
        let failed =
            crate::body::decode::<TokenBody>(br#"{"access_token": 7, "expires_in": 1e400}"#);
        assert_eq!(
            failed.err().and_then(|(path, _)| path).as_deref(),
            Some("access_token")
        );
        for (json, expected) in cases {
            assert_eq!(lifetime(json).duration(), *expected, "{json}");
        }
    }

    use proptest::strategy::Strategy as _;

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config {
            cases: 3000,
            rng_seed: proptest::test_runner::RngSeed::Fixed(24),
            failure_persistence: None,
            ..proptest::test_runner::Config::default()
        })]

        /// Fuzzing of `expires_in` as servers write it: no panic, no
        /// lifetime beyond the bound.
        #[test]
        fn no_expires_in_panics_or_exceeds_the_bound(
            value in proptest::prop_oneof![
                "-?[0-9]{1,40}(\\.[0-9]{0,8})?([eE][-+]?[0-9]{1,5})?",
                "\"[ -~]{0,30}\"",
                proptest::prelude::any::<f64>().prop_map(|n| n.to_string()),
            ]
        ) {
            let body = format!(r#"{{"access_token": "t", "expires_in": {value}}}"#);
            if let Ok(token) = serde_json::from_str::<TokenBody>(&body) {
                proptest::prop_assert!(token.expires_in.duration() <= MAX_LIFETIME);
                let at = refresh_after(token.expires_in.duration(), Duration::from_secs(60));
                proptest::prop_assert!(at <= MAX_LIFETIME);
            }
        }
    }

    #[tokio::test]
    async fn the_deadline_bounds_every_attempt_and_every_retry() {
        use wiremock::matchers::method;
        use wiremock::{Mock, MockServer, ResponseTemplate};
        let form: Form = vec![("grant_type", SecretString::from("client_credentials"))];
        let patient = RetryPolicy::default()
            .max_attempts(50)
            .base_delay(Duration::from_millis(40))
            .max_delay(Duration::from_millis(40));
        let http = reqwest::Client::new();
        for (response, most) in [
            (ResponseTemplate::new(503), 20),
            (
                ResponseTemplate::new(200).set_delay(Duration::from_secs(30)),
                1,
            ),
        ] {
            let server = MockServer::start().await;
            Mock::given(method("POST"))
                .respond_with(response)
                .mount(&server)
                .await;
            let url = format!("{}/oauth/token", server.uri());
            let start = tokio::time::Instant::now();
            let deadline = start + Duration::from_millis(300);
            let Failed { error: err, scope } =
                request_token(&http, &url, &form, &patient, Some(deadline), false)
                    .await
                    .err()
                    .expect("no token before the deadline");
            assert!(matches!(err, TokenError::Unavailable { .. }), "{err:?}");
            assert_ne!(
                scope,
                Scope::Shared,
                "the deadline, not the policy, ended it"
            );
            // Generous bounds: it stopped at the deadline, not after 50 tries.
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "{:?}",
                start.elapsed()
            );
            let sent = server.received_requests().await.unwrap_or_default().len();
            assert!((1..=most).contains(&sent), "{sent} requests");
        }
    }

    #[test]
    fn the_margin_is_at_most_half_the_lifetime() {
        let secs = Duration::from_secs;
        assert_eq!(refresh_after(secs(3600), secs(60)), secs(3540));
        assert_eq!(refresh_after(secs(30), secs(60)), secs(15));
        assert_eq!(refresh_after(secs(120), secs(60)), secs(60));
        assert_eq!(refresh_after(Duration::ZERO, secs(60)), Duration::ZERO);
    }
}
