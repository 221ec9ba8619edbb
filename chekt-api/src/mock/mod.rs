//! Typed mocks of every operation, for testing your code without a CHeKT
//! server (feature `mock`, built on [`httpmock`], re-exported here as
//! `chekt_api::mock::httpmock` so your tests use the version these mocks
//! were generated for without adding it themselves).
//!
//! [`MockServerExt`] adds one method per operation to
//! [`httpmock::MockServer`], named after the `operationId`, whose `when`
//! side matches typed parameters and bodies and whose `then` side answers
//! with typed responses, one method per documented status. [`client`]
//! points a [`Client`] at the server with the token endpoint already
//! mocked, so every authentication mode works without extra setup.
//!
//! ```no_run
//! use chekt_api::mock::{self, MockServerExt};
//! use chekt_api::prelude::*;
//! use chekt_api::types::ResponseSiteBasicDto;
//!
//! # async fn test(site: ResponseSiteBasicDto) -> Result<(), Box<dyn std::error::Error>> {
//! let server = mock::httpmock::MockServer::start_async().await;
//! let sites = server.list_sites(|when, then| {
//!     when.dealer_id(42).limit(50);
//!     then.ok(&vec![site]);
//! });
//! let client = mock::client(&server)?;
//! let listed = client.list_sites().dealer_id(42).limit(50).send().await?;
//! assert_eq!(listed.len(), 1);
//! sites.assert(); // fails naming the expected call if it did not happen
//! # Ok(())
//! # }
//! ```
//!
//! When your code sends something no mock expects, the server answers
//! `404` (the call fails with an [`Error`](crate::Error) whose `status()` is
//! 404), and `assert()` on the mock you expected panics naming the expected
//! method and path, with the closest request it received and how it differs.

#[rustfmt::skip]
#[allow(clippy::all, clippy::unwrap_used, missing_docs, unused_imports, unused_variables)]
mod generated;

pub use generated::{MockServerExt, operations};
/// The `httpmock` these mocks are built on (0.8): use it instead of adding
/// your own, which `cargo add` would pick in an incompatible version.
pub use httpmock;

use httpmock::{Method, Mock, MockServer};

use crate::{BuildError, Client};

/// The client id [`client`] authenticates with.
pub const MOCK_CLIENT_ID: &str = "mock-client-id";
/// The client secret [`client`] authenticates with.
pub const MOCK_CLIENT_SECRET: &str = "mock-client-secret";
/// The API key [`client`] sends to public-API operations.
pub const MOCK_API_KEY: &str = "chekt_test_mock_api_key_0000000000000000";
/// The access token the mocked token endpoint hands out.
pub const MOCK_ACCESS_TOKEN: &str = "mock-access-token";
/// The refresh token the mocked token endpoint hands out.
pub const MOCK_REFRESH_TOKEN: &str = "mock-refresh-token";

/// Answers every `POST /oauth/token` (any grant: client credentials,
/// assertion, authorization code, refresh) with [`MOCK_ACCESS_TOKEN`],
/// valid one hour, and [`MOCK_REFRESH_TOKEN`].
///
/// ```
/// use chekt_api::mock::{MockServerExt, mock_token_endpoint};
/// use chekt_api::prelude::*;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let server = chekt_api::mock::httpmock::MockServer::start_async().await;
/// let tokens = mock_token_endpoint(&server);
/// server.list_sites(|when, then| {
///     when.dealer_id(42);
///     then.ok(&vec![]);
/// });
/// // Your own client setup, pointed at the mock server:
/// let client = chekt_api::Client::builder()
///     .base_url(server.base_url())
///     .client_credentials("my-client-id", "my-client-secret")
///     .build()?;
/// client.list_sites().dealer_id(42).send().await?;
/// tokens.assert(); // exactly one token request
/// # Ok(())
/// # }
/// ```
pub fn mock_token_endpoint(server: &MockServer) -> Mock<'_> {
    server.mock(|when, then| {
        when.method(Method::POST).path("/oauth/token");
        then.status(200)
            .header("content-type", "application/json")
            .json_body(serde_json::json!({
                "access_token": MOCK_ACCESS_TOKEN,
                "token_type": "Bearer",
                "expires_in": 3600,
                "refresh_token": MOCK_REFRESH_TOKEN,
            }));
    })
}

/// A [`Client`] for `server`: the token endpoint is mocked
/// ([`mock_token_endpoint`]), Partner API calls authenticate with client
/// credentials, public-API calls with [`MOCK_API_KEY`], and user-authorized
/// calls (the connect flow) with [`MOCK_ACCESS_TOKEN`]. Retries are off, so
/// a mocked error reaches your code at once.
///
/// ```
/// use chekt_api::mock::{self, MockServerExt};
/// use chekt_api::prelude::*;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let server = chekt_api::mock::httpmock::MockServer::start_async().await;
/// let sites = server.list_sites(|when, then| {
///     when.dealer_id(42);
///     then.ok(&vec![]);
/// });
/// let client = mock::client(&server)?;
/// assert!(client.list_sites().dealer_id(42).send().await?.is_empty());
/// sites.assert();
/// # Ok(())
/// # }
/// ```
pub fn client(server: &MockServer) -> Result<Client, BuildError> {
    mock_token_endpoint(server);
    Client::builder()
        .base_url(server.base_url())
        .client_credentials(MOCK_CLIENT_ID, MOCK_CLIENT_SECRET)
        .api_key(MOCK_API_KEY)
        .bearer_token(MOCK_ACCESS_TOKEN)
        .retry(crate::retry::RetryPolicy::none())
        .build()
}
