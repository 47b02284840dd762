//! Health, as facts: whether the database's schema is the one this kyodo knows, and whether the
//! running bot is well, read from the heartbeat `kyodo run` keeps in the database.
//!
//! Pure: given what was read and "now", which facts hold, each a Japanese line that says what to
//! do when it does not. `kyodo health` prints them (and fails on a ✗), `/admin status` shows the
//! bot's, both through [`bot_facts`].

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// How often the running bot writes its heartbeat (and at once on a gateway change).
pub const HEARTBEAT_EVERY: Duration = Duration::seconds(30);
/// A heartbeat older than this means the bot hung or was killed.
pub const HEARTBEAT_LIMIT: Duration = Duration::minutes(2);
/// The scheduler's loop passes at least once a minute; longer ago than this, it is stuck.
pub const SCHEDULER_LIMIT: Duration = Duration::minutes(5);

/// What `kyodo run` keeps in the database about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Heartbeat {
    pub pid: u32,
    pub started_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Set when the bot stopped; `None` while it runs.
    pub stopped: Option<Stopped>,
    pub gateway: Gateway,
    pub scheduler: Scheduler,
}

/// How the bot stopped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stopped {
    pub at: DateTime<Utc>,
    /// Asked to (SIGTERM, Ctrl-C) rather than ended by the gateway failing for good.
    pub asked: bool,
}

/// The gateway connection and since when it has been so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gateway {
    pub connected: bool,
    pub since: DateTime<Utc>,
}

/// The scheduler's loop: whether it runs (it needs a report channel) and when it last passed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scheduler {
    pub enabled: bool,
    pub last_pass: Option<DateTime<Utc>>,
}

/// One fact checked: a line with ✓ or ✗.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    pub ok: bool,
    pub text: String,
}

impl Fact {
    fn ok(text: impl Into<String>) -> Fact {
        Fact {
            ok: true,
            text: text.into(),
        }
    }

    fn bad(text: impl Into<String>) -> Fact {
        Fact {
            ok: false,
            text: text.into(),
        }
    }

    /// `✓ …` or `✗ …`.
    pub fn line(&self) -> String {
        format!("{} {}", if self.ok { "✓" } else { "✗" }, self.text)
    }
}

/// Whether every fact holds.
pub fn all_ok(facts: &[Fact]) -> bool {
    facts.iter().all(|f| f.ok)
}

/// The database `name` could be opened and its schema is `found`; this kyodo knows up to `known`.
pub fn schema_fact(name: &str, found: usize, known: usize) -> Fact {
    use std::cmp::Ordering;
    match found.cmp(&known) {
        Ordering::Equal => Fact::ok(format!("データベース {name}: 開けます（スキーマ {found}、この kyodo と同じ）")),
        Ordering::Less => Fact::bad(format!(
            "データベース {name}: スキーマ {found} は古い版です（この kyodo はスキーマ {known}）。kyodo run を起動すると更新されます"
        )),
        Ordering::Greater => Fact::bad(format!(
            "データベース {name}: スキーマ {found} はこの kyodo（スキーマ {known} まで）より新しい版で作られています。新しい版の kyodo を使ってください"
        )),
    }
}

/// The database file `name` does not exist.
pub fn missing_fact(name: &str) -> Fact {
    Fact::bad(format!(
        "データベース {name}: ファイルがありません。KYODO_DATABASE（または --db）が kyodo run と同じファイルを指しているか確かめてください（初めてなら kyodo run を起動すると作られます）"
    ))
}

/// The database file `name` exists but could not be read as one.
pub fn unreadable_fact(name: &str) -> Fact {
    Fact::bad(format!(
        "データベース {name}: 開けません（SQLite のデータベースではないか、読む権限がありません）。ファイルとその権限を確かめてください"
    ))
}

/// The heartbeat is in the database but could not be read.
pub fn unreadable_heartbeat() -> Fact {
    Fact::bad("ボット: 心拍の記録（meta の bot_heartbeat）が読めません。kyodo run を起動し直すと書き直されます")
}

/// The facts about the bot at `now`, from its heartbeat (`None`: no bot ever ran on this
/// database). With `require_running` (`kyodo health --bot`), a bot that is not running is a ✗;
/// without, only a bot that should be running and is not well is.
pub fn bot_facts(heartbeat: Option<&Heartbeat>, now: DateTime<Utc>, require_running: bool) -> Vec<Fact> {
    let start_it = "kyodo run で起動してください";
    let Some(beat) = heartbeat else {
        let text = "ボット: 動いていません（このデータベースで kyodo run が動いた記録はありません）";
        return vec![if require_running {
            Fact::bad(format!(
                "{text}。{start_it}（KYODO_DATABASE が kyodo run と同じファイルか確かめてください）"
            ))
        } else {
            Fact::ok(text)
        }];
    };
    if let Some(stopped) = &beat.stopped {
        let how = if stopped.asked {
            "停止の指示（SIGTERM か Ctrl-C）で止まりました"
        } else {
            "Discord との接続が終わったため止まりました。ログを確かめてください"
        };
        let text = format!("ボット: 停止しています（{}前、{how}）", ago(now, stopped.at));
        return vec![if require_running {
            Fact::bad(format!("{text}。{start_it}"))
        } else {
            Fact::ok(text)
        }];
    }
    let age = now - beat.updated_at;
    if age > HEARTBEAT_LIMIT {
        return vec![Fact::bad(format!(
            "ボット: 心拍が{}前から途絶えています（プロセス {}、{}ごとのはずが{}を超えました）。kyodo run が固まったか強制終了されました: ログを確かめ、kyodo run を起動し直してください",
            ago(now, beat.updated_at),
            beat.pid,
            span(HEARTBEAT_EVERY),
            span(HEARTBEAT_LIMIT)
        ))];
    }
    let mut facts = vec![Fact::ok(format!(
        "ボット: 動いています（プロセス {}、{}前に起動、心拍は{}前）",
        beat.pid,
        ago(now, beat.started_at),
        ago(now, beat.updated_at)
    ))];
    facts.push(if beat.gateway.connected {
        Fact::ok(format!(
            "Discord との接続: つながっています（{}前から）",
            ago(now, beat.gateway.since)
        ))
    } else {
        Fact::bad(format!(
            "Discord との接続: 切れています（{}前から）。kyodo run がつなぎ直しています。続くときはネットワークと Discord の障害情報（discordstatus.com）を確かめてください",
            ago(now, beat.gateway.since)
        ))
    });
    let s = &beat.scheduler;
    facts.push(match s.last_pass {
        _ if !s.enabled => Fact::ok(
            "自動投稿: 投稿先チャンネル（KYODO_REPORT_CHANNEL_ID）が設定されていないため、動かしていません",
        ),
        Some(pass) if now - pass <= SCHEDULER_LIMIT => {
            Fact::ok(format!("自動投稿: 動いています（最後の確認は{}前）", ago(now, pass)))
        }
        None if now - beat.started_at <= SCHEDULER_LIMIT => Fact::ok(format!(
            "自動投稿: 最初の確認の途中です（{}前に起動）",
            ago(now, beat.started_at)
        )),
        last => Fact::bad(format!(
            "自動投稿: {}前から確認していません（1分ごとのはずが{}を超えました）。ログを確かめ、kyodo run を起動し直してください",
            ago(now, last.unwrap_or(beat.started_at)),
            span(SCHEDULER_LIMIT)
        )),
    });
    facts
}

/// How long before `now` `then` was, in Japanese ("12秒", "3分", "2時間5分", "3日4時間"); a
/// time after `now` (another machine's clock) counts as now.
fn ago(now: DateTime<Utc>, then: DateTime<Utc>) -> String {
    span(now - then)
}

fn span(d: Duration) -> String {
    let s = d.num_seconds().max(0);
    let (days, hours, minutes, seconds) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60, s % 60);
    match s {
        0..60 => format!("{seconds}秒"),
        60..3600 if seconds == 0 => format!("{minutes}分"),
        60..3600 => format!("{minutes}分{seconds}秒"),
        3600..86_400 => format!("{hours}時間{minutes}分"),
        _ => format!("{days}日{hours}時間"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(s: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_780_000_000 + s, 0).single().expect("time")
    }

    /// A bot started at 0, connected since 5, its scheduler last passing at `pass`, last beating at `beat`.
    fn running(beat: i64, connected: bool, pass: Option<i64>) -> Heartbeat {
        Heartbeat {
            pid: 4242,
            started_at: at(0),
            updated_at: at(beat),
            stopped: None,
            gateway: Gateway {
                connected,
                since: at(5),
            },
            scheduler: Scheduler {
                enabled: true,
                last_pass: pass.map(at),
            },
        }
    }

    fn check(heartbeat: Option<&Heartbeat>, now: i64, require: bool, expected: &[&str]) {
        let lines: Vec<String> = bot_facts(heartbeat, at(now), require).iter().map(Fact::line).collect();
        assert_eq!(lines, expected, "at {now}, require_running {require}");
    }

    #[test]
    fn no_bot_is_fine_unless_one_is_required() {
        check(
            None,
            0,
            false,
            &["✓ ボット: 動いていません（このデータベースで kyodo run が動いた記録はありません）"],
        );
        check(
            None,
            0,
            true,
            &["✗ ボット: 動いていません（このデータベースで kyodo run が動いた記録はありません）。kyodo run で起動してください（KYODO_DATABASE が kyodo run と同じファイルか確かめてください）"],
        );
    }

    #[test]
    fn a_stopped_bot_says_how_it_stopped() {
        let mut beat = running(100, false, Some(90));
        beat.stopped = Some(Stopped {
            at: at(100),
            asked: true,
        });
        check(
            Some(&beat),
            100 + 3 * 3600 + 7 * 60,
            false,
            &["✓ ボット: 停止しています（3時間7分前、停止の指示（SIGTERM か Ctrl-C）で止まりました）"],
        );
        check(
            Some(&beat),
            100 + 2 * 86_400 + 3600,
            true,
            &["✗ ボット: 停止しています（2日1時間前、停止の指示（SIGTERM か Ctrl-C）で止まりました）。kyodo run で起動してください"],
        );
        beat.stopped = Some(Stopped {
            at: at(100),
            asked: false,
        });
        check(
            Some(&beat),
            160,
            true,
            &["✗ ボット: 停止しています（1分前、Discord との接続が終わったため止まりました。ログを確かめてください）。kyodo run で起動してください"],
        );
    }

    #[test]
    fn a_running_bot_is_well_when_its_heartbeat_gateway_and_scheduler_are() {
        let beat = running(3600, true, Some(3590));
        let well = [
            "✓ ボット: 動いています（プロセス 4242、1時間0分前に起動、心拍は12秒前）",
            "✓ Discord との接続: つながっています（1時間0分前から）",
            "✓ 自動投稿: 動いています（最後の確認は22秒前）",
        ];
        check(Some(&beat), 3612, false, &well);
        check(Some(&beat), 3612, true, &well);
        assert!(all_ok(&bot_facts(Some(&beat), at(3612), true)));
    }

    #[test]
    fn a_heartbeat_is_fresh_up_to_its_limit() {
        let beat = running(1000, true, Some(1000));
        assert!(all_ok(&bot_facts(Some(&beat), at(1120), true)), "exactly 2 minutes");
        check(
            Some(&beat),
            1121,
            false,
            &["✗ ボット: 心拍が2分1秒前から途絶えています（プロセス 4242、30秒ごとのはずが2分を超えました）。kyodo run が固まったか強制終了されました: ログを確かめ、kyodo run を起動し直してください"],
        );
        // A heartbeat from a clock slightly ahead counts as now.
        let facts = bot_facts(Some(&beat), at(990), true);
        assert!(all_ok(&facts));
        assert!(facts[0].text.contains("心拍は0秒前"), "{facts:?}");
    }

    #[test]
    fn a_lost_gateway_is_a_failure() {
        let beat = running(100, false, Some(95));
        let facts = bot_facts(Some(&beat), at(110), false);
        assert!(!all_ok(&facts));
        assert_eq!(
            facts[1].line(),
            "✗ Discord との接続: 切れています（1分45秒前から）。kyodo run がつなぎ直しています。続くときはネットワークと Discord の障害情報（discordstatus.com）を確かめてください"
        );
        assert!(facts[0].ok && facts[2].ok);
    }

    #[test]
    fn the_scheduler_must_have_passed_recently() {
        check_scheduler(
            running(1000, true, Some(700)),
            1000,
            true,
            "✓ 自動投稿: 動いています（最後の確認は5分前）",
        );
        check_scheduler(
            running(1000, true, Some(699)),
            1000,
            false,
            "✗ 自動投稿: 5分1秒前から確認していません（1分ごとのはずが5分を超えました）。ログを確かめ、kyodo run を起動し直してください",
        );
        // Before the first pass: counted from the start.
        check_scheduler(
            running(20, true, None),
            20,
            true,
            "✓ 自動投稿: 最初の確認の途中です（20秒前に起動）",
        );
        check_scheduler(
            running(400, true, None),
            400,
            false,
            "✗ 自動投稿: 6分40秒前から確認していません（1分ごとのはずが5分を超えました）。ログを確かめ、kyodo run を起動し直してください",
        );
        let mut off = running(400, true, None);
        off.scheduler.enabled = false;
        check_scheduler(
            off,
            400,
            true,
            "✓ 自動投稿: 投稿先チャンネル（KYODO_REPORT_CHANNEL_ID）が設定されていないため、動かしていません",
        );
    }

    fn check_scheduler(beat: Heartbeat, now: i64, ok: bool, line: &str) {
        let facts = bot_facts(Some(&beat), at(now), true);
        assert_eq!(facts[2].line(), line);
        assert_eq!(facts[2].ok, ok);
    }

    #[test]
    fn the_schema_must_be_the_one_this_kyodo_knows() {
        let cases = [
            (3, 3, "✓ データベース d.sqlite3: 開けます（スキーマ 3、この kyodo と同じ）"),
            (2, 3, "✗ データベース d.sqlite3: スキーマ 2 は古い版です（この kyodo はスキーマ 3）。kyodo run を起動すると更新されます"),
            (0, 3, "✗ データベース d.sqlite3: スキーマ 0 は古い版です（この kyodo はスキーマ 3）。kyodo run を起動すると更新されます"),
            (4, 3, "✗ データベース d.sqlite3: スキーマ 4 はこの kyodo（スキーマ 3 まで）より新しい版で作られています。新しい版の kyodo を使ってください"),
        ];
        for (found, known, line) in cases {
            assert_eq!(schema_fact("d.sqlite3", found, known).line(), line);
        }
    }

    #[test]
    fn spans_read_in_japanese() {
        let cases = [
            (0, "0秒"),
            (59, "59秒"),
            (60, "1分"),
            (61, "1分1秒"),
            (3599, "59分59秒"),
            (3600, "1時間0分"),
            (86_399, "23時間59分"),
            (86_400, "1日0時間"),
            (-5, "0秒"),
        ];
        for (seconds, text) in cases {
            assert_eq!(span(Duration::seconds(seconds)), text, "{seconds} s");
        }
    }
}
