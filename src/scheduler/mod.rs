//! The scheduled posts: the monthly digest on the 1st (09:00 Asia/Tokyo, for the month before),
//! the annual summary in April (for the fiscal year that ended) and the reminder of what is
//! missing on the 25th (for the month it falls in), each exactly once per period and channel.
//!
//! When each post falls due is `domain::schedule` (pure, in Asia/Tokyo); `due_between` turns
//! it into the `Job`s due between two instants (the clock is passed in). `post.rs` builds and
//! sends a post and records it in the store before and after; `run_due` posts, oldest first,
//! what fell due since the scheduler first ran — of the reminders only the current month's:
//! a reminder is about the month it is in, so one missed while the bot was down is not sent
//! late (`Job::catches_up`).

pub mod post;

use crate::domain::catalogue::Schedule;
use crate::domain::schedule::{annual_due, digest_due, remind_due};
use crate::domain::{FiscalYear, FiscalYearStart, YearMonth};
use crate::store::PostKind;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// One scheduled post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Job {
    /// The digest of a month.
    Digest(YearMonth),
    /// The annual summary of a fiscal year.
    Annual(FiscalYear),
    /// The reminder of what a month is missing, in that month.
    Remind(YearMonth),
}

impl Job {
    pub fn kind(self) -> PostKind {
        match self {
            Job::Digest(_) => PostKind::Digest,
            Job::Annual(_) => PostKind::Annual,
            Job::Remind(_) => PostKind::Remind,
        }
    }

    /// Whether the job is still worth posting in the month `current` (the city's today): a
    /// digest or an annual summary always (posted late after downtime, once); a reminder only
    /// in its own month, never a stale one.
    pub fn catches_up(self, current: YearMonth) -> bool {
        match self {
            Job::Digest(_) | Job::Annual(_) => true,
            Job::Remind(month) => month == current,
        }
    }

    /// `2026-10` or `2025`: the period as the store keys it.
    pub fn period(self) -> String {
        match self {
            Job::Digest(month) | Job::Remind(month) => month.key(),
            Job::Annual(year) => year.start_year().to_string(),
        }
    }

    /// The nonce of the post's first message (`-0`, `-1` … are appended per message): the same
    /// on every try, so that Discord returns the message already created instead of a second.
    pub fn nonce(self) -> String {
        match self {
            Job::Digest(month) => format!("kyodo-d-{}", month.key()),
            Job::Annual(year) => format!("kyodo-a-{}", year.start_year()),
            Job::Remind(month) => format!("kyodo-r-{}", month.key()),
        }
    }

    /// `2026年10月の月次まとめ`.
    pub fn label(self) -> String {
        match self {
            Job::Digest(month) => format!("{}の月次まとめ", month.label()),
            Job::Annual(year) => format!("{}の年次報告", year.label()),
            Job::Remind(month) => format!("{}のリマインド", month.label()),
        }
    }
}

/// Every post due in `(after, until]`, oldest first.
pub fn due_between(
    schedule: &Schedule,
    tz: Tz,
    start: FiscalYearStart,
    after: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Vec<(DateTime<Utc>, Job)> {
    let mut jobs = Vec::new();
    if until <= after {
        return jobs;
    }
    let first_local = after.with_timezone(&tz).date_naive();
    let last_local = until.with_timezone(&tz).date_naive();
    // Digests: the months whose due day lies between the two dates (and one either side).
    let mut month = YearMonth::of(first_local).previous().previous();
    while month <= YearMonth::of(last_local) {
        let due = digest_due(schedule, tz, month);
        if due > after && due <= until {
            jobs.push((due, Job::Digest(month)));
        }
        let due = remind_due(schedule, tz, month);
        if due > after && due <= until {
            jobs.push((due, Job::Remind(month)));
        }
        month = month.next();
    }
    let mut year = FiscalYear::containing(first_local, start).previous().previous();
    while year <= FiscalYear::containing(last_local, start) {
        let due = annual_due(schedule, tz, year, start);
        if due > after && due <= until {
            jobs.push((due, Job::Annual(year)));
        }
        year = year.next();
    }
    jobs.sort_by_key(|(due, job)| (*due, job.period(), job.kind().key()));
    jobs
}

/// The scheduler's loop passes at least this often, so that its liveness shows in the
/// heartbeat; a pass posts only what is due and not yet posted, so passing more often posts
/// nothing more.
pub const PASS_AT_LEAST_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// How long the scheduler sleeps at `now` before its next pass: until a second after `next` is
/// due, at most [`PASS_AT_LEAST_EVERY`].
pub fn sleep_before_next_pass(next: DateTime<Utc>, now: DateTime<Utc>) -> std::time::Duration {
    let until = (next - now).to_std().unwrap_or_default() + std::time::Duration::from_secs(1);
    until.min(PASS_AT_LEAST_EVERY)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_scheduler_passes_at_least_every_minute_and_just_after_a_post_falls_due() {
        let now = jst(2026, 10, 31, 23, 0, 0);
        let secs = |d: std::time::Duration| d.as_secs_f64();
        assert_eq!(secs(sleep_before_next_pass(jst(2026, 11, 1, 9, 0, 0), now)), 60.0);
        assert_eq!(
            secs(sleep_before_next_pass(now + chrono::Duration::seconds(20), now)),
            21.0
        );
        assert_eq!(
            secs(sleep_before_next_pass(now + chrono::Duration::seconds(59), now)),
            60.0
        );
        assert_eq!(
            secs(sleep_before_next_pass(now - chrono::Duration::seconds(5), now)),
            1.0
        );
    }

    fn jst(y: i32, m: u32, d: u32, h: u32, min: u32, s: u32) -> DateTime<Utc> {
        Tz::Asia__Tokyo
            .with_ymd_and_hms(y, m, d, h, min, s)
            .single()
            .expect("valid")
            .with_timezone(&Utc)
    }

    fn month(y: i32, m: u32) -> YearMonth {
        YearMonth::new(y, m).expect("month")
    }

    const TZ: Tz = Tz::Asia__Tokyo;
    const APRIL: FiscalYearStart = FiscalYearStart::APRIL_FIRST;

    #[test]
    fn due_posts_between_two_instants_oldest_first() {
        let s = Schedule::default();
        // Not yet at 08:59:59, due at 09:00:00, not again at 09:00:30.
        assert!(due_between(&s, TZ, APRIL, jst(2026, 10, 26, 0, 0, 0), jst(2026, 11, 1, 8, 59, 59)).is_empty());
        assert_eq!(
            due_between(&s, TZ, APRIL, jst(2026, 10, 26, 0, 0, 0), jst(2026, 11, 1, 9, 0, 0)),
            vec![(jst(2026, 11, 1, 9, 0, 0), Job::Digest(month(2026, 10)))]
        );
        assert!(due_between(&s, TZ, APRIL, jst(2026, 11, 1, 9, 0, 0), jst(2026, 11, 1, 9, 0, 30)).is_empty());
        // Down from 28 February to 3 May: March's and April's digests and reminders, and the
        // annual summary.
        let jobs: Vec<Job> = due_between(&s, TZ, APRIL, jst(2027, 2, 28, 12, 0, 0), jst(2027, 5, 3, 8, 0, 0))
            .into_iter()
            .map(|(_, job)| job)
            .collect();
        assert_eq!(
            jobs,
            vec![
                Job::Digest(month(2027, 2)),
                Job::Remind(month(2027, 3)),
                Job::Digest(month(2027, 3)),
                Job::Annual(FiscalYear::new(2026)),
                Job::Remind(month(2027, 4)),
                Job::Digest(month(2027, 4)),
            ]
        );
        // Of those, on 3 May only the digests and the annual summary are still worth posting.
        let current = month(2027, 5);
        assert_eq!(jobs.iter().filter(|j| j.catches_up(current)).count(), 4);
        assert!(Job::Remind(current).catches_up(current));
    }
}
