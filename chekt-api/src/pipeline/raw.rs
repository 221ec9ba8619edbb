//! [`Client::request`]: an endpoint the spec lacks, through the same
//! pipeline as the generated operations (credentials, retries, throttle,
//! size limit, redaction, error mapping).

use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::RequestOptions;
use crate::operations::{Operation, Scheme, SecurityRequirement};
use crate::{Client, Error, ResponseValue, Result};

/// The operationId errors and spans give a raw request.
pub(crate) const RAW_ID: &str = "raw";

/// Any credential the client has, in the order the runtime prefers them:
/// a raw request does not know which scheme its endpoint takes.
static ANY_CREDENTIAL: &[&[SecurityRequirement]] = &[
    &[SecurityRequirement {
        scheme: Scheme::PartnerOAuth,
        scopes: &[],
    }],
    &[SecurityRequirement {
        scheme: Scheme::UserOAuth,
        scopes: &[],
    }],
    &[SecurityRequirement {
        scheme: Scheme::ApiKey,
        scopes: &[],
    }],
];

/// A request to a path of the API the spec lacks, built by
/// [`Client::request`]. It goes through the same pipeline as every
/// generated operation: the client's credential (its first configured one:
/// Partner grant, user grant, API key, then bearer token), `api-version`,
/// `x-partner-trace-id`, retries (as idempotent as its method, unless
/// [`RequestOptions::idempotent`] says otherwise), the throttle, the size
/// limit, redaction and error mapping. Errors and spans name it `raw`, and
/// its `url.template` is `(raw)`: the filled-in path is never recorded.
///
/// ```no_run
/// # async fn run(client: chekt_api::Client) -> chekt_api::Result<()> {
/// use chekt_api::http::Method;
///
/// #[derive(serde::Deserialize)]
/// struct Firmware {
///     version: String,
/// }
///
/// let latest = client
///     .request(Method::GET, "/partner/v1/dealers/42/firmware")
///     .query(&[("channel", "stable")])
///     .send_as::<Vec<Firmware>>()
///     .await?;
/// println!("{} versions (request {:?})", latest.len(), latest.request_id());
/// # Ok(())
/// # }
/// ```
#[must_use = "a RawRequest does nothing until send_as() is awaited"]
pub struct RawRequest<'a> {
    client: &'a Client,
    builder: Result<reqwest::RequestBuilder>,
    op: Operation,
    options: RequestOptions,
}

impl std::fmt::Debug for RawRequest<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawRequest")
            .field("method", &self.op.method)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Starts a request to `path` (absolute on the base URL, e.g.
    /// `/partner/v1/dealers/42/firmware`) for an endpoint the spec lacks;
    /// see [`RawRequest`]. A path that is not of that form (another host,
    /// `//host`, no leading `/`, a `.` or `..` segment, plain or as `%2e`)
    /// or a method other than the standard ones fails at `send_as` with
    /// [`Error::InvalidRequest`], nothing sent.
    pub fn request(&self, method: Method, path: &str) -> RawRequest<'_> {
        let checked = standard_method(&method).and_then(|()| {
            if !path.starts_with('/') || path.starts_with("//") || has_dot_segment(path) {
                return Err(Error::invalid(format!(
                    "Client::request takes a path on the base URL starting with one `/` \
                     and without `.` or `..` segments, not `{path}`"
                )));
            }
            Ok(())
        });
        let builder = checked.map(|()| {
            self.client
                .request(method.clone(), format!("{}{path}", self.baseurl))
                .header(
                    reqwest::header::ACCEPT,
                    reqwest::header::HeaderValue::from_static("application/json"),
                )
                .header(
                    "api-version",
                    <Client as crate::ClientInfo<crate::Runtime>>::api_version(),
                )
        });
        let idempotent = matches!(
            method,
            Method::GET | Method::HEAD | Method::OPTIONS | Method::PUT | Method::DELETE
        );
        RawRequest {
            client: self,
            builder,
            op: Operation {
                id: RAW_ID,
                method,
                path: "(raw)",
                tag: None,
                security: ANY_CREDENTIAL,
                idempotent,
                takes_trace_id: true,
                deprecated: false,
                inferred: false,
                paging: None,
            },
            options: RequestOptions::default(),
        }
    }
}

/// Whether `path` (before any query or fragment) has a `.` or `..`
/// segment, also percent-encoded (`%2e`) or after a `\`: the URL parser
/// resolves them (WHATWG URL, path state), so they could climb out of the
/// base URL's path.
fn has_dot_segment(path: &str) -> bool {
    let path = path.split(['?', '#']).next().unwrap_or(path);
    path.split(['/', '\\']).any(|segment| {
        let segment = segment.to_ascii_lowercase().replace("%2e", ".");
        segment == "." || segment == ".."
    })
}

/// Refuses a method other than the standard ones (RFC 9110 §9, and PATCH).
fn standard_method(method: &Method) -> Result<()> {
    match *method {
        Method::GET
        | Method::HEAD
        | Method::OPTIONS
        | Method::POST
        | Method::PUT
        | Method::PATCH
        | Method::DELETE => Ok(()),
        _ => Err(Error::invalid(format!(
            "Client::request supports GET, HEAD, OPTIONS, POST, PUT, PATCH and DELETE, not `{method}`"
        ))),
    }
}

impl<'a> RawRequest<'a> {
    /// Adds query parameters (anything `serde_urlencoded` serializes: a
    /// struct, a map, `&[("key", "value")]`); may be called more than once.
    pub fn query<Q: Serialize + ?Sized>(mut self, query: &Q) -> Self {
        self.builder = self.builder.map(|b| b.query(query));
        self
    }

    /// Sends `body` as JSON (`Content-Type: application/json`).
    pub fn json<B: Serialize + ?Sized>(mut self, body: &B) -> Self {
        self.builder = self.builder.map(|b| b.json(body));
        self
    }

    /// This call's options ([`RequestOptions`]).
    pub fn with_options(mut self, options: RequestOptions) -> Self {
        self.options = options;
        self
    }

    /// Sends the request and decodes a success (2xx) body as `T` (use
    /// `serde_json::Value` for anything, `serde::de::IgnoredAny` to ignore
    /// whatever comes). An error status is the classified [`Error`], as for
    /// a generated operation.
    ///
    /// **An empty body** (a HEAD response, a 204, a 200 with
    /// `Content-Length: 0`, or a body of only whitespace) is decoded as
    /// JSON `null`: into `()`, `IgnoredAny`, `Option<_>` (`None`) or
    /// `serde_json::Value` (`Null`) it succeeds; into a type that needs a
    /// value it is [`Error::UndecodableBody`] saying the body is empty. A
    /// body that is there is decoded as it is: one that `T` does not
    /// accept (any JSON into `()`, say) is [`Error::UndecodableBody`]
    /// naming the operation (`raw`) and the JSON path that failed.
    ///
    /// ```no_run
    /// # async fn run(client: chekt_api::Client) -> chekt_api::Result<()> {
    /// use chekt_api::http::Method;
    ///
    /// // A 204, or any body: only the status matters.
    /// client
    ///     .request(Method::DELETE, "/partner/v1/dealers/42/firmware/7")
    ///     .send_as::<serde::de::IgnoredAny>()
    ///     .await?;
    /// // Only an empty body (or `null`) is `()`.
    /// let head = client
    ///     .request(Method::HEAD, "/partner/v1/dealers/42/firmware")
    ///     .send_as::<()>()
    ///     .await?;
    /// println!("{:?}", head.headers().get("etag"));
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// The request is built when `send_as` is called and sent when the
    /// future is first polled.
    pub fn send_as<T: DeserializeOwned>(
        self,
    ) -> impl Future<Output = Result<ResponseValue<T>>> + use<'a, T> {
        // Not an `async fn`: its future would hold the builder twice; this
        // one holds what sending needs.
        let RawRequest {
            client,
            builder,
            op,
            options,
        } = self;
        let request = builder.and_then(|builder| {
            builder
                .build()
                .map_err(|e| Error::invalid(format!("cannot build the request: {e}")))
        });
        async move {
            // Already boxed (`pipeline::Sending`).
            let requests = super::request::Requests::given(request?);
            let reply = super::send(client, requests, &op, &options).await?;
            if reply.status().is_success() {
                super::decode::success(reply, &op)
            } else {
                Err(super::decode::unexpected(reply, &op))
            }
        }
    }
}
