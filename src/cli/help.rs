//! The command line in Japanese: clap's help and errors as a Japanese office reads them, and
//! `kyodo help [command]`.
//!
//! clap writes its headings (`Usage`, `Options`), its `-h`/`-V` flags, its notes (`[default: …]`)
//! and its errors in English. `japanese` rewrites the parsed command set with clap's own means —
//! a help template, Japanese headings and usage lines, `-h`/`--help` and `-V`/`--version` of our
//! own, the default, choices and environment variable said in each option's help — and
//! `error_message` renders a `clap::Error` from its kind and context (the unknown word, clap's
//! suggestions — 「もしかして」 — the option and the rule it broke).

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, ArgAction, Command};
use std::ffi::OsString;

/// The help of every command: what it does, how it is written, then its options.
const TEMPLATE: &str = "{before-help}{about-with-newline}\n使い方: {usage}\n\n{all-args}{after-help}";

/// The headings of `{all-args}`.
const COMMANDS: &str = "コマンド";
const OPTIONS: &str = "オプション";
const ARGUMENTS: &str = "引数";

/// How the usage line writes options left out and a subcommand.
const SOME_OPTIONS: &str = "[オプション]";
const A_COMMAND: &str = "<コマンド>";

/// `command` (`Cli::command()`) with every heading, note, flag and usage line in Japanese.
pub fn japanese(command: Command) -> Command {
    let command = command
        .disable_help_subcommand(true)
        .disable_version_flag(true)
        .arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .help("kyodo の版（バージョン）を表示する")
                .help_heading(OPTIONS),
        )
        .after_help("コマンドごとの使い方: kyodo help <コマンド>（または kyodo <コマンド> --help）");
    localise(command, "kyodo")
}

/// One command and its subcommands, `path` the words that call it (`kyodo report`).
fn localise(command: Command, path: &str) -> Command {
    let command = command
        .help_template(TEMPLATE)
        .subcommand_help_heading(COMMANDS)
        .subcommand_value_name("コマンド")
        .disable_help_flag(true)
        .arg(
            Arg::new("help")
                .short('h')
                .long("help")
                .action(ArgAction::Help)
                .help("この使い方を表示する")
                .help_heading(OPTIONS),
        )
        .mut_args(explained);
    let usage = usage(&command, path);
    let names: Vec<String> = command.get_subcommands().map(|s| s.get_name().to_string()).collect();
    let mut command = command.override_usage(usage);
    for name in names {
        let sub_path = format!("{path} {name}");
        command = command.mut_subcommand(&name, |sub| localise(sub, &sub_path));
    }
    command
}

/// An option with its heading, and its default, choices and environment variable said in its
/// own help (clap's English notes hidden).
fn explained(arg: Arg) -> Arg {
    if matches!(arg.get_action(), ArgAction::Help | ArgAction::Version) {
        return arg;
    }
    let mut notes = Vec::new();
    let choices: Vec<String> = arg
        .get_possible_values()
        .iter()
        .filter(|v| !v.is_hide_set())
        .map(|v| v.get_name().to_string())
        .collect();
    let takes_value = arg.get_action().takes_values();
    if takes_value && !choices.is_empty() {
        notes.push(format!("選べるもの: {}", choices.join("、")));
    }
    let defaults: Vec<String> = arg
        .get_default_values()
        .iter()
        .map(|v| v.to_string_lossy().into_owned())
        .collect();
    if takes_value && !defaults.is_empty() {
        notes.push(format!("省略すると {}", defaults.join("、")));
    }
    if let Some(env) = arg.get_env() {
        notes.push(format!("環境変数 {} でも指定できます", env.to_string_lossy()));
    }
    let help = arg.get_help().map(ToString::to_string).unwrap_or_default();
    let notes = notes.join("。");
    // Inside the help's parenthesis when it ends with its only one: `（…。省略すると …）`.
    let help = match help.strip_suffix('）') {
        _ if notes.is_empty() => help,
        Some(open) if help.matches('（').count() == 1 => format!("{open}。{notes}）"),
        _ => format!("{help}（{notes}）"),
    };
    let heading = if arg.is_positional() { ARGUMENTS } else { OPTIONS };
    // A value named after its field (clap's default, `<FISCAL_YEAR>`) is English: 「値」 instead.
    let english_name = arg
        .get_value_names()
        .is_some_and(|names| names.iter().any(|n| n.as_str().is_ascii()));
    let arg = if english_name && takes_value {
        arg.value_name("値")
    } else {
        arg
    };
    let arg = arg.help(help).help_heading(heading).hide_env(true);
    if takes_value {
        arg.hide_possible_values(true).hide_default_value(true)
    } else {
        arg
    }
}

/// How an argument is written in a usage line: `--fiscal-year <年度>`, `<ファイル>`.
fn written(arg: &Arg) -> String {
    let value = arg
        .get_value_names()
        .and_then(|names| names.first())
        .map_or_else(|| arg.get_id().to_string(), ToString::to_string);
    match arg.get_long() {
        Some(long) if arg.get_action().takes_values() => format!("--{long} <{value}>"),
        Some(long) => format!("--{long}"),
        None => format!("<{value}>"),
    }
}

/// `kyodo report [オプション] --fiscal-year <年度>`: the command's words, `[オプション]` when it
/// has options that may be left out, each required option, each argument, `<コマンド>`.
fn usage(command: &Command, path: &str) -> String {
    let shown = |a: &&Arg| !a.is_hide_set() && !matches!(a.get_action(), ArgAction::Help | ArgAction::Version);
    let mut parts = vec![path.to_string()];
    if command
        .get_arguments()
        .filter(shown)
        .any(|a| !a.is_positional() && !a.is_required_set())
    {
        parts.push(SOME_OPTIONS.to_string());
    }
    for arg in command.get_arguments().filter(shown).filter(|a| !a.is_positional()) {
        if arg.is_required_set() {
            parts.push(written(arg));
        }
    }
    for arg in command.get_positionals().filter(|a| !a.is_hide_set()) {
        let word = written(arg);
        parts.push(if arg.is_required_set() {
            word
        } else {
            format!("[{}]", word.trim_start_matches('<').trim_end_matches('>'))
        });
    }
    if command.has_subcommands() {
        parts.push(A_COMMAND.to_string());
    }
    parts.join(" ")
}

/// The words a context value holds (`--fiscal-year <年度>`, `report`).
fn words(value: Option<&ContextValue>) -> Vec<String> {
    match value {
        Some(ContextValue::String(s)) => vec![s.clone()],
        Some(ContextValue::Strings(v)) => v.clone(),
        Some(ContextValue::StyledStr(s)) => vec![s.to_string()],
        Some(ContextValue::StyledStrs(v)) => v.iter().map(ToString::to_string).collect(),
        Some(ContextValue::Number(n)) => vec![n.to_string()],
        _ => Vec::new(),
    }
}

/// The subcommand `args` call (the first word that names one), for the usage an error shows.
fn called<'a>(command: &'a Command, args: &[OsString]) -> (&'a Command, String) {
    let found = args
        .iter()
        .skip(1)
        .filter_map(|a| a.to_str())
        .find_map(|word| command.find_subcommand(word));
    match found {
        Some(sub) => (sub, format!("kyodo {}", sub.get_name())),
        None => (command, "kyodo".to_string()),
    }
}

/// `error` in Japanese: what was wrong, with clap's suggestion (「もしかして」) where it has one,
/// then the usage of the command it is about and where to read more. `command` is `japanese`'s.
pub fn error_message(error: &clap::Error, command: &Command, args: &[OsString]) -> String {
    let (sub, path) = called(command, args);
    let get = |kind| words(error.get(kind));
    let first = |kind| get(kind).into_iter().next().unwrap_or_default();
    // clap lists its suggestions from the least likely: the likeliest first.
    let maybe = |suggested: Vec<String>| {
        if suggested.is_empty() {
            String::new()
        } else {
            let likeliest: Vec<String> = suggested.into_iter().rev().collect();
            format!("もしかして: {}？ ", likeliest.join("、"))
        }
    };
    let message = match error.kind() {
        ErrorKind::InvalidSubcommand => {
            let names: Vec<&str> = sub.get_subcommands().map(Command::get_name).collect();
            format!(
                "「{}」というコマンドはありません。{}使えるもの: {}",
                first(ContextKind::InvalidSubcommand),
                maybe(get(ContextKind::SuggestedSubcommand)),
                names.join("、")
            )
        }
        ErrorKind::UnknownArgument => {
            let given = first(ContextKind::InvalidArg);
            let suggested: Vec<String> = get(ContextKind::SuggestedArg)
                .into_iter()
                .chain(get(ContextKind::SuggestedSubcommand))
                .collect();
            if given.starts_with('-') {
                format!("{path} に「{given}」というオプションはありません。{}", maybe(suggested))
            } else {
                format!(
                    "「{given}」は使えません（値はオプションの後に書きます。例: --fiscal-year 2020）。{}",
                    maybe(suggested)
                )
            }
        }
        ErrorKind::InvalidValue => {
            let (option, value) = (first(ContextKind::InvalidArg), first(ContextKind::InvalidValue));
            let valid = get(ContextKind::ValidValue);
            if value.is_empty() {
                format!("{option} の値を書いてください。選べるもの: {}", valid.join("、"))
            } else {
                format!(
                    "{option} に「{value}」は使えません。{}選べるもの: {}",
                    maybe(get(ContextKind::SuggestedValue)),
                    valid.join("、")
                )
            }
        }
        ErrorKind::ValueValidation => {
            let option = first(ContextKind::InvalidArg);
            let rule = std::error::Error::source(error).map_or_else(String::new, ToString::to_string);
            format!("{option}: {rule}")
        }
        ErrorKind::MissingRequiredArgument => format!(
            "{} を指定してください（必須です）",
            get(ContextKind::InvalidArg).join("、")
        ),
        ErrorKind::MissingSubcommand => format!("{path} の後にコマンドを書いてください"),
        ErrorKind::ArgumentConflict => format!(
            "{} と {} は一緒に使えません",
            first(ContextKind::InvalidArg),
            get(ContextKind::PriorArg).join("、")
        ),
        ErrorKind::TooManyValues | ErrorKind::WrongNumberOfValues => format!(
            "{} は1回、値を1つだけ書いてください{}",
            first(ContextKind::InvalidArg),
            match first(ContextKind::InvalidValue) {
                v if v.is_empty() => String::new(),
                v => format!("（「{v}」は余分です）"),
            }
        ),
        ErrorKind::TooFewValues | ErrorKind::NoEquals => {
            format!("{} の値を書いてください", first(ContextKind::InvalidArg))
        }
        ErrorKind::InvalidUtf8 => "引数に UTF-8 として読めない文字があります。入力し直してください".to_string(),
        _ => {
            tracing::info!(error = %error, "command line not read");
            "コマンドラインを読めませんでした".to_string()
        }
    };
    format!(
        "エラー: {}\n\n使い方: {}\n詳しくは: {path} --help",
        message.trim_end(),
        usage(sub, &path)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Command {
        japanese(
            Command::new("kyodo")
                .version("1.0")
                .about("概要")
                .arg(
                    Arg::new("db")
                        .long("db")
                        .value_name("ファイル")
                        .help("データベース")
                        .default_value("data/kyodo.sqlite3")
                        .global(true),
                )
                .subcommand(
                    Command::new("report")
                        .about("年次報告")
                        .arg(
                            Arg::new("fiscal-year")
                                .long("fiscal-year")
                                .value_name("年度")
                                .required(true)
                                .help("年度"),
                        )
                        .arg(
                            Arg::new("format")
                                .long("format")
                                .value_name("形式")
                                .value_parser(["markdown", "csv"])
                                .default_value("markdown")
                                .help("形式"),
                        ),
                ),
        )
    }

    fn run(args: &[&str]) -> Result<(), String> {
        let command = sample();
        let args: Vec<OsString> = args.iter().map(OsString::from).collect();
        command
            .clone()
            .try_get_matches_from(&args)
            .map(|_| ())
            .map_err(|e| match e.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => e.to_string(),
                _ => error_message(&e, &command, &args),
            })
    }

    #[test]
    fn help_has_japanese_headings_usage_and_notes() {
        let help = run(&["kyodo", "report", "--help"]).expect_err("help");
        assert!(
            help.starts_with("年次報告\n\n使い方: kyodo report [オプション] --fiscal-year <年度>\n"),
            "{help}"
        );
        assert!(help.contains("オプション:\n"), "{help}");
        assert!(
            help.contains("形式（選べるもの: markdown、csv。省略すると markdown）"),
            "{help}"
        );
        assert!(help.contains("-h, --help"), "{help}");
        for english in ["Usage", "Options", "Print", "default:", "possible values"] {
            assert!(!help.contains(english), "{english} in {help}");
        }
        let top = run(&["kyodo", "-h"]).expect_err("help");
        assert!(top.contains("コマンド:\n  report"), "{top}");
        assert!(top.contains("-V, --version"), "{top}");
        assert!(top.contains("使い方: kyodo [オプション] <コマンド>"), "{top}");
    }

    #[test]
    fn errors_say_what_and_suggest() {
        assert_eq!(
            run(&["kyodo", "reprot"]),
            Err("エラー: 「reprot」というコマンドはありません。もしかして: report？ 使えるもの: report\n\n使い方: kyodo [オプション] <コマンド>\n詳しくは: kyodo --help".into())
        );
        let e = run(&["kyodo", "report", "--fiscal-year", "2020", "--format", "pdf"]).expect_err("refused");
        assert!(
            e.starts_with("エラー: --format <形式> に「pdf」は使えません。選べるもの: markdown、csv\n"),
            "{e}"
        );
        let e = run(&["kyodo", "report", "--fiscal", "2020"]).expect_err("refused");
        assert!(
            e.starts_with(
                "エラー: kyodo report に「--fiscal」というオプションはありません。もしかして: --fiscal-year？"
            ),
            "{e}"
        );
        let e = run(&["kyodo", "report"]).expect_err("refused");
        assert!(
            e.starts_with("エラー: --fiscal-year <年度> を指定してください（必須です）\n"),
            "{e}"
        );
        assert!(
            e.contains("使い方: kyodo report [オプション] --fiscal-year <年度>"),
            "{e}"
        );
    }
}
