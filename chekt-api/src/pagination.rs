//! Paging through lists as streams of items, one page in memory at a time.
//!
//! Partner lists page by `limit`/`offset` until a short page (seed 003);
//! `/v1/devices` pages by `next_cursor` while `has_more` (seed 002). The
//! generated code implements [`OffsetPaged`] or [`CursorPaged`] for every
//! list operation that follows one of these conventions, so any such
//! builder gets `into_stream()` and `collect_all()`:
//!
//! ```no_run
//! # async fn run(client: chekt_api::Client) -> chekt_api::Result<()> {
//! use chekt_api::pagination::OffsetPagedExt;
//! use chekt_api::prelude::*;
//! use chekt_api::query::Filters;
//! use futures::TryStreamExt;
//!
//! let mut sites = client
//!     .list_sites()
//!     .dealer_id(42)
//!     .filter(Filters::new().eq("is_activated", 1))
//!     .into_stream();
//! while let Some(site) = sites.try_next().await? {
//!     println!("{}", site.name);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Streams are boxed (`Unpin`, `Send`), so `try_next()` works directly. An
//! error ends the stream with that error; it never stops silently.
//!
//! The server is not trusted to end its lists: cursors that cycle, pages
//! that repeat, `has_more` without a cursor and lists longer than
//! [`Paging::max_pages`] each stop the stream with an
//! [`Error::Paging`] naming the reason ([`PagingError`], [`guard`]).

use std::marker::PhantomData;

use futures::stream::{self, BoxStream};
use futures::{StreamExt, TryStreamExt};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::ResponseValue;
use crate::error::{Error, Result};

/// What sending one page yields: the page with its status and headers.
pub type PageResult<T> = Result<ResponseValue<T>>;

pub mod guard;

use guard::Guard;
pub use guard::{DEFAULT_MAX_PAGES, DEFAULT_PAGE_SIZE, Paging, PagingError};

/// An offset-paged list operation (`limit`/`offset` → a JSON array).
pub trait OffsetPaged<'a>: Sized + Clone + Send + 'a {
    /// One row.
    type Item;
    /// Sets `limit` and `offset`.
    ///
    /// ```no_run
    /// # async fn run(client: chekt_api::Client) -> chekt_api::Result<()> {
    /// use chekt_api::prelude::*;
    /// use chekt_api::pagination::OffsetPaged;
    ///
    /// // Rows 100 to 149, as one request:
    /// let rows = client.list_sites().dealer_id(42).with_page(50, 100).send_page().await?;
    /// # let _ = rows;
    /// # Ok(())
    /// # }
    /// ```
    fn with_page(self, limit: i64, offset: i64) -> Self;
    /// Sends the request for one page.
    ///
    /// ```no_run
    /// # async fn run(client: chekt_api::Client) -> chekt_api::Result<()> {
    /// use chekt_api::prelude::*;
    /// use chekt_api::pagination::OffsetPaged;
    ///
    /// let first = client.list_sites().dealer_id(42).with_page(50, 0).send_page().await?;
    /// println!("{} sites on the first page", first.len());
    /// # Ok(())
    /// # }
    /// ```
    fn send_page(self) -> impl Future<Output = PageResult<Vec<Self::Item>>> + Send + 'a;
}

/// An offset-paged list that takes `fields`: with `fields`, rows carry
/// only the selected columns, which the full row type cannot decode, so
/// they are decoded into a type of the caller's choosing instead.
///
/// ```no_run
/// # async fn run(client: chekt_api::Client) -> chekt_api::Result<()> {
/// use chekt_api::pagination::{FieldsPaged, OffsetPagedExt};
/// use chekt_api::prelude::*;
/// use chekt_api::query::Fields;
///
/// #[derive(serde::Deserialize)]
/// struct SiteName {
///     site_id: i64,
///     name: String,
/// }
///
/// let names: Vec<SiteName> = client
///     .list_sites()
///     .dealer_id(42)
///     .fields(Fields::new(["site_id", "name"]))
///     .rows_as::<SiteName>()
///     .collect_all()
///     .await?;
/// # let _ = names;
/// # Ok(())
/// # }
/// ```
pub trait FieldsPaged<'a>: OffsetPaged<'a> {
    /// Sends the request for one page, decoding each row into `T` (the
    /// builder's `send_as::<T>()`).
    fn send_page_as<T>(self) -> impl Future<Output = PageResult<Vec<T>>> + Send + 'a
    where
        T: DeserializeOwned + Send + 'a;

    /// This list with each row decoded into `T`: paged, streamed and
    /// collected like the list itself.
    fn rows_as<T>(self) -> RowsAs<Self, T>
    where
        T: DeserializeOwned + Send + 'a,
    {
        RowsAs {
            list: self,
            row: PhantomData,
        }
    }
}

/// A list whose rows are decoded into `T`; made by [`FieldsPaged::rows_as`].
#[derive(Debug)]
pub struct RowsAs<L, T> {
    list: L,
    row: PhantomData<fn() -> T>,
}

impl<L: Clone, T> Clone for RowsAs<L, T> {
    fn clone(&self) -> Self {
        RowsAs {
            list: self.list.clone(),
            row: PhantomData,
        }
    }
}

impl<'a, L, T> OffsetPaged<'a> for RowsAs<L, T>
where
    L: FieldsPaged<'a>,
    T: DeserializeOwned + Send + 'a,
{
    type Item = T;

    fn with_page(self, limit: i64, offset: i64) -> Self {
        RowsAs {
            list: self.list.with_page(limit, offset),
            row: PhantomData,
        }
    }

    fn send_page(self) -> impl Future<Output = PageResult<Vec<T>>> + Send + 'a {
        self.list.send_page_as::<T>()
    }
}

impl<'a, L, T> RowsAs<L, T>
where
    L: FieldsPaged<'a>,
    T: DeserializeOwned + Send + 'a,
{
    /// Every row, [`DEFAULT_PAGE_SIZE`] per request, at most
    /// [`DEFAULT_MAX_PAGES`] requests. Rows of selected columns may repeat
    /// legitimately (`fields=is_activated`), so a repeated page is not an
    /// error here; the page cap still ends a list that cannot end.
    pub fn into_stream(self) -> BoxStream<'a, Result<T>> {
        self.into_stream_with(Paging::new())
    }

    /// Every row, `page_size` (at least 1) per request.
    pub fn into_stream_with_page_size(self, page_size: i64) -> BoxStream<'a, Result<T>> {
        self.into_stream_with(Paging::new().page_size(page_size))
    }

    /// Every row, paged as `paging` says.
    pub fn into_stream_with(self, paging: Paging) -> BoxStream<'a, Result<T>> {
        offset_stream(self, paging, |_| None)
    }

    /// Every row, collected ([`into_stream`](Self::into_stream)).
    pub fn collect_all(self) -> impl Future<Output = Result<Vec<T>>> + Send + 'a {
        self.into_stream().try_collect()
    }
}

/// Pages an offset list: `limit`/`offset` until an empty or short page,
/// under a [`Guard`]; `fingerprint` identifies a page for the repeated-page
/// check (`None` skips it).
fn offset_stream<'a, B>(
    builder: B,
    paging: Paging,
    fingerprint: fn(&[B::Item]) -> Option<u64>,
) -> BoxStream<'a, Result<B::Item>>
where
    B: OffsetPaged<'a>,
    B::Item: Send + 'a,
{
    let page_size = paging.get_page_size();
    let start = Some((builder, 0_i64, Guard::new(paging)));
    let pages = stream::try_unfold(start, move |state| async move {
        let Some((builder, offset, mut guard)) = state else {
            return Ok(None);
        };
        guard.request()?;
        let page = builder
            .clone()
            .with_page(page_size, offset)
            .send_page()
            .await?;
        let rows = page.into_inner();
        if rows.is_empty() {
            return Ok(None);
        }
        // A short page ends the list; a full one (or a longer one, from a
        // server that ignores `limit`) asks for more.
        let next = if rows.len() as i64 >= page_size {
            guard.page(fingerprint(&rows), rows.len())?;
            let offset = Guard::next_offset(offset, rows.len())?;
            Some((builder, offset, guard))
        } else {
            None
        };
        Ok::<_, Error>(Some((rows, next)))
    });
    pages
        .map_ok(|rows| stream::iter(rows.into_iter().map(Ok)))
        .try_flatten()
        .boxed()
}

/// A cursor-paged list operation (`cursor` → `{data, has_more, next_cursor}`).
pub trait CursorPaged<'a>: Sized + Clone + Send + 'a {
    /// The page type.
    type Page;
    /// One item.
    type Item;
    /// Sets the cursor.
    ///
    /// ```no_run
    /// # async fn run(client: chekt_api::Client) -> chekt_api::Result<()> {
    /// use chekt_api::prelude::*;
    /// use chekt_api::pagination::CursorPaged;
    ///
    /// # let saved_cursor = String::new();
    /// // Resume where an earlier run stopped:
    /// let page = client.list_public_devices().with_cursor(saved_cursor).send_page().await?;
    /// # let _ = page;
    /// # Ok(())
    /// # }
    /// ```
    fn with_cursor(self, cursor: String) -> Self;
    /// Sends the request for one page.
    ///
    /// ```no_run
    /// # async fn run(client: chekt_api::Client) -> chekt_api::Result<()> {
    /// use chekt_api::prelude::*;
    /// use chekt_api::pagination::CursorPaged;
    ///
    /// let page = client.list_public_devices().limit(20).send_page().await?.into_inner();
    /// println!("{} devices, more: {}", page.data.len(), page.has_more);
    /// # Ok(())
    /// # }
    /// ```
    fn send_page(self) -> impl Future<Output = PageResult<Self::Page>> + Send + 'a;
    /// Splits a page into its items, `has_more` and `next_cursor`.
    ///
    /// ```no_run
    /// # async fn run(client: chekt_api::Client) -> chekt_api::Result<()> {
    /// use chekt_api::prelude::*;
    /// use chekt_api::builder::ListPublicDevices;
    /// use chekt_api::pagination::CursorPaged;
    ///
    /// let page = client.list_public_devices().send_page().await?.into_inner();
    /// let (devices, has_more, next_cursor) = ListPublicDevices::into_parts(page);
    /// # let _ = (devices, has_more, next_cursor);
    /// # Ok(())
    /// # }
    /// ```
    fn into_parts(page: Self::Page) -> (Vec<Self::Item>, bool, Option<String>);
}

/// Streams over [`OffsetPaged`] operations.
pub trait OffsetPagedExt<'a>: OffsetPaged<'a>
where
    Self::Item: Serialize + Send + 'a,
{
    /// Every row, [`DEFAULT_PAGE_SIZE`] per request, at most
    /// [`DEFAULT_MAX_PAGES`] requests; a list that cannot end is an
    /// [`Error::Paging`].
    ///
    /// ```no_run
    /// # async fn run(client: chekt_api::Client) -> chekt_api::Result<()> {
    /// use chekt_api::prelude::*;
    /// use chekt_api::pagination::OffsetPagedExt;
    /// use futures::TryStreamExt;
    ///
    /// let mut sites = client.list_sites().dealer_id(42).into_stream();
    /// while let Some(site) = sites.try_next().await? {
    ///     println!("{}", site.name);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    fn into_stream(self) -> BoxStream<'a, Result<Self::Item>> {
        self.into_stream_with_page_size(DEFAULT_PAGE_SIZE)
    }

    /// Every row, `page_size` (at least 1) per request; stops after the
    /// first page shorter than `page_size`, or with an [`Error::Paging`]
    /// (a page repeating an earlier one, more than [`DEFAULT_MAX_PAGES`] pages).
    ///
    /// ```no_run
    /// # async fn run(client: chekt_api::Client) -> chekt_api::Result<()> {
    /// use chekt_api::prelude::*;
    /// use chekt_api::pagination::OffsetPagedExt;
    /// use futures::TryStreamExt;
    ///
    /// let contacts: Vec<_> = client
    ///     .list_contacts()
    ///     .dealer_id(42)
    ///     .site_id(7)
    ///     .into_stream_with_page_size(500)
    ///     .try_collect()
    ///     .await?;
    /// # let _ = contacts;
    /// # Ok(())
    /// # }
    /// ```
    fn into_stream_with_page_size(self, page_size: i64) -> BoxStream<'a, Result<Self::Item>> {
        self.into_stream_with(Paging::new().page_size(page_size))
    }

    /// Every row, paged as `paging` says.
    ///
    /// ```no_run
    /// # async fn run(client: chekt_api::Client) -> chekt_api::Result<()> {
    /// use chekt_api::prelude::*;
    /// use chekt_api::pagination::{OffsetPagedExt, Paging};
    /// use futures::TryStreamExt;
    ///
    /// // 500 rows per request, at most 20 requests (then Error::Paging).
    /// let sites: Vec<_> = client
    ///     .list_sites()
    ///     .dealer_id(42)
    ///     .into_stream_with(Paging::new().page_size(500).max_pages(20))
    ///     .try_collect()
    ///     .await?;
    /// # let _ = sites;
    /// # Ok(())
    /// # }
    /// ```
    fn into_stream_with(self, paging: Paging) -> BoxStream<'a, Result<Self::Item>> {
        offset_stream(self, paging, guard::fingerprint::<Self::Item>)
    }

    /// Every row, collected.
    ///
    /// ```no_run
    /// # async fn run(client: chekt_api::Client) -> chekt_api::Result<()> {
    /// use chekt_api::prelude::*;
    /// use chekt_api::pagination::OffsetPagedExt;
    ///
    /// let stations = client.list_monitoring_stations().dealer_id(42).collect_all().await?;
    /// println!("{} monitoring stations", stations.len());
    /// # Ok(())
    /// # }
    /// ```
    fn collect_all(self) -> impl Future<Output = Result<Vec<Self::Item>>> + Send + 'a {
        self.into_stream().try_collect()
    }
}

impl<'a, T> OffsetPagedExt<'a> for T
where
    T: OffsetPaged<'a>,
    T::Item: Serialize + Send + 'a,
{
}

/// Streams over [`CursorPaged`] operations.
pub trait CursorPagedExt<'a>: CursorPaged<'a>
where
    Self::Item: Serialize + Send + 'a,
    Self::Page: Send + 'a,
{
    /// Every item, following `next_cursor` while `has_more`, at most
    /// [`DEFAULT_MAX_PAGES`] requests; a cursor seen before, `has_more`
    /// without a cursor or a repeated page is an [`Error::Paging`].
    ///
    /// ```no_run
    /// # async fn run(client: chekt_api::Client) -> chekt_api::Result<()> {
    /// use chekt_api::prelude::*;
    /// use chekt_api::pagination::CursorPagedExt;
    /// use futures::TryStreamExt;
    ///
    /// let mut devices = client.list_public_devices().limit(100).into_stream();
    /// while let Some(device) = devices.try_next().await? {
    ///     println!("{} {:?}", device.name, device.status);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    fn into_stream(self) -> BoxStream<'a, Result<Self::Item>> {
        self.into_stream_with(Paging::new())
    }

    /// Every item, with at most `paging`'s
    /// [`max_pages`](Paging::max_pages) requests (its page size is not
    /// used: set the builder's `limit`).
    ///
    /// ```no_run
    /// # async fn run(client: chekt_api::Client) -> chekt_api::Result<()> {
    /// use chekt_api::prelude::*;
    /// use chekt_api::pagination::{CursorPagedExt, Paging};
    /// use futures::TryStreamExt;
    ///
    /// let devices: Vec<_> = client
    ///     .list_public_devices()
    ///     .limit(100)
    ///     .into_stream_with(Paging::new().max_pages(50))
    ///     .try_collect()
    ///     .await?;
    /// # let _ = devices;
    /// # Ok(())
    /// # }
    /// ```
    fn into_stream_with(self, paging: Paging) -> BoxStream<'a, Result<Self::Item>> {
        let start = Some((self, None::<String>, Guard::new(paging)));
        let pages = stream::try_unfold(start, |state| async move {
            let Some((builder, cursor, mut guard)) = state else {
                return Ok(None);
            };
            guard.request()?;
            let request = match cursor {
                Some(cursor) => builder.clone().with_cursor(cursor),
                None => builder.clone(),
            };
            let page = request.send_page().await?;
            let (items, has_more, next_cursor) = Self::into_parts(page.into_inner());
            guard.page(guard::fingerprint(&items), items.len())?;
            let next = guard
                .next_cursor(has_more, next_cursor)?
                .map(|cursor| (builder, Some(cursor), guard));
            Ok::<_, Error>(Some((items, next)))
        });
        pages
            .map_ok(|items| stream::iter(items.into_iter().map(Ok)))
            .try_flatten()
            .boxed()
    }

    /// Every item, collected.
    ///
    /// ```no_run
    /// # async fn run(client: chekt_api::Client) -> chekt_api::Result<()> {
    /// use chekt_api::prelude::*;
    /// use chekt_api::pagination::CursorPagedExt;
    ///
    /// let sites = client.list_public_sites().collect_all().await?;
    /// println!("{} sites", sites.len());
    /// # Ok(())
    /// # }
    /// ```
    fn collect_all(self) -> impl Future<Output = Result<Vec<Self::Item>>> + Send + 'a {
        self.into_stream().try_collect()
    }
}

impl<'a, T> CursorPagedExt<'a> for T
where
    T: CursorPaged<'a>,
    T::Item: Serialize + Send + 'a,
    T::Page: Send + 'a,
{
}
