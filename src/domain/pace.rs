//! Pace: where a figure should be by now, given how the previous fiscal years filled up month by
//! month (a district council's general meeting is in spring, the volunteer centre's
//! consultations fall in winter), where it will end if it keeps that profile, and — where the
//! catalogue gives a target — a grade as the city's progress sheets grade (S, A, B, C, their
//! thresholds in config).
//!
//! A year counts toward the profile when its month-by-month figures are known and it ended with
//! more than nothing; a year known only as a total (the baseline) has no profile. With no such
//! year there is no pace, and the reply says so rather than inventing one.

use serde::Deserialize;

/// How far into the year the profile is read: `month` (0 for the fiscal year's first month)
/// and how much of it has passed (0 to 1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct YearPoint {
    pub month: usize,
    pub fraction: f64,
}

/// The grade thresholds, in percent of the target reached by the projection (`[grades]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grades {
    #[serde(rename = "S")]
    pub s: u32,
    #[serde(rename = "A")]
    pub a: u32,
    #[serde(rename = "B")]
    pub b: u32,
}

impl Default for Grades {
    fn default() -> Self {
        Grades { s: 100, a: 80, b: 60 }
    }
}

impl Grades {
    /// `S` at or above `s` percent, `A` at or above `a`, `B` at or above `b`, `C` below.
    pub fn grade(&self, percent: u64) -> &'static str {
        if percent >= u64::from(self.s) {
            "S"
        } else if percent >= u64::from(self.a) {
            "A"
        } else if percent >= u64::from(self.b) {
            "B"
        } else {
            "C"
        }
    }
}

/// Where a figure stands against its profile.
#[derive(Debug, Clone, PartialEq)]
pub struct Pace {
    /// The share of a year's total the previous years had reached by this point (0 to 1).
    pub share: f64,
    /// How many years the profile was read from.
    pub years: usize,
    /// The figure at the year's end if it keeps the profile.
    pub projected: u64,
    /// Where the figure should be now to reach the target, and the grade of the projection.
    pub target: Option<TargetPace>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TargetPace {
    pub expected_now: u64,
    /// The projection in percent of the target.
    pub percent: u64,
    pub grade: &'static str,
}

/// A cumulative series' value at `point`: the previous month's end, and the part of this
/// month that has passed.
fn at(series: &[Option<u64>], point: YearPoint) -> Option<f64> {
    let this = *series.get(point.month)?;
    let before = if point.month == 0 {
        Some(0)
    } else {
        *series.get(point.month - 1)?
    };
    let (this, before) = (this? as f64, before? as f64);
    Some(before + (this - before) * point.fraction.clamp(0.0, 1.0))
}

/// The pace of `now` at `point`, from `history` (each a previous year's cumulative figure at
/// each month's end, its last the year's total); `None` without a year to read a profile from.
pub fn pace(
    history: &[Vec<Option<u64>>],
    now: u64,
    point: YearPoint,
    target: Option<u64>,
    grades: &Grades,
) -> Option<Pace> {
    let mut reached = 0.0;
    let mut totals = 0.0;
    let mut years = 0;
    for series in history {
        let (Some(Some(total)), Some(by_now)) = (series.last(), at(series, point)) else {
            continue;
        };
        if *total == 0 || series.iter().any(Option::is_none) {
            continue;
        }
        reached += by_now;
        totals += *total as f64;
        years += 1;
    }
    if years == 0 || totals <= 0.0 {
        return None;
    }
    let share = reached / totals;
    // Nothing was done by now in earlier years: the profile says nothing about the rest yet.
    let projected = if share > 0.0 {
        (now as f64 / share).round() as u64
    } else {
        now
    };
    Some(Pace {
        share,
        years,
        projected: projected.max(now),
        target: target.filter(|t| *t > 0).map(|t| {
            let percent = projected.max(now) * 100 / t;
            TargetPace {
                expected_now: (t as f64 * share).round() as u64,
                percent,
                grade: grades.grade(percent),
            }
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cumulative(monthly: [u64; 12]) -> Vec<Option<u64>> {
        let mut sum = 0;
        monthly
            .iter()
            .map(|n| {
                sum += n;
                Some(sum)
            })
            .collect()
    }

    #[test]
    fn a_spring_heavy_profile_expects_most_of_the_year_early() {
        // Two years that did half their total in April.
        let year = cumulative([6, 1, 1, 1, 0, 0, 1, 0, 0, 1, 0, 1]);
        let history = vec![year.clone(), year];
        let end_of_april = YearPoint {
            month: 0,
            fraction: 1.0,
        };
        let p = pace(&history, 5, end_of_april, Some(12), &Grades::default()).expect("a pace");
        assert!((p.share - 0.5).abs() < 1e-9);
        assert_eq!(p.years, 2);
        assert_eq!(p.projected, 10);
        let t = p.target.expect("a target");
        assert_eq!((t.expected_now, t.percent, t.grade), (6, 83, "A"));
        // Mid-May: April's 6 and half of May's 1.
        let p = pace(
            &history,
            5,
            YearPoint {
                month: 1,
                fraction: 0.5,
            },
            None,
            &Grades::default(),
        )
        .expect("pace");
        assert!((p.share - 6.5 / 12.0).abs() < 1e-9);
        assert!(p.target.is_none());
    }

    #[test]
    fn no_history_no_pace_and_unknown_or_empty_years_do_not_count() {
        let point = YearPoint {
            month: 5,
            fraction: 0.3,
        };
        assert_eq!(pace(&[], 3, point, Some(10), &Grades::default()), None);
        let baseline_year = {
            let mut v = vec![None; 12];
            v[11] = Some(40);
            v
        };
        let empty = cumulative([0; 12]);
        assert_eq!(pace(&[baseline_year, empty], 3, point, None, &Grades::default()), None);
    }

    #[test]
    fn grades_follow_the_thresholds() {
        let g = Grades::default();
        assert_eq!(
            [
                g.grade(130),
                g.grade(100),
                g.grade(99),
                g.grade(80),
                g.grade(60),
                g.grade(59)
            ],
            ["S", "S", "A", "A", "B", "C"]
        );
        let strict = Grades { s: 110, a: 90, b: 70 };
        assert_eq!(strict.grade(100), "A");
    }
}
