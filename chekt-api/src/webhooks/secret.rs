//! The webhook signing secret, kept out of `Debug`, logs and errors.

use std::fmt;

use secrecy::{ExposeSecret, SecretSlice, SecretString};

/// A webhook signing secret, as shown once when the app was created.
///
/// The bytes are held in a [`secrecy`] box: they are zeroed when dropped
/// and never appear in `Debug` output (which prints
/// `SigningSecret([REDACTED])`). There is no `Display` and no accessor; the
/// secret only ever feeds the HMAC.
///
/// ```
/// use chekt_api::webhooks::SigningSecret;
///
/// let secret = SigningSecret::new("whsec_example");
/// assert_eq!(format!("{secret:?}"), "SigningSecret([REDACTED])");
/// ```
#[derive(Clone)]
pub struct SigningSecret(SecretSlice<u8>);

impl SigningSecret {
    /// Wraps a secret given as text (its UTF-8 bytes key the HMAC, exactly
    /// as given: nothing is trimmed).
    ///
    /// ```
    /// use chekt_api::webhooks::{SigningSecret, Verifier};
    ///
    /// # let secret = "whsec_example";
    /// // let secret = std::env::var("CHEKT_WEBHOOK_SECRET")?;
    /// let verifier = Verifier::new(SigningSecret::new(secret))?;
    /// # let _ = verifier;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(secret: impl Into<String>) -> Self {
        Self::from_bytes(secret.into().into_bytes())
    }

    /// Wraps a secret given as raw bytes.
    ///
    /// ```
    /// use chekt_api::webhooks::{Signer, SigningSecret};
    ///
    /// let key: Vec<u8> = vec![0x8f, 0x1d, 0x42, 0xa7]; // e.g. read from a secret manager
    /// let secret = SigningSecret::from_bytes(key);
    /// assert_eq!(Signer::new(secret).signature("1700000000", b"{}").len(), 64);
    /// ```
    pub fn from_bytes(secret: impl Into<Vec<u8>>) -> Self {
        Self(SecretSlice::from(secret.into()))
    }

    /// Whether the secret is empty (a [`Verifier`](super::Verifier) refuses
    /// empty secrets).
    ///
    /// ```
    /// use chekt_api::webhooks::SigningSecret;
    ///
    /// // An environment variable that is set but blank:
    /// assert!(SigningSecret::new("").is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.0.expose_secret().is_empty()
    }

    /// The key bytes, for the HMAC only.
    pub(crate) fn expose(&self) -> &[u8] {
        self.0.expose_secret()
    }
}

impl fmt::Debug for SigningSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningSecret([REDACTED])")
    }
}

impl From<String> for SigningSecret {
    fn from(secret: String) -> Self {
        Self::new(secret)
    }
}

impl From<&str> for SigningSecret {
    fn from(secret: &str) -> Self {
        Self::new(secret)
    }
}

impl From<SecretString> for SigningSecret {
    fn from(secret: SecretString) -> Self {
        Self::from_bytes(secret.expose_secret().as_bytes())
    }
}

impl From<&SecretString> for SigningSecret {
    fn from(secret: &SecretString) -> Self {
        Self::from_bytes(secret.expose_secret().as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let secret = SigningSecret::new("topsecret-value");
        let debug = format!("{secret:?} {:#?}", secret.clone());
        assert!(!debug.contains("topsecret"), "{debug}");
        assert!(debug.contains("REDACTED"));
    }

    #[test]
    fn conversions_keep_the_bytes() {
        let from_string = SigningSecret::from(String::from("abc"));
        let from_secret = SigningSecret::from(SecretString::from("abc"));
        let from_bytes = SigningSecret::from_bytes(b"abc".to_vec());
        assert_eq!(from_string.expose(), b"abc");
        assert_eq!(from_secret.expose(), b"abc");
        assert_eq!(from_bytes.expose(), b"abc");
        assert!(SigningSecret::new("").is_empty());
        assert!(!from_bytes.is_empty());
    }
}
