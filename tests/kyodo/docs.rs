//! Every document a newcomer is sent to is in the repository: each file or folder the README,
//! ARCHITECTURE.md and DESIGN.md name in `code` (a `*.md` file, or a path under one of the
//! repository's own folders) exists.

use crate::support::repo;

/// The repository's folders a document may name a path under.
const FOLDERS: [&str; 10] = [
    "src",
    "tests",
    "config",
    "migrations",
    "deploy",
    "benches",
    "assets",
    ".ci",
    "docs",
    "templates",
];

/// The spans of `text` between backticks.
fn code_spans(text: &str) -> Vec<&str> {
    text.split("```")
        .step_by(2)
        .flat_map(|outside| outside.split('`').skip(1).step_by(2))
        .collect()
}

/// Whether a code span names a file or folder of the repository (not a pattern or a placeholder).
fn names_a_path(span: &str) -> bool {
    let span = span.trim();
    if span.is_empty() || span.contains([' ', '*', '<', '{', '…', '=', '$', ':']) {
        return false;
    }
    let first = span.split('/').next().unwrap_or("");
    FOLDERS.contains(&first) || (!span.contains('/') && span.ends_with(".md"))
}

#[test]
fn every_document_and_path_the_documents_name_exists() {
    let mut missing = Vec::new();
    for document in ["README.md", "ARCHITECTURE.md", "DESIGN.md"] {
        let path = repo().join(document);
        assert!(path.exists(), "{document} is in the repository");
        let text = std::fs::read_to_string(&path).expect("read the document");
        for span in code_spans(&text).into_iter().filter(|s| names_a_path(s)) {
            if !repo().join(span.trim()).exists() {
                missing.push(format!("{document}: `{span}`"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "named but not in the repository:\n{}",
        missing.join("\n")
    );
}

#[test]
fn the_span_reader_finds_paths_and_skips_patterns() {
    let spans = code_spans("see `README.md` and `migrations/*.sql`, not ```\n`fenced.md`\n``` but `src/main.rs`");
    assert_eq!(spans, vec!["README.md", "migrations/*.sql", "src/main.rs"]);
    let paths: Vec<&str> = spans.into_iter().filter(|s| names_a_path(s)).collect();
    assert_eq!(paths, vec!["README.md", "src/main.rs"]);
}
