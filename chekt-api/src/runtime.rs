//! Placeholder runtime (replaced below).
use progenitor_client::{ClientHooks, OperationInfo};

use crate::Client;

/// Runtime state shared by every call.
#[derive(Clone, Debug, Default)]
pub struct Runtime {}

impl ClientHooks<Runtime> for Client {
    async fn exec(
        &self,
        request: reqwest::Request,
        _info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        self.client.execute(request).await
    }
}
