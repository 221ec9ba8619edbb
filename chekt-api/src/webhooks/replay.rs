//! Replay protection: remembering event ids for the tolerance window.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

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
}

#[derive(Default)]
struct State {
    /// id → its key in `by_expiry`.
    by_id: HashMap<Arc<str>, (u64, u64)>,
    /// (expires_at, insertion sequence) → id, oldest expiry first.
    by_expiry: BTreeMap<(u64, u64), Arc<str>>,
    next_seq: u64,
}

impl State {
    /// Drops every id whose expiry is before `now`.
    fn purge_expired(&mut self, now: u64) {
        while let Some(entry) = self.by_expiry.first_entry() {
            if entry.key().0 >= now {
                break;
            }
            let id = entry.remove();
            self.by_id.remove(&id);
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
        Self {
            capacity: capacity.max(1),
            state: Mutex::new(State::default()),
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
    /// [`WebhookError::Duplicate`] if it is already remembered and not
    /// expired at `now` (both in Unix seconds; an id is still remembered at
    /// exactly `expires_at`).
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
    /// // Once the first delivery's window has passed, the timestamp check takes over.
    /// guard.record("evt_1a2b3c4d", now + tolerance + 1, now + 2 * tolerance + 1)?;
    /// # Ok::<(), WebhookError>(())
    /// ```
    pub fn record(&self, id: &str, now: u64, expires_at: u64) -> Result<(), WebhookError> {
        let mut state = self.lock();
        state.purge_expired(now);
        if state.by_id.contains_key(id) {
            return Err(WebhookError::Duplicate { id: id.to_owned() });
        }
        while state.by_id.len() >= self.capacity {
            state.evict_one();
        }
        let key = (expires_at, state.next_seq);
        state.next_seq = state.next_seq.wrapping_add(1);
        let id: Arc<str> = Arc::from(id);
        state.by_expiry.insert(key, Arc::clone(&id));
        state.by_id.insert(id, key);
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
            Some(key) => {
                state.by_expiry.remove(&key);
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
        let mut state = self.lock();
        state.by_id.clear();
        state.by_expiry.clear();
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

    #[test]
    fn rejects_a_second_record_until_expiry() {
        let guard = ReplayGuard::new(10);
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
        let guard = ReplayGuard::new(10);
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
        let guard = ReplayGuard::new(3);
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
        let guard = ReplayGuard::new(100);
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
