//! A grouped table (`/totals by:…`, `kyodo totals --by`) as text for a chat or a terminal and
//! as Markdown; `csv.rs` and `xlsx.rs` write it as files (`grouped_csv`, `grouped_xlsx`).

use super::DASH;
use crate::domain::grouping::Table;
use crate::domain::Figure;

/// A cell as read: `12回`, `—` when unknown.
pub fn cell(figure: Figure, unit: &str) -> String {
    figure
        .value()
        .map_or_else(|| DASH.to_string(), |n| format!("{n}{unit}"))
}

/// One line a row: `<row>: <column> 3回、<column> 12件`, the columns that apply to it.
pub fn lines(table: &Table) -> Vec<String> {
    if table.columns.is_empty() {
        return vec![format!("{}ごとに分けられる指標がありません", table.rows_are)];
    }
    table
        .rows
        .iter()
        .map(|(row, cells)| {
            let parts: Vec<String> = table
                .columns
                .iter()
                .zip(cells)
                .filter_map(|(c, f)| f.map(|f| format!("{} {}", c.label, cell(f, &c.unit))))
                .collect();
            format!("{row}: {}", parts.join("、"))
        })
        .collect()
}

/// A Markdown table under a heading: `| 地区 | ②…（回） |`, a cell a column does not apply to
/// left empty.
pub fn markdown(title: &str, table: &Table) -> String {
    let row = |cells: Vec<String>| {
        let cells: Vec<String> = cells.iter().map(|c| c.replace('|', "\\|")).collect();
        format!("| {} |\n", cells.join(" | "))
    };
    let mut out = format!("# {title}\n\n");
    let mut header = vec![table.rows_are.clone()];
    header.extend(table.columns.iter().map(|c| format!("{}（{}）", c.label, c.unit)));
    out.push_str(&row(header.clone()));
    out.push_str(&row(vec!["---".to_string(); header.len()]));
    for (label, cells) in &table.rows {
        let mut line = vec![label.clone()];
        line.extend(cells.iter().map(|f| f.map_or_else(String::new, |f| cell(f, ""))));
        out.push_str(&row(line));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::grouping::Column;

    #[test]
    fn rows_read_with_their_columns_and_markdown_escapes_bars() {
        let table = Table {
            rows_are: "月".into(),
            columns: vec![
                Column {
                    label: "①a".into(),
                    unit: "回".into(),
                },
                Column {
                    label: "③b|c".into(),
                    unit: "件".into(),
                },
            ],
            rows: vec![
                ("2026年5月".into(), vec![Some(Figure::known(2)), None]),
                ("2026年6月".into(), vec![Some(Figure::UNKNOWN), Some(Figure::known(12))]),
            ],
        };
        assert_eq!(lines(&table), ["2026年5月: ①a 2回", "2026年6月: ①a —、③b|c 12件"]);
        let md = markdown("t", &table);
        assert!(md.contains("| 月 | ①a（回） | ③b\\|c（件） |"), "{md}");
        assert!(md.contains("| 2026年5月 | 2 |  |"), "{md}");
        assert!(md.contains("| 2026年6月 | — | 12 |"), "{md}");
    }
}
