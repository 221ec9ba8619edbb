//! Guards that stop a list that cannot end.
//!
//! A server can keep a paginator busy forever in a few ways, each stopped
//! with its own [`PagingError`]:
//!
//! | how the server loops | stopped by |
//! | --- | --- |
//! | cursors that cycle (`A` → `B` → `A`) or repeat (`A` → `A`) | [`PagingError::CursorRepeated`] |
//! | `has_more: true` with no `next_cursor`, or an empty one | [`PagingError::MissingCursor`] |
//! | a page seen before (offset or cursor ignored, fresh cursors on the same rows, pages alternating) | [`PagingError::RepeatedPage`] |
//! | full pages forever (always exactly `limit` rows, or more) | [`PagingError::TooManyPages`] after [`Paging::max_pages`] |
//! | an offset that would overflow | [`PagingError::OffsetOverflow`] |
//!
//! An offset never stands still: it moves on by the rows received, and an
//! empty or short page ends the list.

use std::collections::HashSet;
use std::hash::{Hash, Hasher};

use serde::Serialize;

/// Rows per request when streaming offset-paged lists.
pub const DEFAULT_PAGE_SIZE: i64 = 100;

/// Requests a paginator sends at most, unless configured otherwise
/// ([`Paging::max_pages`]): 10 000 pages, a million rows at the default
/// page size.
pub const DEFAULT_MAX_PAGES: u64 = 10_000;

/// Why paging stopped before the list ended.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PagingError {
    /// The server sent a cursor that was already followed: the cursors
    /// cycle, so the list would never end.
    #[error("page {page} points to cursor {cursor:?} again; the cursors cycle")]
    CursorRepeated {
        /// The 1-based page whose `next_cursor` repeated.
        page: u64,
        /// The cursor (at most 64 characters of it).
        cursor: String,
    },
    /// `has_more` is `true` but `next_cursor` is missing or empty: the rest
    /// of the list cannot be asked for.
    #[error("page {page} says has_more but gives no next_cursor")]
    MissingCursor {
        /// The 1-based page.
        page: u64,
    },
    /// A page has exactly the rows of an earlier page: the server ignores
    /// the offset or cursor.
    #[error(
        "page {page} repeats the {rows} rows of an earlier page; the server ignores the offset or cursor"
    )]
    RepeatedPage {
        /// The 1-based page that repeated.
        page: u64,
        /// How many rows it had.
        rows: usize,
    },
    /// The list did not end within the configured number of requests.
    #[error(
        "the list did not end within {max_pages} pages; raise max_pages if it is really that long"
    )]
    TooManyPages {
        /// The cap ([`Paging::max_pages`]).
        max_pages: u64,
    },
    /// The next offset would not fit in an `i64`.
    #[error("the offset would overflow after {offset} rows")]
    OffsetOverflow {
        /// The offset reached.
        offset: i64,
    },
}

/// How a list is paged: rows per request and the most requests to send.
///
/// ```
/// use chekt_api::pagination::{DEFAULT_MAX_PAGES, Paging};
///
/// let paging = Paging::new().page_size(500).max_pages(20);
/// assert_eq!(paging.get_page_size(), 500);
/// assert_eq!(Paging::new().get_max_pages(), DEFAULT_MAX_PAGES);
/// assert_eq!(Paging::new().page_size(0).get_page_size(), 1); // at least one row
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Paging {
    page_size: i64,
    max_pages: u64,
}

impl Default for Paging {
    fn default() -> Self {
        Paging {
            page_size: DEFAULT_PAGE_SIZE,
            max_pages: DEFAULT_MAX_PAGES,
        }
    }
}

impl Paging {
    /// [`DEFAULT_PAGE_SIZE`] rows per request, at most
    /// [`DEFAULT_MAX_PAGES`] requests.
    pub fn new() -> Self {
        Paging::default()
    }

    /// Rows per request for offset-paged lists (at least 1). Cursor-paged
    /// lists use the builder's own `limit`.
    pub fn page_size(mut self, rows: i64) -> Self {
        self.page_size = rows.max(1);
        self
    }

    /// The most requests to send (at least 1); one more page is an
    /// [`PagingError::TooManyPages`] error, and is never requested.
    pub fn max_pages(mut self, pages: u64) -> Self {
        self.max_pages = pages.max(1);
        self
    }

    /// Rows per request.
    pub fn get_page_size(&self) -> i64 {
        self.page_size
    }

    /// The most requests sent.
    pub fn get_max_pages(&self) -> u64 {
        self.max_pages
    }
}

/// A page's identity for [`PagingError::RepeatedPage`]: a hash of its rows
/// as JSON; `None` for an empty page or rows that cannot be serialized.
pub(crate) fn fingerprint<T: Serialize>(rows: &[T]) -> Option<u64> {
    struct Hashing<'h>(&'h mut std::collections::hash_map::DefaultHasher);
    impl std::io::Write for Hashing<'_> {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            buf.hash(self.0);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    if rows.is_empty() {
        return None;
    }
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    serde_json::to_writer(Hashing(&mut hasher), rows).ok()?;
    Some(hasher.finish())
}

/// The state one paginator keeps to notice a list that cannot end.
#[derive(Debug)]
pub(crate) struct Guard {
    max_pages: u64,
    pages: u64,
    /// Fingerprints of the non-empty pages so far (at most `max_pages`).
    seen: HashSet<u64>,
    cursors: HashSet<String>,
}

impl Guard {
    pub fn new(paging: Paging) -> Self {
        Guard {
            max_pages: paging.max_pages,
            pages: 0,
            seen: HashSet::new(),
            cursors: HashSet::new(),
        }
    }

    /// Before sending a request: counts it, refusing one past the cap.
    pub fn request(&mut self) -> Result<(), PagingError> {
        if self.pages >= self.max_pages {
            return Err(PagingError::TooManyPages {
                max_pages: self.max_pages,
            });
        }
        self.pages += 1;
        Ok(())
    }

    /// After a page arrived: refuses one identical to an earlier page
    /// (`fingerprint` from [`fingerprint`], `None` to skip the check).
    pub fn page(&mut self, fingerprint: Option<u64>, rows: usize) -> Result<(), PagingError> {
        match fingerprint {
            Some(fp) if !self.seen.insert(fp) => Err(PagingError::RepeatedPage {
                page: self.pages,
                rows,
            }),
            _ => Ok(()),
        }
    }

    /// The cursor to follow after a cursor page: `None` at the end, an
    /// error when `has_more` gives no usable cursor or one already followed.
    pub fn next_cursor(
        &mut self,
        has_more: bool,
        next: Option<String>,
    ) -> Result<Option<String>, PagingError> {
        if !has_more {
            return Ok(None);
        }
        let page = self.pages;
        let next = next
            .filter(|c| !c.is_empty())
            .ok_or(PagingError::MissingCursor { page })?;
        if !self.cursors.insert(next.clone()) {
            return Err(PagingError::CursorRepeated {
                page,
                cursor: next.chars().take(64).collect(),
            });
        }
        Ok(Some(next))
    }

    /// The offset after `rows` more rows.
    pub fn next_offset(offset: i64, rows: usize) -> Result<i64, PagingError> {
        i64::try_from(rows)
            .ok()
            .and_then(|rows| offset.checked_add(rows))
            .ok_or(PagingError::OffsetOverflow { offset })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycling_repeating_and_missing_cursors_are_refused() {
        let mut guard = Guard::new(Paging::new());
        let mut follow = |has_more, next: Option<&str>| {
            guard.request()?;
            guard.next_cursor(has_more, next.map(str::to_string))
        };
        assert_eq!(follow(true, Some("A")), Ok(Some("A".into())));
        assert_eq!(follow(true, Some("B")), Ok(Some("B".into())));
        assert_eq!(
            follow(true, Some("A")),
            Err(PagingError::CursorRepeated {
                page: 3,
                cursor: "A".into()
            })
        );
        assert_eq!(
            follow(true, Some("")),
            Err(PagingError::MissingCursor { page: 4 })
        );
        assert_eq!(
            follow(true, None),
            Err(PagingError::MissingCursor { page: 5 })
        );
        assert_eq!(follow(false, None), Ok(None));
        assert_eq!(
            follow(false, Some("A")),
            Ok(None),
            "has_more false ends the list"
        );
    }

    #[test]
    fn the_cap_refuses_the_request_after_the_last_page() {
        let mut guard = Guard::new(Paging::new().max_pages(2));
        assert!(guard.request().is_ok());
        assert!(guard.request().is_ok());
        assert_eq!(
            guard.request(),
            Err(PagingError::TooManyPages { max_pages: 2 })
        );
    }

    #[test]
    fn a_repeated_non_empty_page_is_refused() {
        let mut guard = Guard::new(Paging::new());
        let (a, b, c) = (
            fingerprint(&[1, 2]),
            fingerprint(&[3, 4]),
            fingerprint(&[2, 1]),
        );
        assert!(a != b && a != c && b != c);
        for (page, fp) in [(1, a), (2, b), (3, c)] {
            guard.request().unwrap();
            assert!(guard.page(fp, 2).is_ok(), "page {page}");
        }
        guard.request().unwrap();
        // Alternating pages (A, B, A) are caught, not only A, A.
        assert_eq!(
            guard.page(a, 2),
            Err(PagingError::RepeatedPage { page: 4, rows: 2 })
        );
        // Empty pages and unchecked rows are never "the same page".
        assert_eq!(fingerprint::<i32>(&[]), None);
        assert!(guard.page(None, 0).is_ok() && guard.page(None, 0).is_ok());
    }

    #[test]
    fn an_offset_that_would_overflow_is_refused() {
        assert_eq!(Guard::next_offset(100, 50), Ok(150));
        assert_eq!(
            Guard::next_offset(i64::MAX - 1, 2),
            Err(PagingError::OffsetOverflow {
                offset: i64::MAX - 1
            })
        );
    }
}
