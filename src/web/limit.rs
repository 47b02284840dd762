//! The rate limit on redeeming sign-in links: a token bucket per client address, in memory
//! (`BURST` attempts at once, then one more every `REFILL`), so that guessing tokens is slow
//! even though a token has 128 random bits. Past the limit `/login` answers 429 with a Japanese
//! page and does not look at the token. Buckets that are full again are forgotten.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// Attempts a client may make at once.
pub const BURST: f64 = 10.0;
/// One more attempt after this long.
pub const REFILL: Duration = Duration::from_secs(6);
/// Clients remembered at most; past it the full buckets are dropped first, then all.
const MAX_CLIENTS: usize = 10_000;

/// The buckets, by client address.
#[derive(Default)]
pub struct Limiter {
    buckets: HashMap<IpAddr, (f64, Instant)>,
}

impl Limiter {
    /// Takes one attempt for `client` at `now`; false if it has none left.
    pub fn allow(&mut self, client: IpAddr, now: Instant) -> bool {
        if self.buckets.len() >= MAX_CLIENTS {
            self.buckets.retain(|_, (left, at)| refilled(*left, *at, now) < BURST);
            if self.buckets.len() >= MAX_CLIENTS {
                self.buckets.clear();
            }
        }
        let (left, at) = self.buckets.entry(client).or_insert((BURST, now));
        let available = refilled(*left, *at, now);
        *at = now;
        if available >= 1.0 {
            *left = available - 1.0;
            true
        } else {
            *left = available;
            false
        }
    }
}

fn refilled(left: f64, at: Instant, now: Instant) -> f64 {
    let gained = now.saturating_duration_since(at).as_secs_f64() / REFILL.as_secs_f64();
    (left + gained).min(BURST)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_gets_its_burst_then_one_per_refill_and_others_are_apart() {
        let mut limiter = Limiter::default();
        let start = Instant::now();
        let (a, b): (IpAddr, IpAddr) = ("192.0.2.1".parse().expect("ip"), "192.0.2.2".parse().expect("ip"));
        let allowed = (0..15).filter(|_| limiter.allow(a, start)).count();
        assert_eq!(allowed, 10);
        assert!(limiter.allow(b, start), "another client has its own bucket");
        assert!(!limiter.allow(a, start + REFILL / 2));
        assert!(limiter.allow(a, start + REFILL + REFILL / 2));
        assert!(!limiter.allow(a, start + REFILL + REFILL / 2));
    }
}
