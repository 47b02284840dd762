//! When the scheduled posts fall due: the monthly digest (for the month before), the annual
//! summary (for the fiscal year that ended) and the monthly reminder (for the month it falls
//! in), at the catalogue's `[schedule]` times in the city's time zone (Asia/Tokyo). Pure: the
//! instant "now" is passed in.
//!
//! `scheduler` turns these into the posts it makes (`due_between`, its loop); `/admin status`
//! says the next one; `backups::daily` reads its own local times with `at`.

use super::catalogue::Schedule;
use super::{FiscalYear, FiscalYearStart, YearMonth};
use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// A local date and time in `tz` as an instant (the earlier one if the time occurs twice,
/// the next valid one if it is skipped).
pub fn at(tz: Tz, date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let local = date.and_time(time);
    match tz.from_local_datetime(&local) {
        chrono::LocalResult::Single(t) | chrono::LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
        chrono::LocalResult::None => tz
            .from_local_datetime(&(local + chrono::Duration::hours(1)))
            .earliest()
            .map_or_else(|| Utc.from_utc_datetime(&local), |t| t.with_timezone(&Utc)),
    }
}

/// When the digest of `month` is due.
pub fn digest_due(schedule: &Schedule, tz: Tz, month: YearMonth) -> DateTime<Utc> {
    let next = month.next();
    let date = NaiveDate::from_ymd_opt(next.year(), next.month(), schedule.digest_day).unwrap_or(next.first_day());
    at(tz, date, schedule.digest_time)
}

/// When the reminder of `month` is due: in that month, on `remind_day` at `remind_time`.
pub fn remind_due(schedule: &Schedule, tz: Tz, month: YearMonth) -> DateTime<Utc> {
    let date = NaiveDate::from_ymd_opt(month.year(), month.month(), schedule.remind_day).unwrap_or(month.first_day());
    at(tz, date, schedule.remind_time)
}

/// When the annual summary of `year` is due: in the calendar year its fiscal year ends.
pub fn annual_due(schedule: &Schedule, tz: Tz, year: FiscalYear, start: FiscalYearStart) -> DateTime<Utc> {
    let end = year.last_day(start);
    let mut due_year = end.year();
    let mut date = NaiveDate::from_ymd_opt(due_year, schedule.annual_month, schedule.annual_day).unwrap_or(end);
    if date <= end {
        due_year += 1;
        date = NaiveDate::from_ymd_opt(due_year, schedule.annual_month, schedule.annual_day).unwrap_or(end);
    }
    at(tz, date, schedule.annual_time)
}

/// The first post due after `now`.
pub fn next_due(schedule: &Schedule, tz: Tz, start: FiscalYearStart, now: DateTime<Utc>) -> DateTime<Utc> {
    let local = now.with_timezone(&tz).date_naive();
    let mut candidates = Vec::new();
    let mut month = YearMonth::of(local).previous();
    for _ in 0..3 {
        candidates.push(digest_due(schedule, tz, month));
        candidates.push(remind_due(schedule, tz, month));
        month = month.next();
    }
    let year = FiscalYear::containing(local, start);
    for y in [year.previous(), year, year.next()] {
        candidates.push(annual_due(schedule, tz, y, start));
    }
    candidates
        .into_iter()
        .filter(|due| *due > now)
        .min()
        .unwrap_or(now + chrono::Duration::hours(1))
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn the_digest_is_due_on_the_first_at_nine_in_komoro() {
        let s = Schedule::default();
        assert_eq!(digest_due(&s, TZ, month(2026, 10)), jst(2026, 11, 1, 9, 0, 0));
        assert_eq!(digest_due(&s, TZ, month(2026, 12)), jst(2027, 1, 1, 9, 0, 0));
        // 09:00 JST is 00:00 UTC: the host's zone does not matter.
        assert_eq!(
            digest_due(&s, TZ, month(2026, 10)).to_rfc3339(),
            "2026-11-01T00:00:00+00:00"
        );
    }

    #[test]
    fn the_reminder_is_due_on_the_25th_of_its_own_month_at_nine() {
        let s = Schedule::default();
        assert_eq!(remind_due(&s, TZ, month(2026, 10)), jst(2026, 10, 25, 9, 0, 0));
        let s = Schedule {
            remind_day: 20,
            remind_time: NaiveTime::from_hms_opt(17, 30, 0).expect("time"),
            ..s
        };
        assert_eq!(remind_due(&s, TZ, month(2027, 2)), jst(2027, 2, 20, 17, 30, 0));
    }

    #[test]
    fn the_annual_summary_is_due_in_april_after_the_year() {
        let s = Schedule::default();
        assert_eq!(
            annual_due(&s, TZ, FiscalYear::new(2025), APRIL),
            jst(2026, 4, 10, 9, 0, 0)
        );
    }

    #[test]
    fn the_next_post() {
        let s = Schedule::default();
        assert_eq!(
            next_due(&s, TZ, APRIL, jst(2026, 11, 28, 12, 0, 0)),
            jst(2026, 12, 1, 9, 0, 0)
        );
        // The reminder on the 25th comes before the digest on the 1st.
        assert_eq!(
            next_due(&s, TZ, APRIL, jst(2026, 11, 3, 12, 0, 0)),
            jst(2026, 11, 25, 9, 0, 0)
        );
        assert_eq!(
            next_due(&s, TZ, APRIL, jst(2027, 4, 2, 12, 0, 0)),
            jst(2027, 4, 10, 9, 0, 0)
        );
        assert_eq!(
            next_due(&s, TZ, APRIL, jst(2026, 12, 1, 9, 0, 0)),
            jst(2026, 12, 25, 9, 0, 0)
        );
    }
}
