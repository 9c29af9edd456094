//! A bounded set of recently seen ids, so that an event delivered twice (the outbox
//! relay publishes at least once) or emitted twice (once by the replica that stored
//! a message, once when its event comes back from RabbitMQ) reaches a socket once.

use std::collections::{HashSet, VecDeque};
use std::sync::Mutex;

/// Remembers up to `capacity` ids and forgets the oldest first.
pub struct RecentIds {
    capacity: usize,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    seen: HashSet<String>,
    order: VecDeque<String>,
}

impl RecentIds {
    pub fn new(capacity: usize) -> RecentIds {
        RecentIds {
            capacity: capacity.max(1),
            inner: Mutex::new(Inner::default()),
        }
    }

    /// Records `id` and returns true when it was not among the remembered ids, so
    /// the caller that gets true is the one that emits.
    pub fn insert(&self, id: &str) -> bool {
        let mut inner = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if inner.seen.contains(id) {
            return false;
        }
        if inner.order.len() == self.capacity {
            if let Some(oldest) = inner.order.pop_front() {
                inner.seen.remove(&oldest);
            }
        }
        inner.seen.insert(id.to_owned());
        inner.order.push_back(id.to_owned());
        true
    }

    pub fn len(&self) -> usize {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .order
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_insert_of_an_id_is_false() {
        let recent = RecentIds::new(10);

        assert!(recent.insert("a"));
        assert!(!recent.insert("a"));
        assert!(recent.insert("b"));
    }

    #[test]
    fn oldest_id_is_forgotten_at_capacity() {
        let recent = RecentIds::new(2);
        recent.insert("a");
        recent.insert("b");

        assert!(recent.insert("c"), "c is new");
        assert_eq!(recent.len(), 2);
        assert!(!recent.insert("b"), "b is still remembered");
        assert!(!recent.insert("c"), "c is still remembered");
        assert!(recent.insert("a"), "a was forgotten to make room for c");
    }

    #[test]
    fn zero_capacity_keeps_one_id() {
        let recent = RecentIds::new(0);

        assert!(recent.insert("a"));
        assert!(!recent.insert("a"));
        assert!(recent.insert("b"));
        assert!(recent.insert("a"));
    }
}
