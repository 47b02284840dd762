//! What the monthly reminder says is missing in a month, from facts the store read: the areas
//! with no record of the catalogue's area type (`Catalogue::area_type`, the liaison meetings)
//! in the month, the districts with none for `stale_months` months (oldest first, those never
//! met before the rest), the record types reported monthly (`monthly = true`) with no record
//! in the month yet, and whom to mention: each listed area's liaison officer (`[[areas]]
//! liaison`), unless they turned mentions off. Pure: the store's answers are passed in.

use super::catalogue::Catalogue;
use super::{RecordType, YearMonth};
use chrono::NaiveDate;
use std::collections::{HashMap, HashSet};

/// A district with no record of the area type for the months asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stale {
    pub area: String,
    pub district: String,
    /// Its last record's day; `None` if it has none.
    pub last: Option<NaiveDate>,
}

/// A liaison officer to mention, and the listed areas they look after, in the catalogue's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    pub user: u64,
    pub areas: Vec<String>,
}

/// What a month is missing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Missing {
    /// The areas with no record of the area type in the month, in the catalogue's order.
    pub areas: Vec<String>,
    /// The districts with none in the `stale_months` months up to the month's end: never met
    /// first (in the catalogue's order), then by their last day, oldest first.
    pub stale: Vec<Stale>,
    /// The monthly record types with no record in the month, in the catalogue's order.
    pub monthly: Vec<RecordType>,
}

/// The first month of the `months` months that end with `month`.
pub fn window_start(month: YearMonth, months: u32) -> YearMonth {
    let mut first = month;
    for _ in 1..months {
        first = first.previous();
    }
    first
}

/// What `month` is missing: `met` the areas with a record of the area type in the month;
/// `last` each (area, district)'s last day with one (from before the month's end); `reported`
/// the monthly types with a record in the month.
pub fn missing(
    catalogue: &Catalogue,
    month: YearMonth,
    met: &HashSet<String>,
    last: &HashMap<(String, String), NaiveDate>,
    reported: &HashSet<RecordType>,
) -> Missing {
    let mut missing = Missing::default();
    if catalogue.area_type().is_some() {
        missing.areas = catalogue
            .areas
            .iter()
            .filter(|a| !met.contains(&a.name))
            .map(|a| a.name.clone())
            .collect();
        missing.stale = stale(catalogue, month, last);
    }
    missing.monthly = catalogue
        .record_types
        .iter()
        .filter(|t| t.monthly && !reported.contains(&t.record_type))
        .map(|t| t.record_type)
        .collect();
    missing
}

/// Every district of the catalogue with its area, in the catalogue's order.
pub fn places(catalogue: &Catalogue) -> Vec<(String, String)> {
    catalogue
        .areas
        .iter()
        .flat_map(|a| a.districts.iter().map(|d| (a.name.clone(), d.clone())))
        .collect()
}

/// The districts with no record of the area type in the `stale_months` months up to `month`'s
/// end, from `last` (each district's last day with one): never met first, in the catalogue's
/// order, then by their last day, oldest first.
pub fn stale(catalogue: &Catalogue, month: YearMonth, last: &HashMap<(String, String), NaiveDate>) -> Vec<Stale> {
    let since = window_start(month, catalogue.schedule.stale_months).first_day();
    let mut never = Vec::new();
    let mut dated = Vec::new();
    for area in &catalogue.areas {
        for district in &area.districts {
            let day = last.get(&(area.name.clone(), district.clone())).copied();
            let stale = Stale {
                area: area.name.clone(),
                district: district.clone(),
                last: day,
            };
            match day {
                None => never.push(stale),
                Some(day) if day < since => dated.push(stale),
                Some(_) => {}
            }
        }
    }
    // Stable: districts of one last day keep the catalogue's order.
    dated.sort_by_key(|s| s.last);
    never.into_iter().chain(dated).collect()
}

/// The liaison officers of the areas `missing` lists (an area without a record in the month,
/// or with a stale district), each once with their areas, in the catalogue's order; none whose
/// id is in `off` (they turned mentions off).
pub fn mentions(catalogue: &Catalogue, missing: &Missing, off: &HashSet<String>) -> Vec<Mention> {
    let listed: HashSet<&str> = missing
        .areas
        .iter()
        .map(String::as_str)
        .chain(missing.stale.iter().map(|s| s.area.as_str()))
        .collect();
    let mut mentions: Vec<Mention> = Vec::new();
    for area in catalogue.areas.iter().filter(|a| listed.contains(a.name.as_str())) {
        let Some(user) = area.liaison.filter(|id| !off.contains(&id.to_string())) else {
            continue;
        };
        match mentions.iter_mut().find(|m| m.user == user) {
            Some(m) => m.areas.push(area.name.clone()),
            None => mentions.push(Mention {
                user,
                areas: vec![area.name.clone()],
            }),
        }
    }
    mentions
}

#[cfg(test)]
mod tests {
    use super::*;

    fn komoro() -> Catalogue {
        Catalogue::parse(include_str!("../../config/kyodo.toml")).expect("config")
    }

    fn month(y: i32, m: u32) -> YearMonth {
        YearMonth::new(y, m).expect("month")
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    #[test]
    fn six_months_end_with_the_month() {
        assert_eq!(window_start(month(2026, 10), 6), month(2026, 5));
        assert_eq!(window_start(month(2026, 2), 6), month(2025, 9));
        assert_eq!(window_start(month(2026, 2), 1), month(2026, 2));
    }

    #[test]
    fn areas_without_a_record_stale_districts_oldest_first_and_monthly_types() {
        let mut c = komoro();
        let first = c.areas[0].clone();
        let second = c.areas[1].clone();
        let met = HashSet::from([first.name.clone()]);
        let key = |a: &crate::domain::catalogue::Area, i: usize| (a.name.clone(), a.districts[i].clone());
        let mut last = HashMap::new();
        // Every district met this month, but three: two long ago, one never.
        for area in &c.areas {
            for d in &area.districts {
                last.insert((area.name.clone(), d.clone()), day(2026, 10, 2));
            }
        }
        last.insert(key(&first, 1), day(2026, 4, 30)); // before May: stale
        last.insert(key(&second, 0), day(2025, 12, 1)); // older still
        last.insert(key(&second, 1), day(2026, 5, 1)); // within the six months
        last.remove(&key(&second, 2));
        let monthly: Vec<RecordType> = c
            .record_types
            .iter()
            .filter(|t| t.monthly)
            .map(|t| t.record_type)
            .collect();
        assert!(monthly.len() >= 2, "the shipped config has monthly types");
        let reported = HashSet::from([monthly[0]]);
        let found = missing(&c, month(2026, 10), &met, &last, &reported);
        assert_eq!(found.areas.len(), c.areas.len() - 1);
        assert!(!found.areas.contains(&first.name));
        let stale: Vec<(String, Option<NaiveDate>)> =
            found.stale.iter().map(|s| (s.district.clone(), s.last)).collect();
        assert_eq!(
            stale,
            vec![
                (second.districts[2].clone(), None),
                (second.districts[0].clone(), Some(day(2025, 12, 1))),
                (first.districts[1].clone(), Some(day(2026, 4, 30))),
            ]
        );
        assert_eq!(found.monthly, monthly[1..].to_vec());

        // The liaisons of the listed areas, each once; one who turned mentions off is left out.
        c.areas[0].liaison = Some(111);
        c.areas[1].liaison = Some(222);
        c.areas[2].liaison = Some(111);
        let found = missing(&c, month(2026, 10), &met, &last, &reported);
        let all = mentions(&c, &found, &HashSet::new());
        assert_eq!(
            all,
            vec![
                Mention {
                    user: 111,
                    areas: vec![first.name.clone(), c.areas[2].name.clone()]
                },
                Mention {
                    user: 222,
                    areas: vec![second.name.clone()]
                },
            ]
        );
        let some = mentions(&c, &found, &HashSet::from(["222".to_string()]));
        assert_eq!(some.iter().map(|m| m.user).collect::<Vec<_>>(), vec![111]);
    }
}
