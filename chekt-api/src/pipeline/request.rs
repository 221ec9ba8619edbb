//! Each attempt's request: built anew by a generated builder, or copied
//! from the one a [`RawRequest`](crate::RawRequest) built; either way with
//! the headers the pipeline adds (the call's option headers, the trace id,
//! the credential) on every attempt.

use bytes::Bytes;
use reqwest::Request;
use reqwest::header::{AUTHORIZATION, HeaderName, HeaderValue};

use super::RequestOptions;
use super::decode::invalid_request;
use crate::error::{Error, Result};
use crate::operations::{Operation, TRACE_HEADER};

/// [`TRACE_HEADER`] as a header name, parsed once.
static TRACE: HeaderName = HeaderName::from_static(TRACE_HEADER);

/// A generated builder's request maker: its `send()`, once the builder's
/// parameters are checked, hands the pipeline this instead of a request,
/// and each attempt calls it. A failure (a parameter that does not fit in
/// a URL or a header) is the builder's, reported as
/// [`Error::InvalidRequest`].
pub(crate) type Build<'a> =
    dyn Fn() -> std::result::Result<Request, progenitor_client::Error<()>> + Sync + 'a;

/// The requests of one call, attempt after attempt.
pub(crate) struct Requests<'a> {
    /// The next attempt's request, when made already: the first, or a
    /// copy of the one sent.
    next: Option<Request>,
    build: Option<&'a Build<'a>>,
    /// The trace id the pipeline made up for the call, set on each request
    /// built after the first. (Kept as a UUID: a copy of the header value
    /// would cost an allocation per call, a retry is rare.)
    trace_id: Option<uuid::Uuid>,
}

impl<'a> Requests<'a> {
    /// A generated builder's ([`crate::runtime::send`]): built anew for
    /// each attempt after the first, so none is copied in case of a retry,
    /// and every attempt can be repeated.
    pub(crate) fn built(build: &'a Build<'a>) -> Self {
        Requests {
            next: None,
            build: Some(build),
            trace_id: None,
        }
    }

    /// A request built once ([`RawRequest`](crate::RawRequest)): an
    /// attempt another may follow leaves a copy of it, which a streaming
    /// body cannot.
    pub(crate) fn given(request: Request) -> Self {
        Requests {
            next: Some(request),
            build: None,
            trace_id: None,
        }
    }

    /// Makes the first attempt's request: built (a builder's failure is
    /// [`Error::InvalidRequest`]), with the call's option headers appended
    /// and, on an operation that takes one, a trace id unless the caller
    /// set one: the same id on every attempt of the call.
    pub(crate) fn first(&mut self, op: &Operation, options: &RequestOptions) -> Result<()> {
        let mut request = match (self.next.take(), self.build) {
            (Some(request), _) => request,
            (None, Some(build)) => build().map_err(invalid_request)?,
            (None, None) => return Err(Error::invalid("the request was sent already")),
        };
        append_options(&mut request, options);
        if op.takes_trace_id && !request.headers().contains_key(&TRACE) {
            // A v4 UUID from the thread-local RNG (seeded from the OS once),
            // not a `getrandom` system call per request.
            let id = uuid::Builder::from_random_bytes(fastrand::u128(..).to_le_bytes()).into_uuid();
            set_trace_id(&mut request, id);
            if self.build.is_some() {
                self.trace_id = Some(id);
            }
        }
        self.next = Some(request);
        Ok(())
    }

    /// The next attempt's request when made already (the credential stage
    /// sets its `Authorization`).
    pub(crate) fn pending(&mut self) -> Option<&mut Request> {
        self.next.as_mut()
    }

    /// The trace id the call's requests carry, `""` if none.
    pub(crate) fn trace_id(&self) -> &str {
        self.next
            .as_ref()
            .and_then(|r| r.headers().get(&TRACE))
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The next attempt's request, and whether another can follow it;
    /// `None` when the request was sent already and cannot be repeated.
    ///
    /// With a builder: the first request, then one built anew for each
    /// attempt, with the call's option headers, its trace id and the
    /// credential `auth` (the one now in use) set again. Otherwise the
    /// call's request itself, leaving a copy in its place unless this
    /// attempt is the `last` possible or the body is a stream.
    pub(crate) fn next(
        &mut self,
        last: bool,
        options: &RequestOptions,
        auth: Option<&HeaderValue>,
    ) -> Result<Option<(Request, bool)>> {
        let Some(build) = self.build else {
            let Some(request) = self.next.take() else {
                return Ok(None);
            };
            if !last {
                self.next = duplicate(&request);
            }
            return Ok(Some((request, self.next.is_some())));
        };
        if let Some(request) = self.next.take() {
            return Ok(Some((request, true)));
        }
        let mut request = build().map_err(invalid_request)?;
        append_options(&mut request, options);
        if let Some(id) = self.trace_id {
            set_trace_id(&mut request, id);
        }
        if let Some(auth) = auth {
            request.headers_mut().insert(AUTHORIZATION, auth.clone());
        }
        Ok(Some((request, true)))
    }
}

/// Appends the call's option headers (checked: none the client owns).
fn append_options(request: &mut Request, options: &RequestOptions) {
    let headers = request.headers_mut();
    for (name, value) in &options.headers {
        headers.append(name, value.clone());
    }
}

/// Sets `x-partner-trace-id` to `id`, hyphenated lowercase.
fn set_trace_id(request: &mut Request, id: uuid::Uuid) {
    let mut buf = uuid::Uuid::encode_buffer();
    if let Ok(value) = HeaderValue::from_str(id.hyphenated().encode_lower(&mut buf)) {
        request.headers_mut().insert(TRACE.clone(), value);
    }
}

/// A copy of `request` kept for the next attempt while `request` is sent;
/// `None` when its body is a stream, which cannot be repeated.
///
/// What `Request::try_clone` does, without its waste: that allocates the
/// request's extension map just to copy the timeout into it (requests carry
/// nothing else there). The header map is cloned whole, hashes included,
/// not rebuilt header by header.
fn duplicate(request: &Request) -> Option<Request> {
    let body = match request.body() {
        Some(body) => Some(reqwest::Body::from(Bytes::copy_from_slice(
            body.as_bytes()?,
        ))),
        None => None,
    };
    let mut copy = Request::new(request.method().clone(), request.url().clone());
    if let Some(timeout) = request.timeout() {
        *copy.timeout_mut() = Some(*timeout);
    }
    *copy.headers_mut() = request.headers().clone();
    *copy.version_mut() = request.version();
    *copy.body_mut() = body;
    Some(copy)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use std::sync::atomic::{AtomicUsize, Ordering};

    use reqwest::{Body, Method, Version};

    use super::*;
    use crate::operations::{CREATE_TOKEN, LIST_SITES};

    fn request(body: Option<Body>) -> Request {
        let url = "http://localhost/partner/v1/dealers/42/sites?limit=5".parse();
        let mut request = Request::new(Method::PATCH, url.expect("a valid URL"));
        let headers = request.headers_mut();
        headers.insert("x-partner-trace-id", HeaderValue::from_static("trace-1"));
        headers.append("x-repeated", HeaderValue::from_static("first"));
        headers.append("x-repeated", HeaderValue::from_static("second"));
        *request.timeout_mut() = Some(Duration::from_secs(3));
        *request.version_mut() = Version::HTTP_2;
        *request.body_mut() = body;
        request
    }

    /// A builder that counts its calls; `fail` makes it fail as a
    /// progenitor builder does on a parameter that does not fit.
    #[allow(
        clippy::result_large_err,
        reason = "progenitor's error, as a generated builder returns it"
    )]
    fn builder(
        calls: &AtomicUsize,
        trace_id: Option<&'static str>,
        fail: bool,
    ) -> impl Fn() -> std::result::Result<Request, progenitor_client::Error<()>> + Sync {
        move || {
            calls.fetch_add(1, Ordering::Relaxed);
            if fail {
                return Err(progenitor_client::Error::InvalidRequest(
                    "a parameter that does not fit".into(),
                ));
            }
            let mut request = request(Some(Body::from("{}")));
            *request.timeout_mut() = None;
            if let Some(id) = trace_id {
                let id = HeaderValue::from_static(id);
                request.headers_mut().insert("x-partner-trace-id", id);
            } else {
                request.headers_mut().remove("x-partner-trace-id");
            }
            Ok(request)
        }
    }

    fn options() -> RequestOptions {
        RequestOptions::new().header(
            HeaderName::from_static("x-extra"),
            HeaderValue::from_static("1"),
        )
    }

    fn values<'r>(request: &'r Request, name: &str) -> Vec<&'r [u8]> {
        let values = request.headers().get_all(name).iter();
        values.map(HeaderValue::as_bytes).collect()
    }

    /// Each attempt after the first is built anew and carries what the
    /// pipeline added to the first: the option headers once, the same
    /// trace id, and the credential now in use.
    #[test]
    fn a_built_request_is_built_anew_with_the_calls_headers() -> Result<()> {
        let calls = AtomicUsize::new(0);
        let build = builder(&calls, None, false);
        let mut requests = Requests::built(&build);
        requests.first(&LIST_SITES, &options())?;
        let trace_id = requests.trace_id().to_owned();
        assert_eq!(trace_id.len(), 36, "a hyphenated UUID: {trace_id}");
        let token = HeaderValue::from_static("Bearer first");
        requests
            .pending()
            .ok_or(Error::invalid("the first request"))?
            .headers_mut()
            .insert(AUTHORIZATION, token);

        let (first, repeatable) = requests
            .next(false, &options(), None)?
            .ok_or(Error::invalid("the first request"))?;
        assert!(repeatable);
        assert_eq!(calls.load(Ordering::Relaxed), 1, "nothing built ahead");
        assert_eq!(values(&first, "authorization"), [b"Bearer first"]);

        let refreshed = HeaderValue::from_static("Bearer second");
        for _ in 0..2 {
            let (again, repeatable) = requests
                .next(true, &options(), Some(&refreshed))?
                .ok_or(Error::invalid("a rebuilt request"))?;
            assert!(repeatable, "a builder can always build another");
            assert_eq!(values(&again, "x-extra"), values(&first, "x-extra"));
            assert_eq!(values(&again, "x-extra"), [b"1"]);
            assert_eq!(values(&again, "x-partner-trace-id"), [trace_id.as_bytes()]);
            assert_eq!(values(&again, "authorization"), [b"Bearer second"]);
            assert_eq!(again.body().and_then(Body::as_bytes), Some(&b"{}"[..]));
        }
        assert_eq!(calls.load(Ordering::Relaxed), 3);
        Ok(())
    }

    /// A trace id the caller set (through the builder) is kept, and none is
    /// made up for an operation that does not take one.
    #[test]
    fn a_trace_id_is_made_up_only_when_missing_and_taken() -> Result<()> {
        let calls = AtomicUsize::new(0);
        let build = builder(&calls, Some("caller-trace"), false);
        let mut requests = Requests::built(&build);
        requests.first(&LIST_SITES, &RequestOptions::new())?;
        assert_eq!(requests.trace_id(), "caller-trace");
        requests.next(false, &RequestOptions::new(), None)?;
        let (again, _) = requests
            .next(false, &RequestOptions::new(), None)?
            .ok_or(Error::invalid("a rebuilt request"))?;
        assert_eq!(values(&again, "x-partner-trace-id"), [b"caller-trace"]);

        let build = builder(&calls, None, false);
        let mut requests = Requests::built(&build);
        requests.first(&CREATE_TOKEN, &RequestOptions::new())?;
        assert_eq!(requests.trace_id(), "");
        Ok(())
    }

    #[test]
    fn a_failing_build_is_an_invalid_request() {
        let calls = AtomicUsize::new(0);
        let build = builder(&calls, None, true);
        let mut requests = Requests::built(&build);
        let error = requests.first(&LIST_SITES, &options());
        assert!(
            matches!(&error, Err(Error::InvalidRequest { message, .. }) if message == "a parameter that does not fit"),
            "{error:?}"
        );
    }

    /// A request built once is sent itself, and copied only while another
    /// attempt may follow; a streaming body is sent once.
    #[test]
    fn a_given_request_is_copied_only_while_it_may_be_repeated() -> Result<()> {
        let mut requests = Requests::given(request(None));
        requests.first(&LIST_SITES, &options())?;
        let (_, repeatable) = requests
            .next(false, &options(), None)?
            .ok_or(Error::invalid("the request"))?;
        assert!(repeatable);
        let copy = requests.pending().ok_or(Error::invalid("a copy"))?;
        assert_eq!(values(copy, "x-extra"), [b"1"], "copied, not added again");
        let (_, repeatable) = requests
            .next(true, &options(), None)?
            .ok_or(Error::invalid("the copy"))?;
        assert!(!repeatable, "no copy after the last attempt");
        assert!(requests.next(false, &options(), None)?.is_none());

        let chunks = futures::stream::iter([Ok::<_, std::io::Error>("chunk")]);
        let mut streamed = Requests::given(request(Some(Body::wrap_stream(chunks))));
        let (_, repeatable) = streamed
            .next(false, &options(), None)?
            .ok_or(Error::invalid("the request"))?;
        assert!(!repeatable, "a stream cannot be sent twice");
        assert!(streamed.next(false, &options(), None)?.is_none());
        Ok(())
    }

    #[test]
    fn a_duplicate_is_the_same_request() {
        let original = request(Some(Body::from(r#"{"status":"verified"}"#)));
        let copy = duplicate(&original).expect("a buffered body can be repeated");
        assert_eq!(copy.method(), Method::PATCH);
        assert_eq!(copy.url(), original.url());
        assert_eq!(copy.headers(), original.headers());
        let repeated: Vec<_> = copy.headers().get_all("x-repeated").iter().collect();
        assert_eq!(repeated, ["first", "second"], "every value, in order");
        assert_eq!(copy.timeout(), Some(&Duration::from_secs(3)));
        assert_eq!(copy.version(), Version::HTTP_2);
        let body = copy.body().and_then(Body::as_bytes);
        assert_eq!(body, Some(&br#"{"status":"verified"}"#[..]));
    }

    #[test]
    fn a_request_without_body_or_timeout_stays_without() {
        let mut original = request(None);
        *original.timeout_mut() = None;
        let copy = duplicate(&original).expect("no body can be repeated");
        assert!(copy.body().is_none());
        assert_eq!(copy.timeout(), None);
    }
}
