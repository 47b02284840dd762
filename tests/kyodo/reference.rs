//! The city's report (tests/fixtures/komoro-jisseki-h30-r2.txt, a copy of
//! shared/reference/komoro-jisseki-h30-r2.txt) against `kyodo report --fiscal-year 2020`:
//! every table, every header, every cell.

use crate::support::{repo, Workspace};

/// The tab-separated tables of the reference report: header row, then one row per year.
fn reference_tables() -> Vec<Vec<Vec<String>>> {
    let text = std::fs::read_to_string(repo().join("tests/fixtures/komoro-jisseki-h30-r2.txt")).expect("reference");
    let mut tables: Vec<Vec<Vec<String>>> = Vec::new();
    let mut in_table = false;
    for line in text.lines() {
        let cells: Vec<String> = line.split('\t').map(str::to_string).collect();
        if line.starts_with("実施年度\t") {
            tables.push(vec![cells]);
            in_table = true;
        } else if in_table && line.contains("年度\t") {
            tables.last_mut().expect("a table").push(cells);
        } else {
            in_table = false;
        }
    }
    tables
}

/// The Markdown tables of a report: header row, then rows (the `---` line skipped).
fn markdown_tables(markdown: &str) -> Vec<Vec<Vec<String>>> {
    let mut tables: Vec<Vec<Vec<String>>> = Vec::new();
    let mut in_table = false;
    for line in markdown.lines() {
        let Some(inner) = line.strip_prefix("| ").and_then(|l| l.strip_suffix(" |")) else {
            in_table = false;
            continue;
        };
        let cells: Vec<String> = format!("{inner} ")
            .split(" | ")
            .map(|c| c.trim_end().to_string())
            .collect();
        if cells.iter().all(|c| c == "---") {
            continue;
        }
        if !in_table {
            tables.push(Vec::new());
            in_table = true;
        }
        tables.last_mut().expect("a table").push(cells);
    }
    tables
}

#[test]
fn every_table_and_cell_of_the_reference_report_is_reproduced() {
    let workspace = Workspace::new();
    let markdown = workspace.kyodo(&["report", "--fiscal-year", "2020"]).ok().stdout();
    assert!(
        markdown.starts_with("# 小諸市自治基本条例 実績（平成30年度から令和2年度）\n"),
        "{markdown}"
    );
    let ours = markdown_tables(&markdown);
    let reference = reference_tables();
    assert_eq!(reference.len(), 5, "the reference report has five tables");
    let mut compared_cells = 0;
    for table in &reference {
        let header = &table[0];
        let Some(mine) = ours.iter().find(|t| &t[0] == header) else {
            panic!("no table with the headers {header:?} in:\n{markdown}");
        };
        assert_eq!(mine.len(), table.len(), "rows of {header:?}");
        for (their_row, my_row) in table.iter().zip(mine) {
            assert_eq!(my_row, their_row, "table {header:?}");
            compared_cells += their_row.len();
        }
    }
    assert_eq!(compared_cells, 4 * 4 + 3 * 4 + 3 * 4 + 3 * 4 + 3 * 4);
}

#[test]
fn participation_matches_the_reports_sentence() {
    // ⑤ is a sentence in the report: 「平成30年度106件、令和元年度80件、令和2年度71件」.
    let text = std::fs::read_to_string(repo().join("tests/fixtures/komoro-jisseki-h30-r2.txt")).expect("reference");
    let sentence = text
        .lines()
        .find(|l| l.contains("平成30年度106件"))
        .expect("the ⑤ sentence");
    let workspace = Workspace::new();
    let markdown = workspace.kyodo(&["report", "--fiscal-year", "2020"]).ok().stdout();
    let table = markdown_tables(&markdown)
        .into_iter()
        .find(|t| t[0] == ["実施年度", "⑤市民参加手続き"])
        .expect("the ⑤ table");
    for row in &table[1..] {
        let phrase = format!("{}{}", row[0], row[1]);
        assert!(sentence.contains(&phrase), "{phrase} is not in {sentence}");
    }
    assert_eq!(table.len(), 4);
}
