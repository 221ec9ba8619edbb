//! The runtime behind every generated call: it plugs into progenitor's
//! `ClientHooks` and adds the credential to each request.

use std::sync::Arc;

use progenitor_client::{ClientHooks, OperationInfo};
use reqwest::header::{AUTHORIZATION, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

use crate::Client;

/// State shared by every call of a [`Client`]: the credential and settings.
/// Built by [`ClientBuilder`](crate::ClientBuilder); opaque otherwise.
#[derive(Clone)]
pub struct Runtime {
    inner: Arc<Inner>,
}

struct Inner {
    bearer: Option<SecretString>,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("bearer", &self.inner.bearer.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

impl Runtime {
    pub(crate) fn new(bearer: Option<SecretString>) -> Self {
        Runtime {
            inner: Arc::new(Inner { bearer }),
        }
    }

    /// The `Authorization` header value, marked sensitive so it is never
    /// printed by `Debug` of the request or its headers.
    fn authorization(&self) -> Option<HeaderValue> {
        let token = self.inner.bearer.as_ref()?;
        let mut value = HeaderValue::from_str(&format!("Bearer {}", token.expose_secret())).ok()?;
        value.set_sensitive(true);
        Some(value)
    }
}

impl ClientHooks<Runtime> for Client {
    async fn exec(
        &self,
        mut request: reqwest::Request,
        _info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        if let Some(value) = self.inner.authorization() {
            request.headers_mut().insert(AUTHORIZATION, value);
        }
        self.client.execute(request).await
    }
}
