//! Replay protection: remembering event ids for the tolerance window.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::WebhookError;

/// The capacity of [`ReplayGuard::default`].
pub const DEFAULT_REPLAY_CAPACITY: usize = 10_000;

/// Remembers the `id`s of accepted events and rejects a second delivery of
/// the same id, with bounded memory.
///
/// The timestamp check already rejects a delivery once its tolerance has
/// passed; the guard closes the window before that, in which a captured
/// delivery could be replayed verbatim. So each id is remembered until its
/// delivery's `timestamp + tolerance`, then forgotten. When `capacity` ids
/// are remembered, the one closest to expiry is evicted first: size the
/// capacity above the number of events you receive per tolerance window
/// (the default, 10 000, covers 33 events a second with a 5-minute
/// tolerance).
///
/// Clock steps: the `now` a caller passes is the wall clock, which can be
/// stepped (NTP, a VM resumed, an operator). An id is forgotten only once
/// *both* the wall clock and a monotonic clock say its window has passed
/// (the monotonic one counting from when it was recorded), so a wall clock
/// stepped forward forgets nothing early (a replay after it is stepped
/// back again is still a duplicate), and one stepped back keeps every id.
/// Once an id has been forgotten that way, a wall clock stepped back past
/// its window would let the timestamp check pass again; so the guard also
/// remembers the latest window it closed, and a delivery whose window ends
/// no later than that is a [`WebhookError::Duplicate`] too. A delivery
/// signed after the forgotten one always ends later, so none is refused
/// for it.
///
/// The guard is a process-local, in-memory safety net. For exactly-once
/// processing across restarts, several replicas, or redeliveries hours
/// later, also deduplicate on [`Delivery::id`](super::Delivery::id) where you
/// store the results.
///
/// It is `Send + Sync`; share it between tasks as an `Arc<ReplayGuard>`.
///
/// ```
/// use std::sync::Arc;
/// use chekt_api::webhooks::{ReplayGuard, Signer, Verifier, WebhookError};
///
/// let guard = Arc::new(ReplayGuard::new(1_000));
/// let verifier = Verifier::builder()
///     .secret("whsec_test")
///     .replay_guard(Arc::clone(&guard))
///     .build()?;
/// let delivery = Signer::new("whsec_test")
///     .sign_now(br#"{"id":"evt_1","type":"site.renamed"}"#.to_vec());
///
/// assert!(verifier.verify(&delivery.header_map(), delivery.body()).is_ok());
/// let again = verifier.verify(&delivery.header_map(), delivery.body());
/// assert!(matches!(again, Err(WebhookError::Duplicate { .. })));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct ReplayGuard {
    capacity: usize,
    state: Mutex<State>,
    /// The monotonic clock (`Instant::now`, or a test's).
    monotonic: Box<dyn Fn() -> Instant + Send + Sync>,
}

/// One remembered id.
struct Entry {
    /// Its key in `by_expiry`.
    key: (u64, u64),
    /// When its window has passed by the monotonic clock; `None` when that
    /// is beyond what an `Instant` holds.
    passes: Option<Instant>,
}

#[derive(Default)]
struct State {
    by_id: HashMap<Arc<str>, Entry>,
    /// (expires_at, insertion sequence) → id, oldest expiry first.
    by_expiry: BTreeMap<(u64, u64), Arc<str>>,
    next_seq: u64,
    /// The latest `expires_at` of an id forgotten because both clocks said
    /// its window had passed: a window ending no later is closed for good.
    closed_until: u64,
}

impl State {
    /// Drops every id whose expiry is before `now` on the wall clock and
    /// whose window has passed on the monotonic clock (`mono`).
    fn purge_expired(&mut self, now: u64, mono: Instant) {
        let expired: Vec<(u64, u64)> = self
            .by_expiry
            .range(..(now, 0))
            .filter(|(_, id)| {
                self.by_id
                    .get(*id)
                    .is_some_and(|e| e.passes.is_some_and(|at| at < mono))
            })
            .map(|(key, _)| *key)
            .collect();
        for key in expired {
            if let Some(id) = self.by_expiry.remove(&key) {
                self.by_id.remove(&id);
                self.closed_until = self.closed_until.max(key.0);
            }
        }
    }

    /// Drops the id closest to expiry.
    fn evict_one(&mut self) {
        if let Some((_, id)) = self.by_expiry.pop_first() {
            self.by_id.remove(&id);
        }
    }
}

impl Default for ReplayGuard {
    /// A guard for [`DEFAULT_REPLAY_CAPACITY`] ids.
    fn default() -> Self {
        Self::new(DEFAULT_REPLAY_CAPACITY)
    }
}

impl fmt::Debug for ReplayGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReplayGuard")
            .field("capacity", &self.capacity)
            .field("len", &self.len())
            .finish()
    }
}

impl ReplayGuard {
    /// A guard that remembers at most `capacity` ids (a capacity of 0 is
    /// taken as 1).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use chekt_api::webhooks::{ReplayGuard, Verifier};
    ///
    /// let verifier = Verifier::builder()
    ///     .secret("whsec_test")
    ///     .replay_guard(Arc::new(ReplayGuard::new(50_000)))
    ///     .build()?;
    /// # let _ = verifier;
    /// # Ok::<(), chekt_api::webhooks::ConfigError>(())
    /// ```
    pub fn new(capacity: usize) -> Self {
        Self::with_monotonic(capacity, Instant::now)
    }

    /// A guard reading the monotonic clock from `monotonic` (tests).
    fn with_monotonic(
        capacity: usize,
        monotonic: impl Fn() -> Instant + Send + Sync + 'static,
    ) -> Self {
        Self {
            capacity: capacity.max(1),
            state: Mutex::new(State::default()),
            monotonic: Box::new(monotonic),
        }
    }

    /// The most ids remembered at once.
    ///
    /// ```
    /// use chekt_api::webhooks::{DEFAULT_REPLAY_CAPACITY, ReplayGuard};
    ///
    /// assert_eq!(ReplayGuard::default().capacity(), DEFAULT_REPLAY_CAPACITY);
    /// assert_eq!(ReplayGuard::new(0).capacity(), 1);
    /// ```
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// How many ids are remembered now (expired ones included until the next
    /// [`record`](Self::record)).
    ///
    /// ```
    /// use chekt_api::webhooks::ReplayGuard;
    ///
    /// let guard = ReplayGuard::new(100);
    /// guard.record("evt_1", 1_700_000_000, 1_700_000_300)?;
    /// assert_eq!(guard.len(), 1);
    /// # Ok::<(), chekt_api::webhooks::WebhookError>(())
    /// ```
    pub fn len(&self) -> usize {
        self.lock().by_id.len()
    }

    /// Whether no id is remembered.
    ///
    /// ```
    /// use chekt_api::webhooks::ReplayGuard;
    ///
    /// assert!(ReplayGuard::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Records `id` until `expires_at`, or fails with
    /// [`WebhookError::Duplicate`] if it is already remembered (both in Unix
    /// seconds; an id is still remembered at exactly `expires_at`, and until
    /// as long as its window, `expires_at - now`, has also passed on the
    /// monotonic clock: see "Clock steps" above). A window ending no later
    /// than one the guard already closed is refused as a duplicate too.
    ///
    /// [`Verifier`](super::Verifier) calls this after the signature and
    /// timestamp checks pass, with `expires_at = timestamp + tolerance`;
    /// call it yourself to guard deliveries verified with
    /// [`Verifier::verify_signature`](super::Verifier::verify_signature).
    ///
    /// ```
    /// use chekt_api::webhooks::{ReplayGuard, WebhookError};
    ///
    /// let guard = ReplayGuard::new(100);
    /// let (now, tolerance) = (1_700_000_000, 300);
    /// guard.record("evt_1a2b3c4d", now, now + tolerance)?;
    /// let replay = guard.record("evt_1a2b3c4d", now + 60, now + 60 + tolerance);
    /// assert!(matches!(replay, Err(WebhookError::Duplicate { .. })));
    /// // However the wall clock steps, inside the window it stays a duplicate.
    /// let stepped = guard.record("evt_1a2b3c4d", now + 86_400, now + 86_400 + tolerance);
    /// assert!(matches!(stepped, Err(WebhookError::Duplicate { .. })));
    /// # Ok::<(), WebhookError>(())
    /// ```
    pub fn record(&self, id: &str, now: u64, expires_at: u64) -> Result<(), WebhookError> {
        let mono = (self.monotonic)();
        let mut state = self.lock();
        state.purge_expired(now, mono);
        if state.by_id.contains_key(id) || expires_at <= state.closed_until {
            return Err(WebhookError::Duplicate { id: id.to_owned() });
        }
        while state.by_id.len() >= self.capacity {
            state.evict_one();
        }
        let key = (expires_at, state.next_seq);
        state.next_seq = state.next_seq.wrapping_add(1);
        let id: Arc<str> = Arc::from(id);
        state.by_expiry.insert(key, Arc::clone(&id));
        let window = Duration::from_secs(expires_at.saturating_sub(now));
        let passes = mono.checked_add(window);
        state.by_id.insert(id, Entry { key, passes });
        Ok(())
    }

    /// Forgets `id`, so a redelivery is accepted again. Call it when you
    /// answer a verified delivery with an error (e.g. your queue is full),
    /// so CHeKT's retry is not rejected as a duplicate. Returns whether the
    /// id was remembered.
    ///
    /// ```
    /// use chekt_api::webhooks::ReplayGuard;
    ///
    /// let guard = ReplayGuard::new(100);
    /// guard.record("evt_1", 1_700_000_000, 1_700_000_300)?;
    /// // The queue was full: answer 503 and let CHeKT redeliver.
    /// assert!(guard.forget("evt_1"));
    /// guard.record("evt_1", 1_700_000_030, 1_700_000_330)?;
    /// # Ok::<(), chekt_api::webhooks::WebhookError>(())
    /// ```
    pub fn forget(&self, id: &str) -> bool {
        let mut state = self.lock();
        match state.by_id.remove(id) {
            Some(entry) => {
                state.by_expiry.remove(&entry.key);
                true
            }
            None => false,
        }
    }

    /// Forgets every id.
    ///
    /// ```
    /// use chekt_api::webhooks::ReplayGuard;
    ///
    /// let guard = ReplayGuard::new(100);
    /// guard.record("evt_1", 1_700_000_000, 1_700_000_300)?;
    /// guard.clear();
    /// assert!(guard.is_empty());
    /// # Ok::<(), chekt_api::webhooks::WebhookError>(())
    /// ```
    pub fn clear(&self) {
        *self.lock() = State::default();
    }

    /// The state, even if another thread panicked while holding the lock:
    /// every operation leaves the two maps consistent before it can panic.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_duplicate(result: Result<(), WebhookError>) -> bool {
        matches!(result, Err(WebhookError::Duplicate { .. }))
    }

    use std::sync::atomic::{AtomicU64, Ordering::SeqCst};

    /// A guard and a monotonic clock the test moves (in seconds).
    struct Stepped {
        guard: ReplayGuard,
        mono: Arc<AtomicU64>,
    }

    impl Stepped {
        fn new(capacity: usize) -> Self {
            let mono = Arc::new(AtomicU64::new(0));
            let (start, secs) = (Instant::now(), Arc::clone(&mono));
            let guard = ReplayGuard::with_monotonic(capacity, move || {
                start + Duration::from_secs(secs.load(SeqCst))
            });
            Stepped { guard, mono }
        }

        /// Records with both clocks at `now` (no step).
        fn record(&self, id: &str, now: u64, expires_at: u64) -> Result<(), WebhookError> {
            self.mono.store(now, SeqCst);
            self.guard.record(id, now, expires_at)
        }
    }

    impl std::ops::Deref for Stepped {
        type Target = ReplayGuard;
        fn deref(&self) -> &ReplayGuard {
            &self.guard
        }
    }

    #[test]
    fn a_clock_step_never_lets_a_replay_in_inside_its_window() {
        let stepped = Stepped::new(10);
        let guard = &stepped.guard;
        let (t, tolerance) = (1_700_000_000, 300);
        stepped.record("evt_1", t, t + tolerance).unwrap();
        // The wall clock jumps a day ahead (the monotonic one does not): a
        // new delivery there forgets nothing.
        guard
            .record("evt_2", t + 86_400, t + 86_400 + tolerance)
            .unwrap();
        // Stepped back to the right time: the replay is still a duplicate.
        assert!(is_duplicate(guard.record(
            "evt_1",
            t + 10,
            t + 10 + tolerance
        )));
        // The wall clock steps back an hour: still a duplicate, and kept.
        assert!(is_duplicate(guard.record(
            "evt_1",
            t - 3600,
            t - 3600 + tolerance
        )));
        assert_eq!(guard.len(), 2);
        // The monotonic clock past the window but the wall clock stepped
        // back before it: still remembered.
        stepped.mono.store(t + tolerance + 1, SeqCst);
        assert!(is_duplicate(guard.record(
            "evt_1",
            t + 100,
            t + 100 + tolerance
        )));
        // Both clocks past the window: forgotten (the timestamp check
        // rejects the replay from then on).
        stepped
            .record("evt_1", t + tolerance + 1, t + 2 * tolerance + 1)
            .unwrap();
        assert_eq!(guard.len(), 2, "evt_1 again and evt_2");
    }

    #[test]
    fn a_clock_stepped_back_past_a_closed_window_never_lets_its_replay_in() {
        let stepped = Stepped::new(10);
        let (t, tolerance) = (1_700_000_000, 300);
        stepped.record("evt_1", t, t + tolerance).unwrap();
        // Both clocks pass the window: evt_1 is forgotten.
        stepped.record("evt_2", t + 400, t + 700).unwrap();
        assert_eq!(stepped.len(), 1);
        // The wall clock steps back 300 s: evt_1's timestamp would pass the
        // verifier's check again, and the guard no longer has its id.
        let back = t + 100;
        assert!(is_duplicate(stepped.guard.record(
            "evt_1",
            back,
            t + tolerance
        )));
        // So is any delivery signed no later than it, whatever its id.
        assert!(is_duplicate(stepped.guard.record(
            "evt_0",
            back,
            t + tolerance - 5
        )));
        // A delivery signed after evt_1 is accepted.
        stepped
            .guard
            .record("evt_3", back, t + 1 + tolerance)
            .unwrap();
        // `clear` forgets the closed windows too.
        stepped.clear();
        stepped.guard.record("evt_1", back, t + tolerance).unwrap();
    }

    #[test]
    fn rejects_a_second_record_until_expiry() {
        let guard = Stepped::new(10);
        guard.record("evt_1", 100, 400).unwrap();
        assert!(is_duplicate(guard.record("evt_1", 101, 401)));
        assert!(
            is_duplicate(guard.record("evt_1", 400, 700)),
            "still remembered at expiry"
        );
        guard.record("evt_1", 401, 701).unwrap();
        assert_eq!(guard.len(), 1);
    }

    #[test]
    fn expired_ids_are_purged() {
        let guard = Stepped::new(10);
        for (i, expiry) in [110, 120, 130].into_iter().enumerate() {
            guard.record(&format!("evt_{i}"), 100, expiry).unwrap();
        }
        assert_eq!(guard.len(), 3);
        guard.record("evt_new", 125, 425).unwrap();
        assert_eq!(guard.len(), 2, "evt_0 and evt_1 expired");
        assert!(is_duplicate(guard.record("evt_2", 125, 425)));
    }

    #[test]
    fn capacity_evicts_the_entry_closest_to_expiry() {
        let guard = Stepped::new(3);
        guard.record("late", 100, 500).unwrap();
        guard.record("soon", 100, 200).unwrap();
        guard.record("mid", 100, 300).unwrap();
        guard.record("fourth", 100, 400).unwrap();
        assert_eq!(guard.len(), 3);
        guard.record("soon", 100, 200).unwrap();
        assert!(is_duplicate(guard.record("late", 100, 500)));
        assert!(is_duplicate(guard.record("fourth", 100, 400)));
        assert!(guard.len() <= guard.capacity());
    }

    #[test]
    fn capacity_zero_means_one() {
        let guard = ReplayGuard::new(0);
        assert_eq!(guard.capacity(), 1);
        guard.record("a", 0, 10).unwrap();
        guard.record("b", 0, 10).unwrap();
        assert_eq!(guard.len(), 1);
        assert!(is_duplicate(guard.record("b", 0, 10)));
    }

    #[test]
    fn forget_and_clear() {
        let guard = ReplayGuard::default();
        assert_eq!(guard.capacity(), DEFAULT_REPLAY_CAPACITY);
        guard.record("a", 0, 10).unwrap();
        assert!(guard.forget("a"));
        assert!(!guard.forget("a"));
        guard.record("a", 0, 10).unwrap();
        guard.record("b", 0, 10).unwrap();
        guard.clear();
        assert!(guard.is_empty());
        guard.record("a", 0, 10).unwrap();
    }

    #[test]
    fn same_expiry_for_many_ids_is_fine() {
        let guard = Stepped::new(100);
        for i in 0..100 {
            guard.record(&i.to_string(), 0, 300).unwrap();
        }
        assert_eq!(guard.len(), 100);
        assert!(guard.forget("50"));
        assert_eq!(guard.len(), 99);
    }

    #[test]
    fn concurrent_records_accept_each_id_once() {
        let guard = Arc::new(ReplayGuard::new(1_000));
        let accepted: usize = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..8)
                .map(|_| {
                    let guard = Arc::clone(&guard);
                    scope.spawn(move || {
                        (0..200)
                            .filter(|i| guard.record(&format!("evt_{i}"), 0, 300).is_ok())
                            .count()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).sum()
        });
        assert_eq!(accepted, 200, "each id accepted by exactly one thread");
        assert_eq!(guard.len(), 200);
    }
}
