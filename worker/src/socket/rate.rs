//! A token bucket: `capacity` events at once, refilled at `per_second`.

use std::time::Instant;

#[derive(Debug, Clone)]
pub struct TokenBucket {
    capacity: f64,
    per_second: f64,
    tokens: f64,
    updated_at: Instant,
}

impl TokenBucket {
    /// A full bucket.
    pub fn new(capacity: u32, per_second: f64, now: Instant) -> TokenBucket {
        TokenBucket {
            capacity: f64::from(capacity),
            per_second,
            tokens: f64::from(capacity),
            updated_at: now,
        }
    }

    /// Takes one token and returns true, or returns false when the bucket is empty.
    pub fn try_take(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.updated_at).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.capacity);
        self.updated_at = self.updated_at.max(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn burst_up_to_capacity_then_rejects() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(3, 1.0, start);

        assert!(bucket.try_take(start));
        assert!(bucket.try_take(start));
        assert!(bucket.try_take(start));
        assert!(
            !bucket.try_take(start),
            "the fourth event in the same instant"
        );
    }

    #[test]
    fn refills_at_the_configured_rate() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(2, 2.0, start);
        bucket.try_take(start);
        bucket.try_take(start);

        assert!(
            !bucket.try_take(start + Duration::from_millis(400)),
            "0.8 tokens after 400 ms"
        );
        assert!(
            bucket.try_take(start + Duration::from_millis(500)),
            "1 token after 500 ms"
        );
        assert!(!bucket.try_take(start + Duration::from_millis(500)));
    }

    #[test]
    fn never_holds_more_than_capacity() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(2, 10.0, start);
        let later = start + Duration::from_secs(60);

        assert!(bucket.try_take(later));
        assert!(bucket.try_take(later));
        assert!(
            !bucket.try_take(later),
            "a long idle time refills to capacity only"
        );
    }

    #[test]
    fn clock_going_backwards_adds_nothing() {
        let start = Instant::now() + Duration::from_secs(1);
        let mut bucket = TokenBucket::new(1, 1.0, start);
        bucket.try_take(start);

        assert!(!bucket.try_take(start - Duration::from_millis(500)));
    }
}
