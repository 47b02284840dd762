//! The top-level parts of `src/` import one way (ARCHITECTURE.md, "Architecture invariants"):
//! the import graph — each module that `src/lib.rs` declares → the other top-level modules its
//! files name as `crate::x` (or in a `crate::{x, y}` group), test code included, comments not —
//! has no cycle, and the bottom parts import only what the map says.
//!
//! Modules name each other through `crate::` (`super::` stays inside a module), so reading the
//! paths is enough; the binary (`src/main.rs`, `src/cli/`) is another crate that imports the
//! library as `kyodo::` and cannot be imported back.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Graph = BTreeMap<String, BTreeSet<String>>;

/// The library's top-level modules, as `src/lib.rs` declares them (`pub mod x;` / `mod x;`).
fn modules(lib: &str) -> Vec<String> {
    lib.lines()
        .map(str::trim)
        .filter_map(|line| line.strip_prefix("pub mod ").or_else(|| line.strip_prefix("mod ")))
        .filter_map(|rest| rest.strip_suffix(';'))
        .map(str::to_string)
        .collect()
}

/// The text without `//` comments (doc comments included): a comment that names a module is no
/// import.
fn without_comments(source: &str) -> String {
    source
        .lines()
        .map(|line| line.split_once("//").map_or(line, |(code, _)| code))
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The first segment of every `crate::` path in `source`: `crate::store::Store` → `store`,
/// `crate::{domain::Figures, store}` → `domain` and `store`.
fn named(source: &str) -> BTreeSet<String> {
    let code = without_comments(source);
    let mut names = BTreeSet::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(is_ident) {
            continue; // `my_crate::` is another path
        }
        if let Some(group) = rest.strip_prefix('{') {
            // Each item at the group's top level: its first segment.
            let mut depth = 0;
            let mut item_start = true;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if item_start && depth == 0 && is_ident(c) => {
                        let name: String = group[i..].chars().take_while(|&c| is_ident(c)).collect();
                        names.insert(name);
                        item_start = false;
                    }
                    c if c.is_whitespace() => {}
                    _ => item_start = false,
                }
            }
        } else {
            let name: String = rest.chars().take_while(|&c| is_ident(c)).collect();
            if !name.is_empty() {
                names.insert(name);
            }
        }
    }
    names
}

/// Each module → the other modules it names, from the sources of each module.
fn graph(sources: &BTreeMap<String, Vec<String>>) -> Graph {
    sources
        .iter()
        .map(|(module, texts)| {
            let targets = texts
                .iter()
                .flat_map(|text| named(text))
                .filter(|name| name != module && sources.contains_key(name))
                .collect();
            (module.clone(), targets)
        })
        .collect()
}

/// Every cycle of `graph`, each once, starting at its smallest module: `[a, b]` is a → b → a.
fn cycles(graph: &Graph) -> Vec<Vec<String>> {
    fn walk(graph: &Graph, start: &str, path: &mut Vec<String>, found: &mut Vec<Vec<String>>) {
        let Some(last) = path.last().cloned() else { return };
        for next in graph.get(&last).into_iter().flatten() {
            if next == start {
                found.push(path.clone());
            } else if next.as_str() > start && !path.contains(next) {
                path.push(next.clone());
                walk(graph, start, path, found);
                path.pop();
            }
        }
    }
    let mut found = Vec::new();
    for start in graph.keys() {
        walk(graph, start, &mut vec![start.clone()], &mut found);
    }
    found
}

/// Every `.rs` file under `path` (or `path` itself).
fn rust_files(path: &Path, into: &mut Vec<PathBuf>) {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .expect("read src folder")
            .map(|e| e.expect("entry").path())
            .collect();
        entries.sort();
        for entry in entries {
            rust_files(&entry, into);
        }
    } else if path.is_file() && path.extension().is_some_and(|e| e == "rs") {
        into.push(path.to_path_buf());
    }
}

/// The import graph of the library in `src/`.
fn src_graph() -> Graph {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let lib = std::fs::read_to_string(src.join("lib.rs")).expect("src/lib.rs");
    let mut sources = BTreeMap::new();
    for module in modules(&lib) {
        let mut files = Vec::new();
        rust_files(&src.join(format!("{module}.rs")), &mut files);
        rust_files(&src.join(&module), &mut files);
        assert!(!files.is_empty(), "no file for the module {module}");
        let texts = files
            .iter()
            .map(|f| std::fs::read_to_string(f).expect("source file"))
            .collect();
        sources.insert(module, texts);
    }
    assert!(sources.len() > 1, "src/lib.rs declares the modules");
    graph(&sources)
}

fn show(graph: &Graph) -> String {
    graph
        .iter()
        .map(|(module, targets)| {
            let targets: Vec<&str> = targets.iter().map(String::as_str).collect();
            format!("  {module} → {}", targets.join(", "))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_top_level_parts_import_one_way() {
    let graph = src_graph();
    let found: Vec<String> = cycles(&graph)
        .iter()
        .map(|cycle| format!("  {} → {}", cycle.join(" → "), cycle[0]))
        .collect();
    assert!(
        found.is_empty(),
        "the top-level parts import in a circle:\n{}\nthe whole graph:\n{}",
        found.join("\n"),
        show(&graph)
    );
}

#[test]
fn the_bottom_parts_import_only_what_the_map_says() {
    let graph = src_graph();
    let allowed: [(&str, &[&str]); 5] = [
        ("domain", &[]),
        ("files", &[]),
        ("render", &["domain"]),
        ("config", &["domain", "files"]),
        // The dashboard reads through the command core and the store; it is no adapter's.
        ("web", &["commands", "app", "render", "store", "domain"]),
    ];
    for (module, may) in allowed {
        let extra: Vec<&String> = graph[module].iter().filter(|t| !may.contains(&t.as_str())).collect();
        assert!(
            extra.is_empty(),
            "{module} imports {extra:?}; it may import only {may:?}\nthe whole graph:\n{}",
            show(&graph)
        );
    }
    // The commands are transport-free and are driven by the scheduler, not the other way round.
    for (module, never) in [
        ("commands", "scheduler"),
        ("commands", "discord"),
        ("store", "commands"),
        ("commands", "web"),
        ("store", "web"),
    ] {
        assert!(
            !graph[module].contains(never),
            "{module} imports {never}:\n{}",
            show(&graph)
        );
    }
}

#[test]
fn the_graph_is_read_from_paths_and_a_circle_is_named() {
    let sources: BTreeMap<String, Vec<String>> = [
        (
            "render",
            vec!["use crate::domain::Figures;\n// not an import: crate::store\nuse crate::commands::Request;"],
        ),
        (
            "commands",
            vec!["use crate::{render::reply::Reply, store};\nfn f() { my_crate::app(); }"],
        ),
        ("store", vec!["pub(crate) use crate::domain::x;"]),
        ("domain", vec!["//! crate::commands is named only in a comment"]),
        ("app", vec![""]),
    ]
    .into_iter()
    .map(|(m, texts)| (m.to_string(), texts.into_iter().map(str::to_string).collect()))
    .collect();
    let graph = graph(&sources);
    let set = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<BTreeSet<String>>();
    assert_eq!(graph["render"], set(&["commands", "domain"]));
    assert_eq!(graph["commands"], set(&["render", "store"]));
    assert_eq!(graph["store"], set(&["domain"]));
    assert_eq!(graph["domain"], set(&[]));
    assert_eq!(cycles(&graph), vec![vec!["commands".to_string(), "render".to_string()]]);

    // Longer circles are found too, once each.
    let mut graph = graph;
    graph.get_mut("store").expect("store").insert("commands".into());
    graph.get_mut("render").expect("render").remove("commands");
    assert_eq!(cycles(&graph), vec![vec!["commands".to_string(), "store".to_string()]]);
    graph.get_mut("store").expect("store").remove("commands");
    graph.get_mut("domain").expect("domain").insert("render".into());
    graph.get_mut("render").expect("render").insert("commands".into());
    graph.get_mut("store").expect("store").insert("domain".into());
    graph.get_mut("commands").expect("commands").insert("domain".into());
    assert_eq!(
        cycles(&graph),
        vec![
            vec!["commands".to_string(), "domain".to_string(), "render".to_string()],
            vec!["commands".to_string(), "render".to_string()],
            vec![
                "commands".to_string(),
                "store".to_string(),
                "domain".to_string(),
                "render".to_string()
            ],
            vec!["domain".to_string(), "render".to_string()],
        ]
    );
}
