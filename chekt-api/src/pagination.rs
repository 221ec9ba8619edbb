//! Paging traits (implemented by generated code).
use progenitor_client::{Error, ResponseValue};

/// An offset-paged list operation.
pub trait OffsetPaged<'a>: Sized + Clone + Send + 'a {
    /// One row.
    type Item;
    /// The error body type.
    type ErrorBody;
    /// Sets `limit` and `offset`.
    fn with_page(self, limit: i64, offset: i64) -> Self;
    /// Sends one page.
    fn send_page(
        self,
    ) -> impl std::future::Future<
        Output = Result<ResponseValue<Vec<Self::Item>>, Error<Self::ErrorBody>>,
    > + Send
    + 'a;
}

/// A cursor-paged list operation.
pub trait CursorPaged<'a>: Sized + Clone + Send + 'a {
    /// The page type.
    type Page;
    /// One item.
    type Item;
    /// The error body type.
    type ErrorBody;
    /// Sets the cursor.
    fn with_cursor(self, cursor: String) -> Self;
    /// Sends one page.
    fn send_page(
        self,
    ) -> impl std::future::Future<Output = Result<ResponseValue<Self::Page>, Error<Self::ErrorBody>>>
    + Send
    + 'a;
    /// Splits a page into items, has_more and next_cursor.
    fn into_parts(page: Self::Page) -> (Vec<Self::Item>, bool, Option<String>);
}
