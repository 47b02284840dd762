//! Writing files all or nothing: every file kyodo writes (exports, reports, charts, backups, the
//! console's saved files) is written to a temporary file in the same folder, flushed and fsynced,
//! then given its name, and the folder is fsynced. A failure removes the temporary file, so
//! nothing half-written is ever left under the name the user asked for.
//!
//! "Never overwrite" ([`Overwrite::No`]) is kept by publishing with a hard link, which fails
//! if the name exists, instead of a rename, which would replace it; the temporary name is then
//! removed. Where the file system has no hard links (FAT, some network shares) the name is
//! reserved with an exclusive create and the finished file renamed over that reservation.
//!
//! Every failure is a [`FileError`] whose Display is a Japanese sentence naming the file and
//! saying what to do; the OS's own text goes to the log (`tracing`, level info), never to the user.

use std::ffi::OsString;
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, ErrorKind, Write};
use std::path::{Path, PathBuf};

/// Whether a file that already has the name may be replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overwrite {
    /// Refuse if the name exists (kyodo's exports, reports and backups).
    No,
    /// Replace it atomically (rename over it).
    Yes,
}

/// Why a file was not written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    /// The file that was to be written, as the user named it.
    pub path: PathBuf,
    pub problem: Problem,
    /// A temporary file that could not be removed after the failure (normally `None`).
    pub left_behind: Option<PathBuf>,
}

/// What went wrong, for the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// A file (or folder) with that name exists and overwriting was not asked for.
    Exists,
    /// The folder does not exist.
    NoFolder(PathBuf),
    /// Part of the folder's path is a file, not a folder.
    NotAFolder(PathBuf),
    /// No permission to write in the folder.
    Permission(PathBuf),
    /// The folder is on a read-only file system.
    ReadOnly(PathBuf),
    /// The path names a folder, not a file (ends in `/`, `..`).
    NoFileName,
    /// No space left on the device (ENOSPC).
    DiskFull,
    /// The user's disk quota is used up (EDQUOT).
    Quota,
    /// The file would exceed the file-size limit (EFBIG, `ulimit -f`).
    TooLarge,
    /// Every numbered variant of the name (`name-2` … `name-999`) exists (the console).
    TooManyNames,
    /// Any other failure of the system (details in the log).
    Failed,
}

impl FileError {
    fn new(path: &Path, problem: Problem) -> FileError {
        FileError {
            path: path.to_path_buf(),
            problem,
            left_behind: None,
        }
    }

    /// Classifies an OS error met while writing `path` in folder `dir`, and logs its details.
    pub fn from_io(path: &Path, dir: &Path, error: &io::Error) -> FileError {
        tracing::info!(path = %path.display(), %error, "writing a file failed");
        let dir = dir.to_path_buf();
        let problem = match error.kind() {
            ErrorKind::AlreadyExists => Problem::Exists,
            ErrorKind::NotFound => Problem::NoFolder(dir),
            ErrorKind::NotADirectory => Problem::NotAFolder(dir),
            ErrorKind::PermissionDenied => Problem::Permission(dir),
            ErrorKind::ReadOnlyFilesystem => Problem::ReadOnly(dir),
            ErrorKind::StorageFull => Problem::DiskFull,
            ErrorKind::QuotaExceeded => Problem::Quota,
            ErrorKind::FileTooLarge => Problem::TooLarge,
            _ => Problem::Failed,
        };
        FileError::new(path, problem)
    }

    /// Whether the name was taken (the one failure where another name may succeed).
    pub fn is_exists(&self) -> bool {
        self.problem == Problem::Exists
    }
}

/// A folder for messages: `backup/`, `./` for the working directory.
struct Folder<'a>(&'a Path);

impl fmt::Display for Folder<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.0.display().to_string();
        match text.as_str() {
            "" => write!(f, "./"),
            t if t.ends_with('/') || t.ends_with(std::path::MAIN_SEPARATOR) => write!(f, "{t}"),
            t => write!(f, "{t}/"),
        }
    }
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = self.path.display();
        // Said of a failure while writing: whether the temporary file could be removed.
        let residue = match &self.left_behind {
            None => "（書きかけのファイルは残していません）".to_string(),
            Some(temp) => format!(
                "（書きかけの一時ファイル {} を消せなかったので、手で消してください）",
                temp.display()
            ),
        };
        match &self.problem {
            Problem::Exists => write!(
                f,
                "{file} はすでにあります（上書きはしません）。別の名前を指定するか、要らなければ消してからもう一度実行してください"
            ),
            Problem::NoFolder(dir) => write!(
                f,
                "フォルダ {} がありません。作成してからもう一度実行してください（{file} は書き出していません）",
                Folder(dir)
            ),
            Problem::NotAFolder(dir) => write!(
                f,
                "{} はフォルダではありません（途中に同じ名前のファイルがあります）。書き出す場所を確かめてからもう一度実行してください（{file} は書き出していません）",
                Folder(dir)
            ),
            Problem::Permission(dir) => write!(
                f,
                "フォルダ {} に書き込む権限がないため {file} を書き出せませんでした。書き込めるフォルダを指定するか、権限を付けてからもう一度実行してください",
                Folder(dir)
            ),
            Problem::ReadOnly(dir) => write!(
                f,
                "フォルダ {} は読み取り専用の場所にあるため {file} を書き出せませんでした。書き込めるフォルダを指定してもう一度実行してください",
                Folder(dir)
            ),
            Problem::NoFileName => write!(
                f,
                "{file} はフォルダを指しています。ファイルの名前まで指定してもう一度実行してください"
            ),
            Problem::DiskFull => write!(
                f,
                "ディスクがいっぱいで {file} を書き出せませんでした{residue}。空きを作ってからもう一度実行してください"
            ),
            Problem::Quota => write!(
                f,
                "ディスクの使用量の上限（クォータ）に達したため {file} を書き出せませんでした{residue}。要らないファイルを消すか上限を上げてもらってから、もう一度実行してください"
            ),
            Problem::TooLarge => write!(
                f,
                "{file} がファイルの大きさの上限を超えるため書き出せませんでした{residue}。上限（ulimit -f）を上げるか、別の場所に書き出してください"
            ),
            Problem::TooManyNames => write!(
                f,
                "{file} と同じ名前に番号を付けたファイルが999個まであります。要らないファイルを消すか、別のフォルダを指定してください"
            ),
            Problem::Failed => write!(
                f,
                "{file} を書き出せませんでした{residue}。ディスクと書き出す場所を確かめてからもう一度実行してください（原因は RUST_LOG=info を付けて実行するとログに出ます）"
            ),
        }
    }
}

impl std::error::Error for FileError {}

/// Writes `bytes` to `path` all or nothing: a temporary file in the same folder, flushed and
/// fsynced, then named `path`; never over an existing file unless `overwrite` is `Yes`.
pub fn write_atomic(path: &Path, bytes: &[u8], overwrite: Overwrite) -> Result<(), FileError> {
    let mut temp = TempFile::create(path, overwrite)?;
    temp.write_all(bytes)?;
    temp.commit()
}

/// Gives the file `from` the name `to` unless a file has that name (never replaces one), and
/// fsyncs the folder.
pub fn rename_new(from: &Path, to: &Path) -> Result<(), FileError> {
    let dir = parent_of(to);
    publish_new(from, to).map_err(|e| FileError::from_io(to, dir, &e))?;
    sync_folder(dir);
    Ok(())
}

/// Makes the folder `dir` (one level, like `mkdir`) unless it exists, so that `file` can be
/// written in it. A missing parent is reported, not created: a mistyped path is not built.
pub fn ensure_folder(dir: &Path, file: &Path) -> Result<(), FileError> {
    if dir.is_dir() {
        return Ok(());
    }
    match std::fs::create_dir(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::AlreadyExists && dir.is_dir() => Ok(()),
        Err(e) if e.kind() == ErrorKind::AlreadyExists => Err(FileError::new(file, Problem::NotAFolder(dir.into()))),
        Err(e) => Err(FileError::from_io(file, parent_of(dir), &e)),
    }
}

/// The folder a path is in (`.` for a bare name).
fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// A temporary file beside its target, removed unless [`TempFile::commit`] gives it its name.
///
/// `kyodo backup` lets SQLite fill it (`VACUUM INTO` its [`path`](TempFile::path)); every other
/// writer uses [`write_all`](TempFile::write_all).
pub struct TempFile {
    target: PathBuf,
    dir: PathBuf,
    temp: PathBuf,
    file: Option<File>,
    overwrite: Overwrite,
    /// Set once the temporary name is gone (published or removed).
    done: bool,
}

impl TempFile {
    /// Creates an empty temporary file in `target`'s folder. Refuses at once if `target` exists
    /// and `overwrite` is `No` (checked again, atomically, at [`commit`](TempFile::commit)).
    pub fn create(target: &Path, overwrite: Overwrite) -> Result<TempFile, FileError> {
        let Some(name) = target
            .file_name()
            .filter(|_| !target.as_os_str().to_string_lossy().ends_with('/'))
        else {
            return Err(FileError::new(target, Problem::NoFileName));
        };
        let dir = parent_of(target).to_path_buf();
        if overwrite == Overwrite::No && target.symlink_metadata().is_ok() {
            return Err(FileError::new(target, Problem::Exists));
        }
        let mut attempt = 0u32;
        loop {
            let mut temp_name = OsString::from(".");
            temp_name.push(name);
            temp_name.push(format!(".kyodo-{}-{attempt}.tmp", std::process::id()));
            let temp = dir.join(temp_name);
            match OpenOptions::new().write(true).create_new(true).open(&temp) {
                Ok(file) => {
                    return Ok(TempFile {
                        target: target.to_path_buf(),
                        dir,
                        temp,
                        file: Some(file),
                        overwrite,
                        done: false,
                    })
                }
                Err(e) if e.kind() == ErrorKind::AlreadyExists && attempt < 100 => attempt += 1,
                Err(e) => return Err(FileError::from_io(target, &dir, &e)),
            }
        }
    }

    /// The temporary file's path (in the target's folder).
    pub fn path(&self) -> &Path {
        &self.temp
    }

    /// Closes the handle opened by `create`, for a writer that opens the path itself (SQLite).
    pub fn close(&mut self) {
        self.file = None;
    }

    /// Appends `bytes`; on failure the temporary file is removed and the error says why.
    pub fn write_all(&mut self, bytes: &[u8]) -> Result<(), FileError> {
        let result = match &mut self.file {
            Some(file) => file.write_all(bytes),
            None => OpenOptions::new()
                .append(true)
                .open(&self.temp)
                .and_then(|mut file| file.write_all(bytes)),
        };
        result.map_err(|e| self.fail(&e))
    }

    /// Removes the temporary file and returns the error for `error`, met while writing it.
    pub fn fail(&mut self, error: &io::Error) -> FileError {
        let mut e = FileError::from_io(&self.target, &self.dir, error);
        e.left_behind = self.discard();
        e
    }

    /// The error for a failure with no OS error to classify (logged by the caller).
    pub fn fail_with(&mut self, problem: Problem) -> FileError {
        let mut e = FileError::new(&self.target, problem);
        e.left_behind = self.discard();
        e
    }

    /// Flushes and fsyncs the file, gives it its name, and fsyncs the folder.
    pub fn commit(mut self) -> Result<(), FileError> {
        let synced = match self.file.take() {
            Some(file) => file.sync_all(),
            None => OpenOptions::new()
                .write(true)
                .open(&self.temp)
                .and_then(|f| f.sync_all()),
        };
        if let Err(e) = synced {
            return Err(self.fail(&e));
        }
        let published = match self.overwrite {
            Overwrite::Yes => std::fs::rename(&self.temp, &self.target),
            Overwrite::No => publish_new(&self.temp, &self.target),
        };
        if let Err(e) = published {
            return Err(self.fail(&e));
        }
        self.done = true;
        sync_folder(&self.dir);
        Ok(())
    }

    /// Removes the temporary file; returns its path if that failed.
    fn discard(&mut self) -> Option<PathBuf> {
        if self.done {
            return None;
        }
        self.file = None;
        self.done = true;
        match std::fs::remove_file(&self.temp) {
            Ok(()) => None,
            Err(e) if e.kind() == ErrorKind::NotFound => None,
            Err(e) => {
                tracing::error!(temp = %self.temp.display(), error = %e, "could not remove a temporary file");
                Some(self.temp.clone())
            }
        }
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        self.discard();
    }
}

/// Gives the finished `temp` the name `target` unless `target` exists: a hard link (atomic,
/// fails if the name is taken), then the temporary name removed. Where hard links are not
/// supported, reserves `target` with an exclusive create and renames over the reservation.
fn publish_new(temp: &Path, target: &Path) -> io::Result<()> {
    match std::fs::hard_link(temp, target) {
        Ok(()) => {
            if let Err(e) = std::fs::remove_file(temp) {
                // The file is complete under its name; only the extra name is left.
                tracing::warn!(temp = %temp.display(), error = %e, "could not remove the temporary name");
            }
            Ok(())
        }
        // Linux answers EPERM for file systems without links (FAT), others ENOTSUP.
        Err(e) if matches!(e.kind(), ErrorKind::PermissionDenied | ErrorKind::Unsupported) => {
            tracing::info!(error = %e, "no hard links here; reserving the name instead");
            publish_by_reservation(temp, target)
        }
        Err(e) => Err(e),
    }
}

/// Reserves `target` (exclusive create, fails if it exists), then renames `temp` over it.
fn publish_by_reservation(temp: &Path, target: &Path) -> io::Result<()> {
    OpenOptions::new().write(true).create_new(true).open(target)?;
    std::fs::rename(temp, target).inspect_err(|_| {
        let _ = std::fs::remove_file(target);
    })
}

/// Fsyncs a folder so that a new name in it survives a power cut (Unix; a no-op elsewhere).
fn sync_folder(dir: &Path) {
    #[cfg(unix)]
    if let Err(e) = File::open(dir).and_then(|d| d.sync_all()) {
        tracing::warn!(dir = %dir.display(), error = %e, "could not fsync the folder");
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .expect("read dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_new_file_is_written_whole_and_nothing_else_is_left() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("out.csv");
        write_atomic(&path, b"a,b\n1,2\n", Overwrite::No).expect("written");
        assert_eq!(std::fs::read(&path).expect("read"), b"a,b\n1,2\n");
        assert_eq!(names(dir.path()), ["out.csv"]);
    }

    #[test]
    fn an_existing_file_is_kept_unless_overwrite_is_asked() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("out.csv");
        std::fs::write(&path, b"old").expect("old");
        let e = write_atomic(&path, b"new", Overwrite::No).expect_err("refused");
        assert_eq!(e.problem, Problem::Exists);
        assert!(e.to_string().contains("すでにあります"), "{e}");
        assert_eq!(std::fs::read(&path).expect("read"), b"old");
        write_atomic(&path, b"new", Overwrite::Yes).expect("replaced");
        assert_eq!(std::fs::read(&path).expect("read"), b"new");
        assert_eq!(names(dir.path()), ["out.csv"]);
    }

    #[test]
    fn a_name_taken_after_the_check_is_not_clobbered() {
        // The race the hard link closes: the name appears while the file is being written.
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("out.csv");
        let mut temp = TempFile::create(&path, Overwrite::No).expect("temp");
        temp.write_all(b"mine").expect("write");
        std::fs::write(&path, b"theirs").expect("theirs");
        let e = temp.commit().expect_err("refused");
        assert_eq!(e.problem, Problem::Exists);
        assert_eq!(e.left_behind, None);
        assert_eq!(std::fs::read(&path).expect("read"), b"theirs");
        assert_eq!(names(dir.path()), ["out.csv"]);
    }

    #[test]
    fn the_reservation_fallback_publishes_and_never_clobbers() {
        let dir = tempfile::tempdir().expect("temp dir");
        let temp = dir.path().join(".t.tmp");
        let target = dir.path().join("t.csv");
        std::fs::write(&temp, b"whole").expect("temp");
        publish_by_reservation(&temp, &target).expect("published");
        assert_eq!(std::fs::read(&target).expect("read"), b"whole");
        assert_eq!(names(dir.path()), ["t.csv"]);
        std::fs::write(&temp, b"second").expect("temp");
        let e = publish_by_reservation(&temp, &target).expect_err("refused");
        assert_eq!(e.kind(), ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&target).expect("read"), b"whole");
    }

    #[test]
    fn a_dropped_temporary_file_is_removed() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut temp = TempFile::create(&dir.path().join("x.png"), Overwrite::No).expect("temp");
        temp.write_all(b"half").expect("write");
        assert_eq!(names(dir.path()).len(), 1);
        drop(temp);
        assert!(names(dir.path()).is_empty());
    }

    #[test]
    fn a_missing_folder_and_a_folder_path_have_their_messages() {
        let dir = tempfile::tempdir().expect("temp dir");
        let missing = dir.path().join("backup");
        let e = write_atomic(&missing.join("kyodo.sqlite3"), b"x", Overwrite::No).expect_err("no folder");
        assert_eq!(e.problem, Problem::NoFolder(missing.clone()));
        assert_eq!(
            e.to_string(),
            format!(
                "フォルダ {}/ がありません。作成してからもう一度実行してください（{}/kyodo.sqlite3 は書き出していません）",
                missing.display(),
                missing.display()
            )
        );
        let e = write_atomic(&dir.path().join("sub/"), b"x", Overwrite::No).expect_err("a folder");
        assert_eq!(e.problem, Problem::NoFileName);
        let file = dir.path().join("plain");
        std::fs::write(&file, b"").expect("file");
        let e = write_atomic(&file.join("x.csv"), b"x", Overwrite::No).expect_err("not a folder");
        assert_eq!(e.problem, Problem::NotAFolder(file));
    }

    #[test]
    fn every_problem_says_what_to_do_in_japanese_without_os_text() {
        let path = Path::new("exports/kyodo-2026.xlsx");
        let dir = PathBuf::from("exports");
        for (problem, words) in [
            (Problem::Exists, "上書きはしません"),
            (Problem::NoFolder(dir.clone()), "フォルダ exports/ がありません。作成してから"),
            (Problem::NotAFolder(dir.clone()), "フォルダではありません"),
            (Problem::Permission(dir.clone()), "書き込む権限がない"),
            (Problem::ReadOnly(dir.clone()), "読み取り専用"),
            (Problem::NoFileName, "ファイルの名前まで"),
            (Problem::DiskFull, "ディスクがいっぱいで exports/kyodo-2026.xlsx を書き出せませんでした（書きかけのファイルは残していません）。空きを作ってから"),
            (Problem::Quota, "クォータ"),
            (Problem::TooLarge, "大きさの上限"),
            (Problem::TooManyNames, "999個"),
            (Problem::Failed, "書き出せませんでした"),
        ] {
            let message = FileError::new(path, problem.clone()).to_string();
            assert!(message.contains(words), "{message}");
            let left = FileError {
                left_behind: Some(PathBuf::from("exports/.kyodo-2026.xlsx.kyodo-1-0.tmp")),
                ..FileError::new(path, problem)
            }
            .to_string();
            assert!(!left.contains("残していません"), "{left}");
            assert!(message.contains("kyodo-2026.xlsx") || message.contains("exports/"), "{message}");
            assert!(!message.contains("os error"), "{message}");
        }
        let kinds = [
            (28, Problem::DiskFull),
            (122, Problem::Quota),
            (27, Problem::TooLarge),
            (13, Problem::Permission(dir.clone())),
            (30, Problem::ReadOnly(dir.clone())),
            (2, Problem::NoFolder(dir.clone())),
            (5, Problem::Failed),
        ];
        #[cfg(target_os = "linux")]
        for (errno, problem) in kinds {
            let e = FileError::from_io(path, &dir, &io::Error::from_raw_os_error(errno));
            assert_eq!(e.problem, problem, "errno {errno}");
        }
        #[cfg(not(target_os = "linux"))]
        let _ = kinds;
    }
}
