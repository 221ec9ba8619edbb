//! API keys (seed 000): `chekt_live_…` for production, `chekt_test_…` for
//! the sandbox, 32+ characters, sent as a bearer token.

use std::fmt;

use reqwest::header::HeaderValue;

/// Which CHeKT environment a key belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Environment {
    /// Production (`chekt_live_`).
    Live,
    /// Sandbox (`chekt_test_`).
    Test,
}

/// Why a string is not an API key. Never contains the key itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ApiKeyError {
    /// The key starts with neither prefix.
    #[error("an API key starts with `chekt_live_` or `chekt_test_`")]
    Prefix,
    /// The key is shorter than 32 characters.
    #[error("an API key has at least 32 characters, this one has {0}")]
    TooShort(usize),
    /// The key contains a character other than ASCII letters, digits and `_`.
    #[error("an API key contains only ASCII letters, digits and `_`")]
    Characters,
}

/// A validated API key; `Debug` and `Display` never show it.
#[derive(Clone)]
pub struct ApiKey {
    /// `Bearer <key>`, built once and marked sensitive.
    header: HeaderValue,
    environment: Environment,
}

impl ApiKey {
    /// Validates `key`'s shape.
    ///
    /// ```
    /// use chekt_api::auth::{ApiKey, ApiKeyError};
    ///
    /// let key = ApiKey::new("chekt_test_8h2j3kfm2918sndljabcdefgh")?;
    /// assert_eq!(format!("{key:?}"), "ApiKey(Test, [redacted])");
    /// assert_eq!(ApiKey::new("chekt_live_short").unwrap_err(), ApiKeyError::TooShort(16));
    /// # Ok::<(), ApiKeyError>(())
    /// ```
    pub fn new(key: impl Into<String>) -> Result<Self, ApiKeyError> {
        let key: String = key.into();
        let environment = if key.starts_with("chekt_live_") {
            Environment::Live
        } else if key.starts_with("chekt_test_") {
            Environment::Test
        } else {
            return Err(ApiKeyError::Prefix);
        };
        if key.len() < 32 {
            return Err(ApiKeyError::TooShort(key.len()));
        }
        if !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(ApiKeyError::Characters);
        }
        // The characters were checked above, so the header is valid.
        let header = super::bearer(&key).ok_or(ApiKeyError::Characters)?;
        Ok(ApiKey {
            header,
            environment,
        })
    }

    /// The environment the key's prefix names.
    ///
    /// ```
    /// use chekt_api::auth::{ApiKey, Environment};
    ///
    /// let key = ApiKey::new("chekt_live_8h2j3kfm2918sndljabcdefgh")?;
    /// assert_eq!(key.environment(), Environment::Live);
    /// # Ok::<(), chekt_api::auth::ApiKeyError>(())
    /// ```
    pub fn environment(&self) -> Environment {
        self.environment
    }

    /// The `Authorization` header value carrying the key.
    pub(crate) fn header(&self) -> &HeaderValue {
        &self.header
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiKey({:?}, [redacted])", self.environment)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_shape_and_environment() {
        let live = ApiKey::new("chekt_live_8h2j3kfm2918sndljabcdefgh").unwrap();
        assert_eq!(live.environment(), Environment::Live);
        assert_eq!(format!("{live:?}"), "ApiKey(Live, [redacted])");
        let test = ApiKey::new("chekt_test_8h2j3kfm2918sndljabcdefgh").unwrap();
        assert_eq!(test.environment(), Environment::Test);
        assert_eq!(
            ApiKey::new("sk_live_0123456789012345678901234567").unwrap_err(),
            ApiKeyError::Prefix
        );
        assert_eq!(
            ApiKey::new("chekt_live_short").unwrap_err(),
            ApiKeyError::TooShort(16)
        );
        assert_eq!(
            ApiKey::new("chekt_live_8h2j3kfm2918sndlj abcdefgh").unwrap_err(),
            ApiKeyError::Characters
        );
        let err = ApiKey::new("chekt_live_secret!secret!secret!secret")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("secret"), "{err}");
    }
}
