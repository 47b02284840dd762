//! `/totals by:…`: a period's figures as a table — one row per area, district, month, reporter
//! or kind, one column per indicator the grouping applies to — built from the figures and the
//! record types' descriptions (an area column for the types broken down by area, a district
//! column for those broken down by district within it, …), never per indicator.

use super::catalogue::Catalogue;
use super::figures::{Figure, Figures};
use super::record_type::FieldKind;
use super::totals::Measure;

/// What a table's rows are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    Area,
    District,
    Month,
    Reporter,
    Kind,
}

impl Grouping {
    pub const ALL: [Grouping; 5] = [
        Grouping::Area,
        Grouping::District,
        Grouping::Month,
        Grouping::Reporter,
        Grouping::Kind,
    ];

    /// The option's value (`by:area`).
    pub fn key(self) -> &'static str {
        match self {
            Grouping::Area => "area",
            Grouping::District => "district",
            Grouping::Month => "month",
            Grouping::Reporter => "reporter",
            Grouping::Kind => "kind",
        }
    }

    /// The rows' header: what a row is.
    pub fn header(self) -> &'static str {
        match self {
            Grouping::Area => "地区",
            Grouping::District => "区",
            Grouping::Month => "月",
            Grouping::Reporter => "報告者",
            Grouping::Kind => "種類",
        }
    }

    pub fn parse(key: &str) -> Option<Grouping> {
        Grouping::ALL.into_iter().find(|g| g.key() == key)
    }
}

/// One column: a measure's label and unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub label: String,
    pub unit: String,
}

/// A grouped table: `None` where a column does not apply to a row (a kind of another type).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// What the rows are (`地区`, `月` …), the first column's header.
    pub rows_are: String,
    pub columns: Vec<Column>,
    pub rows: Vec<(String, Vec<Option<Figure>>)>,
}

fn column(measure: &Measure) -> Column {
    Column {
        label: measure.label.clone(),
        unit: measure.unit.clone(),
    }
}

/// The measures whose record type is broken down by a field of `kind`, `by` or `detail`.
fn measures_by<'a>(catalogue: &Catalogue, measures: &'a [Measure], kind: FieldKind, detail: bool) -> Vec<&'a Measure> {
    measures
        .iter()
        .filter(|m| {
            catalogue.record_type(m.record_type).is_some_and(|t| {
                let column = if detail { t.detail } else { t.by };
                column.and_then(|c| t.field(c)).is_some_and(|f| f.kind == kind)
            })
        })
        .collect()
}

/// One row per area: the measures broken down by area.
pub fn by_area(catalogue: &Catalogue, measures: &[Measure], figures: &Figures) -> Table {
    let columns = measures_by(catalogue, measures, FieldKind::Area, false);
    Table {
        rows_are: Grouping::Area.header().to_string(),
        columns: columns.iter().map(|m| column(m)).collect(),
        rows: catalogue
            .areas
            .iter()
            .map(|area| {
                let cells = columns
                    .iter()
                    .map(|m| Some(figures.of(catalogue, m.record_type, &area.name)))
                    .collect();
                (area.name.clone(), cells)
            })
            .collect(),
    }
}

/// One row per district (`<area>/<district>`): the measures broken down by district within
/// the area.
pub fn by_district(catalogue: &Catalogue, measures: &[Measure], figures: &Figures) -> Table {
    let columns = measures_by(catalogue, measures, FieldKind::District, true);
    let mut rows = Vec::new();
    for area in &catalogue.areas {
        for district in &area.districts {
            let cells = columns
                .iter()
                .map(|m| {
                    Some(match figures.details(m.record_type, &area.name) {
                        Some(details) => Figure::known(details.get(district).copied().unwrap_or(0)),
                        None => Figure::UNKNOWN,
                    })
                })
                .collect();
            rows.push((format!("{}/{district}", area.name), cells));
        }
    }
    Table {
        rows_are: Grouping::District.header().to_string(),
        columns: columns.iter().map(|m| column(m)).collect(),
        rows,
    }
}

/// One row per choice of the types broken down by a choice (their kinds, methods, sides …): a
/// cell where the choice is the column's type's, its routing to the column's indicator
/// respected.
pub fn by_kind(catalogue: &Catalogue, measures: &[Measure], figures: &Figures) -> Table {
    let columns = measures_by(catalogue, measures, FieldKind::Choice, false);
    let mut rows: Vec<(String, Vec<Option<Figure>>)> = Vec::new();
    for (i, measure) in columns.iter().enumerate() {
        let Some(spec) = catalogue.record_type(measure.record_type) else {
            continue;
        };
        for value in catalogue.by_values(spec) {
            if catalogue.routed(spec, &value).is_some_and(|n| n != measure.indicator) {
                continue;
            }
            let figure = figures.of(catalogue, measure.record_type, &value);
            match rows.iter_mut().find(|(name, _)| *name == value) {
                Some((_, cells)) => cells[i] = Some(figure),
                None => {
                    let mut cells = vec![None; columns.len()];
                    cells[i] = Some(figure);
                    rows.push((value, cells));
                }
            }
        }
    }
    Table {
        rows_are: Grouping::Kind.header().to_string(),
        columns: columns.iter().map(|m| column(m)).collect(),
        rows,
    }
}

/// One row per labelled set of figures (the months of the period, its reporters): every
/// measure a column.
pub fn by_rows(catalogue: &Catalogue, measures: &[Measure], grouping: Grouping, rows: &[(String, Figures)]) -> Table {
    Table {
        rows_are: grouping.header().to_string(),
        columns: measures.iter().map(column).collect(),
        rows: rows
            .iter()
            .map(|(label, figures)| {
                let cells = measures.iter().map(|m| Some(m.value(catalogue, figures))).collect();
                (label.clone(), cells)
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::figures::Tally;
    use crate::domain::totals::measures;
    use chrono::NaiveDate;

    fn komoro() -> Catalogue {
        Catalogue::parse(include_str!("../../config/kyodo.toml")).expect("config")
    }

    #[test]
    fn tables_follow_the_descriptions() {
        let c = komoro();
        let april = NaiveDate::from_ymd_opt(2026, 4, 1).expect("date");
        let f = Figures::from_records(
            &c,
            &[
                Tally::of("meeting", "東部", "荒町", 2),
                Tally::of("meeting", "東部", "三和", 1),
                Tally::of("publicity", "区紹介", "", 3),
                Tally::of("council", "総会", "中止", 1),
            ],
            &[],
            april,
        );
        let m = measures(&c, None);
        let areas = by_area(&c, &m, &f);
        assert_eq!(areas.columns.len(), 1, "only the meetings go by area");
        assert_eq!(areas.rows.len(), 10);
        let east = areas.rows.iter().find(|(a, _)| a == "東部").expect("東部");
        assert_eq!(east.1, vec![Some(Figure::known(3))]);
        let districts = by_district(&c, &m, &f);
        assert_eq!(districts.rows.len(), 68);
        let arai = districts.rows.iter().find(|(d, _)| d == "東部/荒町").expect("荒町");
        assert_eq!(arai.1, vec![Some(Figure::known(2))]);
        let kinds = by_kind(&c, &m, &f);
        let intro = kinds.rows.iter().find(|(k, _)| k == "区紹介").expect("区紹介");
        let ninth = kinds
            .columns
            .iter()
            .position(|col| col.label.starts_with('⑨'))
            .expect("⑨");
        let eighth = kinds
            .columns
            .iter()
            .position(|col| col.label.starts_with('⑧'))
            .expect("⑧");
        assert_eq!(intro.1[ninth], Some(Figure::known(3)));
        assert_eq!(intro.1[eighth], None, "区紹介 feeds ⑨ only");
        let general = kinds.rows.iter().find(|(k, _)| k == "総会").expect("総会");
        assert_eq!(
            general.1.iter().flatten().next(),
            Some(&Figure::known(0)),
            "a cancelled one does not count"
        );
    }
}
