//! The whole-call deadline ([`RequestOptions::timeout`]): every wait of a
//! call (token fetch, throttle, attempts, backoff, body read) runs under
//! it, and a sleep that would end past it is not started.
//!
//! [`RequestOptions::timeout`]: crate::RequestOptions::timeout

use std::future::Future;
use std::time::Duration;

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
            // A timeout too long to add to the clock is no deadline.
            at: timeout.and_then(|t| Some((Instant::now().checked_add(t)?, t))),
        }
    }

    /// The instant the call must be over by, if any.
    pub fn instant(&self) -> Option<Instant> {
        self.at.map(|(at, _)| at)
    }

    /// Runs `work`, giving up when the deadline passes. Past the deadline
    /// `work` is not started (tokio's timer would poll it once, and round
    /// the deadline up to its next millisecond tick, so a zero timeout
    /// could still send a request).
    pub async fn run<F: Future>(&self, work: F) -> Result<F::Output, Expired> {
        match self.at {
            None => Ok(work.await),
            Some((at, timeout)) if Instant::now() >= at => Err(Expired(timeout)),
            Some((at, timeout)) => tokio::time::timeout_at(at, work)
                .await
                .map_err(|_| Expired(timeout)),
        }
    }

    /// Sleeps `delay`, unless that would end past the deadline: then
    /// returns at once (a wait that cannot finish in time is not started).
    pub async fn sleep(&self, delay: Duration) -> Result<(), Expired> {
        if let Some((at, timeout)) = self.at
            && Instant::now().checked_add(delay).is_none_or(|end| end > at)
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
            .run(tokio::time::sleep(Duration::from_secs(5)))
            .await;
        assert_eq!(slow, Err(Expired(Duration::from_secs(1))));
        let zero = Deadline::after(Some(Duration::ZERO));
        assert_eq!(
            zero.run(async { 7 }).await,
            Err(Expired(Duration::ZERO)),
            "past the deadline even ready work is not run"
        );
        let started = Instant::now();
        let none = Deadline::after(None);
        assert_eq!(none.run(async { 7 }).await, Ok(7));
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
