//! Signing deliveries the way CHeKT does, for tests.

use std::time::{SystemTime, UNIX_EPOCH};

use hmac::Mac;
use http::header::CONTENT_TYPE;
use http::{HeaderMap, HeaderName, HeaderValue};
use serde::Serialize;

use super::verify::signed_payload_mac;
use super::{SIGNATURE_HEADER, SigningSecret, TIMESTAMP_HEADER};

/// Signs webhook deliveries exactly as CHeKT does: hex HMAC-SHA256 over
/// `"{timestamp}.{body}"`.
///
/// Use it in tests (yours and ours) to produce deliveries a
/// [`Verifier`](super::Verifier) accepts, and to exercise a receiver end to
/// end.
///
/// ```
/// use chekt_api::webhooks::{Signer, Verifier, FixedClock};
///
/// let signer = Signer::new("whsec_test");
/// let delivery = signer.sign(1_700_000_000, br#"{"id":"evt_1","type":"x.y"}"#.to_vec());
/// assert_eq!(delivery.timestamp(), "1700000000");
/// assert_eq!(delivery.signature().len(), 64);
///
/// let verifier = Verifier::builder()
///     .secret("whsec_test")
///     .clock(FixedClock::from_unix(1_700_000_030))
///     .build()?;
/// assert!(verifier.verify(&delivery.header_map(), delivery.body()).is_ok());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Signer {
    secret: SigningSecret,
}

impl Signer {
    /// A signer for `secret`.
    ///
    /// ```
    /// use chekt_api::webhooks::{Signer, Verifier};
    /// use chekt_api::secrecy::SecretString;
    ///
    /// // The secret the receiver under test is configured with:
    /// let secret = SecretString::from("whsec_test");
    /// let signer = Signer::new(&secret);
    /// let verifier = Verifier::new(&secret)?;
    /// # let _ = (signer, verifier);
    /// # Ok::<(), chekt_api::webhooks::ConfigError>(())
    /// ```
    pub fn new(secret: impl Into<SigningSecret>) -> Self {
        Self {
            secret: secret.into(),
        }
    }

    /// The hex signature of `body` signed at `timestamp` (the
    /// `x-chekt-timestamp` value, exactly as it will be sent).
    ///
    /// ```
    /// use chekt_api::webhooks::Signer;
    ///
    /// // HMAC-SHA256("whsec_test", "1700000000.{}"), e.g. by Python's `hmac` module:
    /// assert_eq!(
    ///     Signer::new("whsec_test").signature("1700000000", b"{}"),
    ///     "35495024f4ef3f94e5a93e22221544c4b75e9a42300cd965ab81cb85cd994e91"
    /// );
    /// ```
    pub fn signature(&self, timestamp: &str, body: &[u8]) -> String {
        let tag = signed_payload_mac(self.secret.expose(), timestamp, body).finalize();
        hex::encode(tag.into_bytes())
    }

    /// Signs `body` as sent at `timestamp` (Unix seconds).
    ///
    /// ```
    /// use chekt_api::webhooks::Signer;
    ///
    /// let delivery = Signer::new("whsec_test").sign(1_700_000_000, b"{}".to_vec());
    /// assert_eq!(delivery.timestamp(), "1700000000");
    /// ```
    pub fn sign(&self, timestamp: u64, body: impl Into<Vec<u8>>) -> SignedDelivery {
        self.sign_with_timestamp_header(timestamp.to_string(), body)
    }

    /// Signs `body` as sent now, by the system clock.
    ///
    /// ```
    /// use chekt_api::webhooks::{Signer, Verifier};
    ///
    /// let body = br#"{"id":"evt_1","type":"site.renamed"}"#;
    /// let delivery = Signer::new("whsec_test").sign_now(body.to_vec());
    /// let verifier = Verifier::new("whsec_test")?; // the system clock: within the tolerance
    /// assert!(verifier.verify(&delivery.header_map(), delivery.body()).is_ok());
    /// # Ok::<(), chekt_api::webhooks::ConfigError>(())
    /// ```
    pub fn sign_now(&self, body: impl Into<Vec<u8>>) -> SignedDelivery {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        self.sign(now, body)
    }

    /// Serializes `payload` to JSON and signs it as sent at `timestamp`,
    /// e.g. a [`types::AlarmCreatedEvent`](crate::types::AlarmCreatedEvent)
    /// built in a test.
    ///
    /// ```
    /// use chekt_api::webhooks::Signer;
    ///
    /// let event = serde_json::json!({ "id": "evt_1", "type": "site.renamed" });
    /// let delivery = Signer::new("whsec_test").sign_json(1_700_000_000, &event)?;
    /// assert_eq!(delivery.body(), br#"{"id":"evt_1","type":"site.renamed"}"#);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn sign_json<T: Serialize + ?Sized>(
        &self,
        timestamp: u64,
        payload: &T,
    ) -> Result<SignedDelivery, serde_json::Error> {
        Ok(self.sign(timestamp, serde_json::to_vec(payload)?))
    }

    /// Signs `body` with a verbatim `x-chekt-timestamp` value, e.g. to test
    /// how a receiver handles a malformed one.
    ///
    /// ```
    /// use chekt_api::webhooks::{Signer, Verifier, WebhookError};
    ///
    /// let delivery = Signer::new("whsec_test")
    ///     .sign_with_timestamp_header("+1700000000", b"{}".to_vec());
    /// let verifier = Verifier::new("whsec_test")?;
    /// let err = verifier.verify(&delivery.header_map(), delivery.body()).unwrap_err();
    /// assert!(matches!(err, WebhookError::MalformedTimestamp));
    /// # Ok::<(), chekt_api::webhooks::ConfigError>(())
    /// ```
    pub fn sign_with_timestamp_header(
        &self,
        timestamp: impl Into<String>,
        body: impl Into<Vec<u8>>,
    ) -> SignedDelivery {
        let timestamp = timestamp.into();
        let body = body.into();
        let signature = self.signature(&timestamp, &body);
        SignedDelivery {
            timestamp,
            signature,
            body,
        }
    }
}

/// A signed delivery: the two headers and the body, as CHeKT would send
/// them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedDelivery {
    timestamp: String,
    signature: String,
    body: Vec<u8>,
}

impl SignedDelivery {
    /// The `x-chekt-timestamp` value.
    ///
    /// ```
    /// # let signer = chekt_api::webhooks::Signer::new("whsec_test");
    /// assert_eq!(signer.sign(1_700_000_000, b"{}".to_vec()).timestamp(), "1700000000");
    /// ```
    pub fn timestamp(&self) -> &str {
        &self.timestamp
    }

    /// The `x-chekt-signature` value (64 lowercase hex characters).
    ///
    /// ```
    /// # let signer = chekt_api::webhooks::Signer::new("whsec_test");
    /// let delivery = signer.sign(1_700_000_000, b"{}".to_vec());
    /// assert_eq!(delivery.signature(), signer.signature(delivery.timestamp(), b"{}"));
    /// ```
    pub fn signature(&self) -> &str {
        &self.signature
    }

    /// The body.
    ///
    /// ```
    /// # let signer = chekt_api::webhooks::Signer::new("whsec_test");
    /// assert_eq!(signer.sign(1_700_000_000, b"{}".to_vec()).body(), b"{}");
    /// ```
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The body, owned.
    ///
    /// ```
    /// # let signer = chekt_api::webhooks::Signer::new("whsec_test");
    /// let body: Vec<u8> = signer.sign(1_700_000_000, b"{}".to_vec()).into_body();
    /// assert_eq!(body, b"{}");
    /// ```
    pub fn into_body(self) -> Vec<u8> {
        self.body
    }

    /// The delivery's headers: `x-chekt-signature`, `x-chekt-timestamp` and
    /// `content-type: application/json`.
    ///
    /// ```
    /// use chekt_api::webhooks::{SIGNATURE_HEADER, Signer, TIMESTAMP_HEADER};
    ///
    /// let delivery = Signer::new("whsec_test").sign(1_700_000_000, b"{}".to_vec());
    /// let headers = delivery.header_map();
    /// assert_eq!(headers[TIMESTAMP_HEADER], "1700000000");
    /// assert_eq!(headers[SIGNATURE_HEADER], delivery.signature());
    /// ```
    pub fn header_map(&self) -> HeaderMap {
        let mut headers = HeaderMap::with_capacity(3);
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        for (name, value) in [
            (SIGNATURE_HEADER, &self.signature),
            (TIMESTAMP_HEADER, &self.timestamp),
        ] {
            // The signature is hex; a timestamp from `sign_with_timestamp_header`
            // that is not a valid header value is left out.
            if let Ok(value) = HeaderValue::from_str(value) {
                headers.insert(HeaderName::from_static(name), value);
            }
        }
        headers
    }

    /// A `POST` request to `uri` carrying this delivery, to drive a receiver
    /// in tests (e.g. an axum `Router` with `tower::ServiceExt::oneshot`).
    ///
    /// ```
    /// use chekt_api::webhooks::Signer;
    ///
    /// let delivery = Signer::new("whsec_test").sign(1_700_000_000, b"{}".to_vec());
    /// let request: chekt_api::http::Request<Vec<u8>> = delivery.into_request("/webhooks/chekt")?;
    /// assert_eq!(request.method(), chekt_api::http::Method::POST);
    /// // let response = app.oneshot(request.map(axum::body::Body::from)).await?;
    /// # Ok::<(), chekt_api::http::Error>(())
    /// ```
    pub fn into_request<B: From<Vec<u8>>>(
        self,
        uri: &str,
    ) -> Result<http::Request<B>, http::Error> {
        let mut builder = http::Request::post(uri);
        if let Some(headers) = builder.headers_mut() {
            headers.extend(self.header_map());
        }
        builder.body(B::from(self.body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_map_and_request_carry_the_delivery() {
        let delivery = Signer::new("k").sign(42, b"{}".to_vec());
        let headers = delivery.header_map();
        assert_eq!(headers[TIMESTAMP_HEADER], "42");
        assert_eq!(headers[SIGNATURE_HEADER], delivery.signature());
        assert_eq!(headers[CONTENT_TYPE], "application/json");

        let request: http::Request<Vec<u8>> = delivery.clone().into_request("/hooks").unwrap();
        assert_eq!(request.method(), http::Method::POST);
        assert_eq!(request.uri(), "/hooks");
        assert_eq!(request.headers(), &headers);
        assert_eq!(request.body(), delivery.body());
    }

    #[test]
    fn invalid_timestamp_header_is_left_out() {
        let delivery = Signer::new("k").sign_with_timestamp_header("1\n2", b"{}".to_vec());
        assert!(delivery.header_map().get(TIMESTAMP_HEADER).is_none());
        assert!(delivery.header_map().get(SIGNATURE_HEADER).is_some());
    }

    #[test]
    fn bad_uri_is_an_error_not_a_panic() {
        let delivery = Signer::new("k").sign(42, b"{}".to_vec());
        assert!(delivery.into_request::<Vec<u8>>("http://[::1").is_err());
    }
}
