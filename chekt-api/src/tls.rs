//! The TLS backend is a feature choice:
//!
//! | feature | backend | builds |
//! | --- | --- | --- |
//! | `rustls` (default) | rustls with the *ring* crypto provider, the platform's certificate verifier | Rust and a little C/assembly (ring); no cmake, no OpenSSL |
//! | `native-tls` | the platform's library: OpenSSL (with its headers on Linux), Secure Transport, SChannel | links the system library |
//!
//! With both, `native-tls` is used (reqwest's rule). With neither, a client
//! reaches only `http://` base URLs unless you pass a `reqwest::Client` of
//! your own to [`ClientBuilder::http_client`](crate::ClientBuilder::http_client);
//! [`ClientBuilder::build`](crate::ClientBuilder::build) refuses an
//! `https://` one with [`BuildError::BaseUrl`](crate::BuildError::BaseUrl).

/// Makes sure rustls has a process-wide crypto provider, installing
/// *ring*'s when the program has not installed one (one of its own, e.g.
/// aws-lc-rs, is kept). [`ClientBuilder::build`](crate::ClientBuilder::build)
/// calls it; call it yourself before building a `reqwest::Client` for
/// [`ClientBuilder::http_client`](crate::ClientBuilder::http_client) with
/// the same reqwest, whose `rustls-no-provider` feature this crate enables:
/// reqwest panics when it finds no provider.
#[cfg(feature = "rustls")]
#[cfg_attr(docsrs, doc(cfg(feature = "rustls")))]
pub fn install_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // An error means another thread installed one meanwhile: it serves.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}
