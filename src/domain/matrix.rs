//! The contact matrix: every district (grouped by area, in the catalogue's order) × every month
//! of a period, each cell the records of the catalogue's area type (the liaison meetings) there
//! and then, with each row's, area's and month's total. Written as a sheet in the XLSX files of
//! a period and drawn as a heat map in the monthly digest.

use super::calendar::YearMonth;
use super::catalogue::Catalogue;

/// One district's row: its count in each month of the matrix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistrictRow {
    pub district: String,
    pub months: Vec<u64>,
}

impl DistrictRow {
    pub fn total(&self) -> u64 {
        self.months.iter().sum()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AreaRows {
    pub area: String,
    pub districts: Vec<DistrictRow>,
}

impl AreaRows {
    /// The area's count in each month.
    pub fn months(&self, len: usize) -> Vec<u64> {
        (0..len)
            .map(|i| {
                self.districts
                    .iter()
                    .map(|d| d.months.get(i).copied().unwrap_or(0))
                    .sum()
            })
            .collect()
    }

    /// How many of its districts had at least one.
    pub fn met(&self) -> usize {
        self.districts.iter().filter(|d| d.total() > 0).count()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matrix {
    /// What the cells count (the area type's label).
    pub counted: String,
    pub months: Vec<YearMonth>,
    pub areas: Vec<AreaRows>,
}

impl Matrix {
    /// The matrix of `months` from `counts` — `(month, area, district, count)` — every area and
    /// district of the catalogue included (0 where nothing was recorded); counts of a place the
    /// catalogue no longer has are left out.
    pub fn new(
        catalogue: &Catalogue,
        counted: impl Into<String>,
        months: Vec<YearMonth>,
        counts: impl IntoIterator<Item = (YearMonth, String, String, u64)>,
    ) -> Matrix {
        let mut areas: Vec<AreaRows> = catalogue
            .areas
            .iter()
            .map(|a| AreaRows {
                area: a.name.clone(),
                districts: a
                    .districts
                    .iter()
                    .map(|d| DistrictRow {
                        district: d.clone(),
                        months: vec![0; months.len()],
                    })
                    .collect(),
            })
            .collect();
        for (month, area, district, n) in counts {
            let Some(i) = months.iter().position(|m| *m == month) else {
                continue;
            };
            let row = areas
                .iter_mut()
                .find(|a| a.area == area)
                .and_then(|a| a.districts.iter_mut().find(|d| d.district == district));
            if let Some(row) = row {
                row.months[i] += n;
            }
        }
        Matrix {
            counted: counted.into(),
            months,
            areas,
        }
    }

    /// Every district's count in each month.
    pub fn month_totals(&self) -> Vec<u64> {
        let len = self.months.len();
        (0..len)
            .map(|i| self.areas.iter().map(|a| a.months(len)[i]).sum())
            .collect()
    }

    pub fn total(&self) -> u64 {
        self.month_totals().iter().sum()
    }

    /// The largest cell: what a heat map's darkest shade stands for.
    pub fn largest(&self) -> u64 {
        self.areas
            .iter()
            .flat_map(|a| &a.districts)
            .flat_map(|d| d.months.iter().copied())
            .max()
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_rows_and_totals_follow_the_catalogue() {
        let c = Catalogue::parse(include_str!("../../config/kyodo.toml")).expect("config");
        let month = |m| YearMonth::new(2026, m).expect("month");
        let m = Matrix::new(
            &c,
            "地区連携",
            vec![month(4), month(5)],
            [
                (month(4), "東部".to_string(), "荒町".to_string(), 2),
                (month(5), "東部".to_string(), "荒町".to_string(), 1),
                (month(5), "川辺".to_string(), "氷".to_string(), 1),
                (month(6), "東部".to_string(), "荒町".to_string(), 9),
                (month(4), "東部".to_string(), "どこか".to_string(), 9),
            ],
        );
        assert_eq!(m.areas.len(), 10);
        assert_eq!(m.areas.iter().map(|a| a.districts.len()).sum::<usize>(), 68);
        let east = m.areas.iter().find(|a| a.area == "東部").expect("東部");
        assert_eq!(east.districts[0].months, vec![2, 1]);
        assert_eq!(east.districts[0].total(), 3);
        assert_eq!(east.months(2), vec![2, 1]);
        assert_eq!(east.met(), 1);
        assert_eq!(
            m.month_totals(),
            vec![2, 2],
            "June is not in the matrix, nor a district not in the catalogue"
        );
        assert_eq!((m.total(), m.largest()), (4, 2));
    }
}
