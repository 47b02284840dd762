//! The code knows no name of the catalogue (ARCHITECTURE.md, "Architecture invariants"): no
//! file under `src/` outside test code spells the city, an area, a district, a record type's
//! name or label, or a choice of a record type's field, as `config/kyodo.toml` has them.
//!
//! The names are read from the config with `Catalogue::parse`, so the list follows the file.
//! Test code is left out: files named `tests.rs` or `*_tests.rs`, files a `#[cfg(test)] mod x;`
//! declares (and what is under them), and inline `#[cfg(test)] mod x { … }` blocks. Comments
//! count: a doc comment that names a district is data in the code too; examples are neutral
//! (`{area}/{district}`).
//!
//! The rule for short names: only names of two characters or more are looked for. A
//! one-character name (the districts 東, 市, 諸, 氷) is an ordinary character of Japanese text
//! (東南部, 小諸市, 市民) and would be found everywhere. A name inside one of the `ORDINARY`
//! words is that word, not the name (実施, a council status, in 実施年度, the report's header).

use kyodo::domain::Catalogue;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The shortest name looked for, in characters.
const SHORTEST: usize = 2;

/// Words that hold a name without being it.
const ORDINARY: [&str; 1] = [
    // The annual report's header of its year column (the year the figures were carried out in).
    "実施年度",
];

/// Every name the config gives, of `SHORTEST` characters or more.
fn names(catalogue: &Catalogue) -> BTreeSet<String> {
    let mut names = BTreeSet::from([catalogue.city.clone()]);
    for area in &catalogue.areas {
        names.insert(area.name.clone());
        names.extend(area.districts.iter().cloned());
    }
    for t in &catalogue.record_types {
        names.insert(t.name.clone());
        names.insert(t.label.clone());
        for field in &t.fields {
            names.extend(field.choice_names());
        }
    }
    names.retain(|n| n.chars().count() >= SHORTEST);
    names
}

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path, files: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

/// Where the modules a file declares live: beside it for `mod.rs`, `lib.rs` and `main.rs`, else
/// in the folder named after it.
fn module_dir(file: &Path) -> PathBuf {
    let parent = file.parent().unwrap_or(Path::new(""));
    match file.file_stem().and_then(|s| s.to_str()) {
        Some("mod" | "lib" | "main") | None => parent.to_path_buf(),
        Some(stem) => parent.join(stem),
    }
}

const CFG_TEST: &str = "#[cfg(test)]";

/// The identifier at the start of `s`.
fn ident(s: &str) -> &str {
    let end = s.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(s.len());
    &s[..end]
}

/// `#[cfg(test)]` followed by `mod x;` or `mod x {`: the module's name, whether it is inline,
/// and where its text after the name starts.
fn test_module(source: &str, at: usize) -> Option<(&str, bool, usize)> {
    let rest = source[at + CFG_TEST.len()..].trim_start();
    let rest = rest.strip_prefix("pub ").unwrap_or(rest).trim_start();
    let rest = rest.strip_prefix("mod ")?.trim_start();
    let name = ident(rest);
    let after = rest[name.len()..].trim_start();
    let offset = source.len() - after.len();
    match after.chars().next() {
        Some(';') => Some((name, false, offset)),
        Some('{') => Some((name, true, offset)),
        _ => None,
    }
}

/// The byte just after the `}` that closes the `{` at `open`, strings, characters and comments
/// skipped; the end of the text if it is never closed.
fn closing(source: &str, open: usize) -> usize {
    let bytes = source.as_bytes();
    let mut depth = 0usize;
    let mut i = open;
    while i < bytes.len() {
        match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let mut nested = 0usize;
                while i < bytes.len() {
                    if bytes[i] == b'/' && bytes.get(i + 1) == Some(&b'*') {
                        nested += 1;
                        i += 2;
                    } else if bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/') {
                        nested -= 1;
                        i += 2;
                        if nested == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
                continue;
            }
            b'r' if matches!(bytes.get(i + 1), Some(b'"' | b'#'))
                && !bytes[..i]
                    .last()
                    .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_') =>
            {
                let hashes = bytes[i + 1..].iter().take_while(|b| **b == b'#').count();
                if bytes.get(i + 1 + hashes) == Some(&b'"') {
                    let close = format!("\"{}", "#".repeat(hashes));
                    let from = i + 2 + hashes;
                    i = source[from..]
                        .find(&close)
                        .map_or(bytes.len(), |at| from + at + close.len());
                    continue;
                }
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'\'' => {
                // A character literal ('{', '\'', '\u{7b}'), or a lifetime, which is skipped as is.
                if bytes.get(i + 1) == Some(&b'\\') {
                    i = source[i + 2..].find('\'').map_or(bytes.len(), |at| i + 2 + at);
                } else if let Some(c) = source[i + 1..].chars().next() {
                    if source[i + 1 + c.len_utf8()..].starts_with('\'') {
                        i += c.len_utf8() + 1;
                    }
                }
            }
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    bytes.len()
}

/// `source` with its inline test modules blanked (their line breaks kept, so that line numbers
/// stay), and the names of the modules it declares as test-only files.
fn without_tests(source: &str) -> (String, Vec<String>) {
    let mut blanked = Vec::new();
    let mut files = Vec::new();
    let mut from = 0;
    while let Some(found) = source[from..].find(CFG_TEST) {
        let at = from + found;
        from = at + CFG_TEST.len();
        match test_module(source, at) {
            Some((name, false, _)) => files.push(name.to_string()),
            Some((_, true, open)) => {
                let end = closing(source, open);
                blanked.push(at..end);
                from = end;
            }
            None => {}
        }
    }
    let code = source
        .char_indices()
        .map(|(i, c)| match blanked.iter().any(|r| r.contains(&i)) {
            true if c != '\n' => ' ',
            _ => c,
        })
        .collect();
    (code, files)
}

/// Whether `file` is test code by its name, or under a module declared `#[cfg(test)]`.
fn is_test_file(file: &Path, test_dirs: &[PathBuf], test_files: &[PathBuf]) -> bool {
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    name == "tests.rs"
        || name.ends_with("_tests.rs")
        || test_files.iter().any(|t| t == file)
        || test_dirs.iter().any(|d| file.starts_with(d))
}

/// `line` with every `ORDINARY` word blanked.
fn without_ordinary_words(line: &str) -> String {
    ORDINARY.iter().fold(line.to_string(), |line, word| {
        line.replace(word, &" ".repeat(word.len()))
    })
}

/// A name found in the code: file (from the crate's root), line, name.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Found {
    file: String,
    line: usize,
    name: String,
}

/// Every catalogue name in the non-test code under `src`, file by file, line by line.
fn names_in_code(src: &Path, names: &BTreeSet<String>) -> Vec<Found> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut code = Vec::new();
    let (mut test_dirs, mut test_files) = (Vec::new(), Vec::new());
    for file in &files {
        let source = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let (stripped, tests) = without_tests(&source);
        for module in tests {
            let dir = module_dir(file);
            test_files.push(dir.join(format!("{module}.rs")));
            test_dirs.push(dir.join(module));
        }
        code.push((file, stripped));
    }
    let root = src.parent().unwrap_or(src);
    let mut found = Vec::new();
    for (file, text) in code {
        if is_test_file(file, &test_dirs, &test_files) {
            continue;
        }
        let shown = file.strip_prefix(root).unwrap_or(file).display().to_string();
        for (i, line) in text.lines().enumerate() {
            let line = without_ordinary_words(line);
            for name in names.iter().filter(|n| line.contains(n.as_str())) {
                found.push(Found {
                    file: shown.clone(),
                    line: i + 1,
                    name: name.clone(),
                });
            }
        }
    }
    found
}

/// `src/x.rs:12: 東部、荒町`, one line per line of code.
fn listed<'a>(found: impl IntoIterator<Item = &'a Found>) -> String {
    let mut lines: Vec<(&str, usize, Vec<&str>)> = Vec::new();
    for f in found {
        match lines.last_mut() {
            Some((file, line, names)) if *file == f.file && *line == f.line => names.push(&f.name),
            _ => lines.push((&f.file, f.line, vec![&f.name])),
        }
    }
    lines
        .iter()
        .map(|(file, line, names)| format!("{file}:{line}: {}", names.join("、")))
        .collect::<Vec<_>>()
        .join("\n")
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn the_code_names_nothing_of_the_catalogue() {
    let config = std::fs::read_to_string(root().join("config/kyodo.toml")).expect("config/kyodo.toml");
    let catalogue = Catalogue::parse(&config).expect("the shipped config parses");
    let names = names(&catalogue);
    assert!(names.len() > 100, "the names were read: {names:?}");
    let found = names_in_code(&root().join("src"), &names);
    assert!(
        found.is_empty(),
        "names from config/kyodo.toml in src/ (take them from the catalogue; keep examples neutral):\n{}",
        listed(&found)
    );
}

#[test]
fn test_code_and_ordinary_words_are_left_out_and_the_rest_is_read() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let src = dir.path().join("src");
    std::fs::create_dir_all(src.join("a/b")).expect("folders");
    let write = |path: &str, text: &str| std::fs::write(src.join(path), text).expect("write");
    write(
        "lib.rs",
        concat!(
            "//! 荒町\n",
            "mod a;\n",
            "#[cfg(test)]\n",
            "mod fixtures;\n",
            "fn f() -> char { '{' }\n",
            "#[cfg(test)]\n",
            "mod tests {\n",
            "    const X: &str = \"}荒町\";\n",
            "    fn g() { let _ = '}'; }\n",
            "}\n",
            "const Y: &str = r#\"東部\"#; // 実施年度、実施\n",
        ),
    );
    write("fixtures.rs", "荒町\n");
    write("a.rs", "#[cfg(test)]\nmod b;\n// 小諸市\n");
    write("a/b.rs", "荒町\n");
    write("a/b/c.rs", "荒町\n");
    write("a/tests.rs", "荒町\n");
    write("a/writer_tests.rs", "荒町\n");
    let names = BTreeSet::from(["荒町", "東部", "小諸市", "実施"].map(String::from));
    assert_eq!(
        listed(&names_in_code(&src, &names)),
        "src/a.rs:3: 小諸市\nsrc/lib.rs:1: 荒町\nsrc/lib.rs:11: 実施、東部"
    );
}
