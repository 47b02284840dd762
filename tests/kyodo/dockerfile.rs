//! The Dockerfile, checked without a container engine (none runs on CI's machines, and no
//! registry serves base images there): the build stage's `COPY` set is replayed into a folder of
//! its own and its `RUN` line runs there as written (`cargo build --release --locked …`), then
//! the runtime stage's layout — the binary, `COPY`, `ENV`, `WORKDIR`, `VOLUME` and the non-root
//! `USER` — is rebuilt under a scratch root and `kyodo check-config` and
//! `kyodo report --fiscal-year 2020` run in it as the image's entry point would run them, and
//! the `HEALTHCHECK` command as Docker would run it (no bot running: unhealthy, saying so).
//!
//! Everything is read from the Dockerfile itself, so a `COPY` forgotten there fails here (as
//! `benches/` once did: cargo refuses a manifest whose `[[bench]]` files are missing). The
//! replay's `target/` lives in `target/docker-replay/build/target` and is kept between runs,
//! with the copied sources' modification times preserved, so a rerun rebuilds only what changed.

use crate::support::repo;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// One instruction: the keyword in capitals and the rest of the line (continuations joined).
#[derive(Debug, Clone)]
struct Instruction {
    keyword: String,
    args: String,
}

#[derive(Debug, Default)]
struct Stage {
    /// `FROM image AS name`.
    name: Option<String>,
    instructions: Vec<Instruction>,
}

impl Stage {
    fn all<'a>(&'a self, keyword: &str) -> impl Iterator<Item = &'a str> + 'a {
        let keyword = keyword.to_string();
        self.instructions
            .iter()
            .filter(move |i| i.keyword == keyword)
            .map(|i| i.args.as_str())
    }

    fn last<'a>(&'a self, keyword: &str) -> Option<&'a str> {
        self.all(keyword).last()
    }
}

fn parse_dockerfile(text: &str) -> Vec<Stage> {
    let mut logical = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') || (trimmed.is_empty() && current.is_empty()) {
            continue;
        }
        match trimmed.strip_suffix('\\') {
            Some(head) => {
                current.push_str(head);
                current.push(' ');
            }
            None => {
                current.push_str(trimmed);
                logical.push(std::mem::take(&mut current));
            }
        }
    }
    let mut stages: Vec<Stage> = Vec::new();
    for line in logical.into_iter().filter(|l| !l.trim().is_empty()) {
        let (keyword, args) = line.split_once(char::is_whitespace).unwrap_or((&line, ""));
        let instruction = Instruction {
            keyword: keyword.to_ascii_uppercase(),
            args: args.split_whitespace().collect::<Vec<_>>().join(" "),
        };
        if instruction.keyword == "FROM" {
            let words: Vec<&str> = instruction.args.split(' ').collect();
            let name = match words.as_slice() {
                [_, as_, name] if as_.eq_ignore_ascii_case("as") => Some(name.to_string()),
                _ => None,
            };
            stages.push(Stage {
                name,
                instructions: Vec::new(),
            });
        } else {
            stages
                .last_mut()
                .expect("an instruction before the first FROM")
                .instructions
                .push(instruction);
        }
    }
    stages
}

/// `COPY [--from=stage] src… dst`: the stage, the sources and the destination.
fn copy_args(args: &str) -> (Option<String>, Vec<String>, String) {
    let mut words: Vec<String> = args.split(' ').map(str::to_string).collect();
    let from = match words.first() {
        Some(w) if w.starts_with("--from=") => Some(words.remove(0)["--from=".len()..].to_string()),
        _ => None,
    };
    assert!(
        words.iter().all(|w| !w.starts_with("--")),
        "a COPY flag this replay does not know: {args}"
    );
    let dst = words.pop().expect("COPY has a destination");
    (from, words, dst)
}

/// `ENV A=1 B=2` (the only form the Dockerfile uses).
fn env_pairs(args: &str) -> Vec<(String, String)> {
    args.split(' ')
        .map(|pair| {
            let (k, v) = pair.split_once('=').expect("ENV key=value");
            (k.to_string(), v.trim_matches('"').to_string())
        })
        .collect()
}

/// `["kyodo"]` or `kyodo` → the words.
fn exec_form(args: &str) -> Vec<String> {
    match serde_json::from_str::<Vec<String>>(args) {
        Ok(words) => words,
        Err(_) => args.split(' ').map(str::to_string).collect(),
    }
}

/// Copies a file or folder, keeping modification times (so cargo sees unchanged sources).
fn copy_tree(from: &Path, to: &Path) {
    let meta = std::fs::metadata(from).unwrap_or_else(|e| panic!("COPY source {} missing: {e}", from.display()));
    if meta.is_dir() {
        std::fs::create_dir_all(to).expect("create folder");
        for entry in std::fs::read_dir(from).expect("read folder") {
            let entry = entry.expect("entry");
            copy_tree(&entry.path(), &to.join(entry.file_name()));
        }
    } else {
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent).expect("create folder");
        }
        std::fs::copy(from, to).expect("copy file");
        let modified = meta.modified().expect("mtime");
        std::fs::File::options()
            .write(true)
            .open(to)
            .and_then(|f| f.set_modified(modified))
            .expect("keep mtime");
    }
}

/// Where a build-stage `COPY` puts `dst`, relative to the stage's WORKDIR (the replay's folder).
fn inside_workdir(workdir: &str, dst: &str) -> PathBuf {
    let absolute = if dst.starts_with('/') {
        PathBuf::from(dst)
    } else {
        Path::new(workdir).join(dst)
    };
    let relative = absolute
        .strip_prefix(workdir)
        .unwrap_or_else(|_| panic!("COPY … {dst}: the build stage copies into its WORKDIR {workdir}"));
    relative
        .components()
        .filter(|c| *c != std::path::Component::CurDir)
        .collect()
}

/// `dst` of a COPY, relative to the stage's working directory unless absolute.
fn in_workdir(workdir: &str, dst: &str) -> PathBuf {
    let path = if dst.starts_with('/') {
        PathBuf::from(dst)
    } else {
        Path::new(workdir).join(dst)
    };
    path.strip_prefix("/").map(Path::to_path_buf).unwrap_or(path)
}

/// The paths `.dockerignore` lets into the build context (it ignores `*` and re-includes these).
fn context_allowlist() -> Vec<String> {
    let text = std::fs::read_to_string(repo().join(".dockerignore")).expect(".dockerignore");
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    assert_eq!(lines.first(), Some(&"*"), ".dockerignore starts by ignoring everything");
    lines[1..]
        .iter()
        .map(|l| {
            l.strip_prefix('!')
                .expect("re-includes only")
                .trim_end_matches('/')
                .to_string()
        })
        .collect()
}

fn sh(command: &str, dir: &Path) {
    let status = Command::new("sh")
        .arg("-c")
        .arg(command)
        .current_dir(dir)
        .env_remove("CARGO_TARGET_DIR")
        .status()
        .expect("run sh");
    assert!(status.success(), "`{command}` failed in {}", dir.display());
}

#[test]
fn the_dockerfile_builds_and_its_runtime_layout_runs_the_report() {
    let dockerfile = std::fs::read_to_string(repo().join("Dockerfile")).expect("Dockerfile");
    let stages = parse_dockerfile(&dockerfile);
    assert_eq!(stages.len(), 2, "a build stage and a runtime stage");
    let (build, runtime) = (&stages[0], &stages[1]);
    let build_name = build.name.clone().expect("the build stage is named");
    let allowed = context_allowlist();

    // --- The build stage, replayed in target/docker-replay/build (its target/ kept).
    let replay = repo().join("target/docker-replay");
    let build_root = replay.join("build");
    std::fs::create_dir_all(&build_root).expect("replay folder");
    for entry in std::fs::read_dir(&build_root).expect("read replay") {
        let path = entry.expect("entry").path();
        if path.file_name().is_some_and(|n| n != "target") {
            if path.is_dir() {
                std::fs::remove_dir_all(&path).expect("clean");
            } else {
                std::fs::remove_file(&path).expect("clean");
            }
        }
    }
    let build_workdir = build
        .last("WORKDIR")
        .expect("the build stage has a WORKDIR")
        .to_string();
    for args in build.all("COPY") {
        let (from, sources, dst) = copy_args(args);
        assert!(from.is_none(), "the build stage copies from the context only");
        for source in &sources {
            let top = source.trim_end_matches('/').split('/').next().unwrap_or_default();
            assert!(
                allowed.iter().any(|a| a == top),
                "COPY {source}: .dockerignore keeps it out of the build context"
            );
            let target = build_root.join(inside_workdir(&build_workdir, &dst));
            let target = if dst.ends_with('/') || sources.len() > 1 {
                target.join(Path::new(source).file_name().expect("a name"))
            } else {
                target
            };
            copy_tree(&repo().join(source), &target);
        }
    }
    let runs: Vec<&str> = build.all("RUN").collect();
    assert!(
        runs.iter().any(|r| r.contains("cargo build --release --locked")),
        "the build stage builds the release binary: {runs:?}"
    );
    for run in runs {
        sh(run, &build_root);
    }

    // --- The runtime stage's layout under a scratch root.
    let root = replay.join("runtime");
    if root.exists() {
        std::fs::remove_dir_all(&root).expect("clean runtime root");
    }
    std::fs::create_dir_all(&root).expect("runtime root");
    let workdir = runtime
        .last("WORKDIR")
        .expect("the runtime stage has a WORKDIR")
        .to_string();
    std::fs::create_dir_all(root.join(in_workdir("/", &workdir))).expect("WORKDIR");
    for args in runtime.all("COPY") {
        let (from, sources, dst) = copy_args(args);
        let target = root.join(in_workdir(&workdir, &dst));
        for source in sources {
            let from_path = match &from {
                Some(stage) => {
                    assert_eq!(stage, &build_name, "copies from the build stage");
                    let inside = Path::new(&source)
                        .strip_prefix(&build_workdir)
                        .expect("copied from the build stage's WORKDIR");
                    build_root.join(inside)
                }
                None => repo().join(&source),
            };
            copy_tree(&from_path, &target);
        }
    }
    // The user the image runs as: created by a RUN line with a fixed uid, named by USER.
    let user = runtime.last("USER").expect("the image does not run as root");
    assert_ne!(user, "root");
    let uid: u32 = runtime
        .all("RUN")
        .flat_map(|run| run.split("&&"))
        .find_map(|command| {
            let words: Vec<&str> = command.split_whitespace().collect();
            if words.first() != Some(&"useradd") || words.last() != Some(&user) {
                return None;
            }
            let at = words.iter().position(|w| *w == "--uid")?;
            words.get(at + 1)?.parse().ok()
        })
        .expect("a RUN line with `useradd --uid N` for the USER");
    assert!(uid >= 1000, "a non-root uid");
    for volume in runtime.all("VOLUME") {
        for path in exec_form(volume) {
            let dir = root.join(in_workdir("/", &path));
            std::fs::create_dir_all(&dir).expect("volume");
            chown(&dir, uid);
        }
    }
    // The scratch root must be traversable by that user, as / is in the image.
    make_readable(&root);
    let env: BTreeMap<String, String> = runtime
        .all("ENV")
        .flat_map(env_pairs)
        .map(|(k, v)| {
            let v = if v.starts_with('/') {
                root.join(in_workdir("/", &v)).display().to_string()
            } else {
                v
            };
            (k, v)
        })
        .collect();
    let entrypoint = exec_form(runtime.last("ENTRYPOINT").expect("ENTRYPOINT"));
    let path = ["usr/local/bin", "usr/bin", "bin"]
        .iter()
        .map(|p| root.join(p).display().to_string())
        .chain(["/usr/bin".to_string(), "/bin".to_string()])
        .collect::<Vec<_>>()
        .join(":");
    let binary = root.join("usr/local/bin").join(&entrypoint[0]);
    assert!(binary.is_file(), "the entry point {} is in the image", entrypoint[0]);
    let run_in_image = |args: &[&str]| {
        let mut command = if is_root() {
            let mut c = Command::new("setpriv");
            c.args([
                format!("--reuid={uid}"),
                format!("--regid={uid}"),
                "--clear-groups".to_string(),
            ])
            .arg(&binary);
            c
        } else {
            Command::new(&binary)
        };
        command
            .args(&entrypoint[1..])
            .args(args)
            .env_clear()
            .envs(&env)
            .env("PATH", &path)
            .current_dir(root.join(in_workdir("/", &workdir)));
        let output = command.output().expect("run the image's kyodo");
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let (ok, stdout, stderr) = run_in_image(&["check-config"]);
    assert!(
        ok && stdout.contains("問題はありません"),
        "check-config in the image: {stdout}{stderr}"
    );
    let (ok, stdout, stderr) = run_in_image(&["report", "--fiscal-year", "2020"]);
    assert!(ok, "report in the image: {stdout}{stderr}");
    assert!(stdout.contains("| 令和2年度 | 1097 | 60 |"), "{stdout}");
    // The database went to the volume, written by the image's user.
    let db = PathBuf::from(env.get("KYODO_DATABASE").expect("KYODO_DATABASE"));
    assert!(db.starts_with(&root), "the database is inside the image's layout");
    let owner = std::os::unix::fs::MetadataExt::uid(&std::fs::metadata(&db).expect("database created"));
    if is_root() {
        assert_eq!(owner, uid, "created by the non-root user");
    }

    // The HEALTHCHECK: Docker runs its CMD as the image's user. On the database the report
    // created, with no bot running, the database is fine and `--bot` is not.
    let healthcheck = runtime.last("HEALTHCHECK").expect("the image declares a HEALTHCHECK");
    let (options, cmd) = healthcheck.split_once("CMD ").expect("HEALTHCHECK [OPTIONS] CMD …");
    for option in ["--interval=", "--timeout=", "--start-period=", "--retries="] {
        assert!(options.contains(option), "HEALTHCHECK sets {option}: {healthcheck}");
    }
    let cmd = exec_form(cmd);
    assert_eq!(cmd[0], entrypoint[0], "the check runs the image's kyodo");
    assert_eq!(cmd[1..], ["health", "--bot"]);
    let args: Vec<&str> = cmd[1..].iter().map(String::as_str).collect();
    let (ok, stdout, stderr) = run_in_image(&args);
    assert!(!ok, "no bot runs here: {stdout}{stderr}");
    assert!(
        stdout.contains("✓ データベース") && stdout.contains("✗ ボット: 動いていません"),
        "{stdout}{stderr}"
    );
    let (ok, stdout, stderr) = run_in_image(&["health"]);
    assert!(ok, "the database alone is healthy: {stdout}{stderr}");
}

/// Whether this test runs as root (then the image's user is taken with `setpriv`).
fn is_root() -> bool {
    let out = Command::new("id").arg("-u").output().expect("id -u");
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}

fn chown(path: &Path, uid: u32) {
    if is_root() {
        std::os::unix::fs::chown(path, Some(uid), Some(uid)).expect("chown");
    }
}

/// World-readable files and traversable folders, like an image's layers.
fn make_readable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path).expect("metadata");
    let mode = meta.permissions().mode();
    let wanted = if meta.is_dir() { mode | 0o755 } else { mode | 0o444 };
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(wanted)).expect("chmod");
    if meta.is_dir() {
        for entry in std::fs::read_dir(path).expect("read folder") {
            make_readable(&entry.expect("entry").path());
        }
    }
}

#[test]
fn the_dockerfile_parser_reads_continuations_stages_and_copy_forms() {
    let stages = parse_dockerfile(
        "# c\nFROM a:1 AS build\nWORKDIR /src\nCOPY x y ./\nRUN one \\\n    && two\nFROM b\nCOPY --from=build /src/t /usr/t\nENV A=1 \\\n    B=\"/d\"\nUSER k\n",
    );
    assert_eq!(stages.len(), 2);
    assert_eq!(stages[0].name.as_deref(), Some("build"));
    assert_eq!(stages[0].last("RUN"), Some("one && two"));
    assert_eq!(
        copy_args(stages[1].last("COPY").expect("copy")),
        (Some("build".into()), vec!["/src/t".into()], "/usr/t".into())
    );
    assert_eq!(
        env_pairs(stages[1].last("ENV").expect("env")),
        vec![("A".into(), "1".into()), ("B".into(), "/d".into())]
    );
}
