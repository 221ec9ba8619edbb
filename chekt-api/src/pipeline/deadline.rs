//! The whole-call deadline ([`RequestOptions::timeout`]): every wait of a
//! call (token fetch, throttle, attempts, backoff, body read) runs under
//! it, and a sleep that would end past it is not started.
//!
//! [`RequestOptions::timeout`]: crate::RequestOptions::timeout

use std::future::Future;
use std::time::Duration;

use futures::FutureExt;
use futures::future::{Either, ready};
use tokio::time::Instant;

/// When a call must be over; `None` for no deadline (no timer is set up).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadline {
    at: Option<(Instant, Duration)>,
}

/// The deadline passed (or would have passed during a wait): the
/// configured timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Expired(pub Duration);

impl Deadline {
    /// A deadline `timeout` from now (tokio's clock, so a paused test clock
    /// applies).
    pub fn after(timeout: Option<Duration>) -> Self {
        Deadline {
            // A timeout too long to add to the clock is no deadline; so is
            // one that ends within tokio's rounding of the clock's end (its
            // timer adds up to 1 ms to a deadline, and panics past the end).
            at: timeout.and_then(|t| {
                let at = Instant::now().checked_add(t)?;
                at.checked_add(Duration::from_millis(1))?;
                Some((at, t))
            }),
        }
    }

    /// The instant the call must be over by, if any.
    pub fn instant(&self) -> Option<Instant> {
        self.at.map(|(at, _)| at)
    }

    /// Runs `work`, giving up when the deadline passes. Past the deadline
    /// `work` is not started. The timer is set up only if `work` is not
    /// ready at its first poll (tokio registers a timer when it is first
    /// polled), so a stage that does not wait costs no timer.
    ///
    /// A plain function returning a future, not an `async fn`: an async
    /// wrapper would hold `work` twice in its state (once as its argument,
    /// once being awaited), and the pipeline's state is kilobytes.
    pub fn bound<F: Future>(&self, work: F) -> impl Future<Output = Result<F::Output, Expired>> {
        match self.at {
            None => Either::Left(work.map(Ok)),
            Some((at, timeout)) => Either::Right(match self.check() {
                Err(expired) => Either::Left(ready(Err(expired))),
                Ok(()) => Either::Right(
                    tokio::time::timeout_at(at, work).map(move |r| r.map_err(|_| Expired(timeout))),
                ),
            }),
        }
    }

    /// Runs `work` (a stage some other timer bounds: the call's
    /// [`Deadline::bound`], or the HTTP client's timeout set from
    /// [`Deadline::remaining`]), unless the deadline has passed: then
    /// `work` is not started. The other timer cuts off work in progress;
    /// this check covers the gap tokio's timer leaves (it rounds the
    /// deadline up to its next millisecond tick, so a zero timeout could
    /// otherwise still send a request).
    /// Not an `async fn`, as for [`Deadline::bound`].
    pub fn start<F: Future>(&self, work: F) -> impl Future<Output = Result<F::Output, Expired>> {
        match self.check() {
            Err(expired) => Either::Left(ready(Err(expired))),
            Ok(()) => Either::Right(work.map(Ok)),
        }
    }

    /// The time left before the deadline (zero once it has passed);
    /// `None` without one.
    pub fn remaining(&self) -> Option<Duration> {
        self.at
            .map(|(at, _)| at.saturating_duration_since(Instant::now()))
    }

    /// `Err` once the deadline has passed.
    pub fn check(&self) -> Result<(), Expired> {
        match self.at {
            Some((at, timeout)) if Instant::now() >= at => Err(Expired(timeout)),
            _ => Ok(()),
        }
    }

    /// Whether a wait of `delay` from now would end before the deadline
    /// (always, without one): what [`sleep`](Self::sleep) checks. One that
    /// ends at it does not: nothing starts then ([`check`](Self::check)).
    pub fn fits(&self, delay: Duration) -> bool {
        self.at.is_none_or(|(at, _)| {
            Instant::now()
                .checked_add(delay)
                .is_some_and(|end| end < at)
        })
    }

    /// Sleeps `delay`, unless that would end at or past the deadline: then
    /// returns at once (a wait that cannot finish in time is not started).
    pub async fn sleep(&self, delay: Duration) -> Result<(), Expired> {
        if let Some((_, timeout)) = self.at
            && !self.fits(delay)
        {
            return Err(Expired(timeout));
        }
        tokio::time::sleep(delay).await;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn work_past_the_deadline_is_cut_off() {
        let deadline = Deadline::after(Some(Duration::from_secs(1)));
        let slow = deadline
            .bound(tokio::time::sleep(Duration::from_secs(5)))
            .await;
        assert_eq!(slow, Err(Expired(Duration::from_secs(1))));
        let zero = Deadline::after(Some(Duration::ZERO));
        assert_eq!(
            zero.bound(async { 7 }).await,
            Err(Expired(Duration::ZERO)),
            "past the deadline even ready work is not run"
        );
        assert_eq!(zero.start(async { 7 }).await, Err(Expired(Duration::ZERO)));
        let started = Instant::now();
        let none = Deadline::after(None);
        assert_eq!(none.bound(async { 7 }).await, Ok(7));
        assert_eq!(none.start(async { 7 }).await, Ok(7));
        assert_eq!(started.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn the_time_left_counts_down_to_zero() {
        assert_eq!(Deadline::after(None).remaining(), None);
        let deadline = Deadline::after(Some(Duration::from_secs(3)));
        assert_eq!(deadline.remaining(), Some(Duration::from_secs(3)));
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert_eq!(deadline.remaining(), Some(Duration::from_secs(1)));
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert_eq!(deadline.remaining(), Some(Duration::ZERO));
    }

    #[tokio::test(start_paused = true)]
    async fn a_stage_starts_only_before_the_deadline() {
        let deadline = Deadline::after(Some(Duration::from_secs(1)));
        assert_eq!(deadline.start(async { 7 }).await, Ok(7));
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert_eq!(
            deadline.start(async { 7 }).await,
            Err(Expired(Duration::from_secs(1)))
        );
    }

    /// The longest timeout tokio's (paused, so unmoving) clock can add.
    fn longest_timeout() -> Duration {
        let nanos = |n: u128| Duration::new((n / 1_000_000_000) as u64, (n % 1_000_000_000) as u32);
        let now = Instant::now();
        let (mut fits, mut overflows) = (0, Duration::MAX.as_nanos());
        while overflows - fits > 1 {
            let mid = fits + (overflows - fits) / 2;
            match now.checked_add(nanos(mid)) {
                Some(_) => fits = mid,
                None => overflows = mid,
            }
        }
        nanos(fits)
    }

    #[tokio::test(start_paused = true)]
    async fn a_timeout_at_the_end_of_the_clock_is_no_deadline_not_a_panic() {
        let longest = longest_timeout();
        for timeout in [longest, longest - Duration::from_micros(500), Duration::MAX] {
            let deadline = Deadline::after(Some(timeout));
            let pending = tokio::time::sleep(Duration::from_secs(1));
            assert_eq!(deadline.bound(pending).await, Ok(()), "{timeout:?}");
            assert_eq!(deadline.sleep(Duration::from_secs(1)).await, Ok(()));
            assert!(deadline.instant().is_none(), "{timeout:?}");
        }
        // Far, but not at the end: a deadline.
        let far = Deadline::after(Some(longest / 2));
        assert!(far.instant().is_some());
        assert_eq!(far.bound(async { 7 }).await, Ok(7));
    }

    /// Nothing starts at the deadline (`check`): a wait that ends there
    /// leaves no time for what it waited for, so it is refused like one
    /// ending later (and a retry it was for takes nothing from the budget).
    #[tokio::test(start_paused = true)]
    async fn a_wait_ending_at_the_deadline_is_refused() {
        let deadline = Deadline::after(Some(Duration::from_secs(2)));
        assert!(deadline.fits(Duration::from_millis(1999)));
        assert!(!deadline.fits(Duration::from_secs(2)));
        let started = Instant::now();
        assert_eq!(
            deadline.sleep(Duration::from_secs(2)).await,
            Err(Expired(Duration::from_secs(2)))
        );
        assert_eq!(started.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn a_sleep_that_would_end_late_is_not_started() {
        let deadline = Deadline::after(Some(Duration::from_secs(2)));
        let started = Instant::now();
        assert_eq!(deadline.sleep(Duration::from_secs(1)).await, Ok(()));
        assert_eq!(
            deadline.sleep(Duration::from_secs(40)).await,
            Err(Expired(Duration::from_secs(2)))
        );
        assert_eq!(
            started.elapsed(),
            Duration::from_secs(1),
            "no time spent on the refused sleep"
        );
        assert_eq!(
            deadline.sleep(Duration::MAX).await,
            Err(Expired(Duration::from_secs(2))),
            "a delay past the clock's range is refused, not a panic"
        );
    }
}
