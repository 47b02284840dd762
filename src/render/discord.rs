//! A `Reply` as Discord messages (JSON bodies, no serenity): refusals as plain ephemeral text,
//! everything else as embeds; the undo button under a report.
//!
//! Discord's limits hold on every message: content ≤ 2,000 characters, ≤ 10 embeds and ≤ 6,000
//! embed characters per message, title ≤ 256, description ≤ 4,096, ≤ 25 fields, field name ≤
//! 256 and value ≤ 1,024, ≤ 5 action rows. A reply too long for one message is split, in order,
//! over several (the first is the interaction response, the rest follow-ups): never cut.

use super::reply::{Outcome, Pages, Reply, Visibility};
use serde_json::{json, Value};

pub const CONTENT_MAX: usize = 2000;
pub const EMBEDS_PER_MESSAGE: usize = 10;
pub const EMBED_TOTAL_MAX: usize = 6000;
pub const TITLE_MAX: usize = 256;
pub const DESCRIPTION_MAX: usize = 4096;
pub const FIELDS_MAX: usize = 25;
pub const FIELD_NAME_MAX: usize = 256;
pub const FIELD_VALUE_MAX: usize = 1024;

/// Message flag: only the invoking user sees it.
pub const EPHEMERAL: u64 = 1 << 6;

/// The custom id of the undo button under report `id`.
pub fn undo_custom_id(id: i64) -> String {
    format!("undo:{id}")
}

/// The record id in an undo button's custom id.
pub fn parse_undo_custom_id(custom_id: &str) -> Option<i64> {
    custom_id.strip_prefix("undo:")?.parse().ok()
}

/// The longest custom id Discord takes.
pub const CUSTOM_ID_MAX: usize = 100;

/// The custom id of the button that shows page `page` of the list `key` (`Pages::key`).
pub fn page_custom_id(page: u32, key: &str) -> String {
    format!("page:{page}:{key}")
}

/// The page and the list's key in a page button's custom id.
pub fn parse_page_custom_id(custom_id: &str) -> Option<(u32, &str)> {
    let (page, key) = custom_id.strip_prefix("page:")?.split_once(':')?;
    Some((page.parse().ok()?, key))
}

/// The buttons to the page before and the page after, where there are such pages (none when
/// the list's key does not fit in a custom id: the reply's text says how to type the page).
fn page_buttons(pages: &Pages) -> Vec<Value> {
    [
        ("前の10件", pages.page.checked_sub(1).filter(|p| *p >= 1)),
        ("次の10件", Some(pages.page + 1).filter(|p| *p <= pages.pages)),
    ]
    .into_iter()
    .filter_map(|(label, page)| {
        let custom_id = page_custom_id(page?, &pages.key);
        (custom_id.chars().count() <= CUSTOM_ID_MAX)
            .then(|| json!({ "type": 2, "style": 2, "label": label, "custom_id": custom_id }))
    })
    .collect()
}

const COLOR_DONE: u32 = 0x2E7D32;

/// One embed under construction, with its character count as Discord counts it.
#[derive(Default)]
struct Embed {
    title: Option<String>,
    description: Option<String>,
    fields: Vec<(String, String)>,
}

impl Embed {
    fn chars(&self) -> usize {
        let count = |s: &Option<String>| s.as_ref().map_or(0, |s| s.chars().count());
        count(&self.title)
            + count(&self.description)
            + self
                .fields
                .iter()
                .map(|(n, v)| n.chars().count() + v.chars().count())
                .sum::<usize>()
    }

    fn json(&self, color: u32) -> Value {
        let mut embed = json!({ "color": color });
        if let Some(title) = &self.title {
            embed["title"] = json!(title);
        }
        if let Some(description) = &self.description {
            embed["description"] = json!(description);
        }
        if !self.fields.is_empty() {
            embed["fields"] = Value::Array(
                self.fields
                    .iter()
                    .map(|(name, value)| json!({ "name": name, "value": value, "inline": false }))
                    .collect(),
            );
        }
        embed
    }
}

/// Splits `text` into pieces of at most `max` characters, at line ends where possible.
pub fn chunks(text: &str, max: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut current_len = 0;
    for line in text.split('\n') {
        let mut line: Vec<char> = line.chars().collect();
        // A line longer than a whole piece is cut after its last 、 or space that fits, or at
        // the limit if there is none.
        while line.len() > max {
            if current_len > 0 {
                out.push(std::mem::take(&mut current));
                current_len = 0;
            }
            let cut = line[..max]
                .iter()
                .rposition(|c| matches!(c, '、' | ' ' | '　' | '，' | ','))
                .map_or(max, |i| i + 1);
            out.push(line.drain(..cut).collect());
        }
        let extra = line.len() + usize::from(current_len > 0);
        if current_len > 0 && current_len + extra > max {
            out.push(std::mem::take(&mut current));
            current_len = 0;
        }
        if current_len > 0 {
            current.push('\n');
            current_len += 1;
        }
        current.extend(line.iter());
        current_len += line.len();
    }
    if current_len > 0 || out.is_empty() {
        out.push(current);
    }
    out
}

fn truncate_title(title: &str) -> (String, Option<String>) {
    if title.chars().count() <= TITLE_MAX {
        (title.to_string(), None)
    } else {
        // The rest goes into the description so nothing is lost.
        let head: String = title.chars().take(TITLE_MAX - 1).collect();
        let tail: String = title.chars().skip(TITLE_MAX - 1).collect();
        (format!("{head}…"), Some(format!("…{tail}")))
    }
}

/// The messages of a reply, each a JSON body for an interaction response, a follow-up or a
/// channel message (`content`, `embeds`, `components`, `flags`, `allowed_mentions`).
pub fn messages(reply: &Reply) -> Vec<Value> {
    let flags = if reply.visibility == Visibility::Ephemeral {
        EPHEMERAL
    } else {
        0
    };
    if reply.outcome != Outcome::Done {
        return chunks(&format!("✗ {}", reply.title), CONTENT_MAX)
            .into_iter()
            .map(|content| json!({ "content": content, "flags": flags, "allowed_mentions": { "parse": [] } }))
            .collect();
    }
    let color = COLOR_DONE;
    // Lay the reply out as a sequence of embed parts: a title, description pieces and fields.
    let (title, title_rest) = truncate_title(&reply.title);
    let mut descriptions: Vec<String> = title_rest.into_iter().collect();
    let mut fields: Vec<(String, String)> = Vec::new();
    for section in &reply.sections {
        let body = if section.lines.is_empty() {
            "—".to_string()
        } else {
            section.lines.join("\n")
        };
        match &section.heading {
            None if fields.is_empty() => descriptions.extend(chunks(&body, DESCRIPTION_MAX)),
            heading => {
                let name = heading.clone().unwrap_or_else(|| "\u{200b}".to_string());
                let name: String = name.chars().take(FIELD_NAME_MAX - 4).collect();
                for (i, value) in chunks(&body, FIELD_VALUE_MAX).into_iter().enumerate() {
                    let name = if i == 0 {
                        name.clone()
                    } else {
                        format!("{name}（続き）")
                    };
                    fields.push((name, value));
                }
            }
        }
    }
    // Pack the parts into embeds, and the embeds into messages, within every limit.
    let mut embeds: Vec<Embed> = vec![Embed {
        title: Some(title),
        ..Embed::default()
    }];
    for description in descriptions {
        let last = embeds
            .last_mut()
            .filter(|e| e.description.is_none() && e.fields.is_empty());
        match last {
            Some(embed) if embed.chars() + description.chars().count() <= EMBED_TOTAL_MAX => {
                embed.description = Some(description)
            }
            _ => embeds.push(Embed {
                description: Some(description),
                ..Embed::default()
            }),
        }
    }
    for field in fields {
        let size = field.0.chars().count() + field.1.chars().count();
        let fits = embeds
            .last()
            .is_some_and(|e| e.fields.len() < FIELDS_MAX && e.chars() + size <= EMBED_TOTAL_MAX);
        if !fits {
            embeds.push(Embed::default());
        }
        if let Some(embed) = embeds.last_mut() {
            embed.fields.push(field);
        }
    }
    let mut messages: Vec<Vec<Value>> = vec![Vec::new()];
    let mut total = 0;
    for embed in &embeds {
        let size = embed.chars();
        let full = messages
            .last()
            .is_some_and(|m| !m.is_empty() && (m.len() == EMBEDS_PER_MESSAGE || total + size > EMBED_TOTAL_MAX));
        if full {
            messages.push(Vec::new());
            total = 0;
        }
        total += size;
        if let Some(m) = messages.last_mut() {
            m.push(embed.json(color));
        }
    }
    let count = messages.len();
    messages
        .into_iter()
        .enumerate()
        .map(|(i, embeds)| {
            let mut body = json!({ "embeds": embeds, "flags": flags, "allowed_mentions": { "parse": [] } });
            if count > 1 {
                body["content"] = json!(format!("（{}/{}）", i + 1, count));
            }
            if let (0, Some(id)) = (i, reply.undo.as_ref().map(|u| u.id)) {
                body["components"] = json!([{
                    "type": 1,
                    "components": [{ "type": 2, "style": 2, "label": "取り消す（15分以内）", "custom_id": undo_custom_id(id) }]
                }]);
            }
            let buttons = reply.pages.as_ref().map(page_buttons).unwrap_or_default();
            if i == 0 && !buttons.is_empty() {
                body["components"] = json!([{ "type": 1, "components": buttons }]);
            }
            body
        })
        .collect()
}

/// The most users one message's `allowed_mentions.users` may list (Discord's limit).
pub const MENTIONS_PER_MESSAGE: usize = 100;

/// Room left in the first message's content for what `messages` put there (`（1/3）`).
const CONTENT_ROOM: usize = 32;

/// `messages` with users mentioned (the scheduled reminder's liaison officers): each
/// `(user, line)` as `<@user> line` in a message's `content` — mentions in embeds notify no
/// one — and that message's `allowed_mentions` naming exactly those users (`parse` empty, so
/// that no other mention, role or @everyone in any text pings anyone). The first message
/// takes as many as fit (within 2,000 characters and 100 users); the rest follow, in order,
/// as messages of their own.
pub fn with_mentions(mut messages: Vec<Value>, mentions: &[(u64, String)]) -> Vec<Value> {
    if mentions.is_empty() {
        return messages;
    }
    // The mention lines in groups that fit one message's content and user list.
    let max = CONTENT_MAX - CONTENT_ROOM;
    let mut groups: Vec<(Vec<String>, Vec<String>)> = vec![(Vec::new(), Vec::new())];
    let mut length = 0;
    for (user, line) in mentions {
        let mention = format!("<@{user}>");
        let text = chunks(&format!("{mention} {line}"), max).remove(0);
        let size = text.chars().count() + 1;
        let full = groups.last().is_some_and(|(lines, users)| {
            !lines.is_empty() && (length + size > max || users.len() == MENTIONS_PER_MESSAGE)
        });
        if full {
            groups.push((Vec::new(), Vec::new()));
            length = 0;
        }
        length += size;
        if let Some((lines, users)) = groups.last_mut() {
            lines.push(text);
            let id = user.to_string();
            if !users.contains(&id) {
                users.push(id);
            }
        }
    }
    let allowed = |users: &[String]| json!({ "parse": [], "users": users });
    let mut extra = Vec::new();
    for (i, (lines, users)) in groups.into_iter().enumerate() {
        let content = lines.join("\n");
        match messages.first_mut().filter(|_| i == 0) {
            Some(first) => {
                let content = match first["content"].as_str() {
                    Some(before) if !before.is_empty() => format!("{content}\n{before}"),
                    _ => content,
                };
                first["content"] = json!(content);
                first["allowed_mentions"] = allowed(&users);
            }
            None => extra.push(json!({ "content": content, "flags": 0, "allowed_mentions": allowed(&users) })),
        }
    }
    messages.extend(extra);
    messages
}

/// A refusal or notice as one plain ephemeral message (DMs, other servers, stale buttons).
pub fn notice(text: &str) -> Value {
    json!({ "content": chunks(text, CONTENT_MAX).remove(0), "flags": EPHEMERAL, "allowed_mentions": { "parse": [] } })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::reply::Section;

    fn chars(v: &Value, key: &str) -> usize {
        v[key].as_str().map_or(0, |s| s.chars().count())
    }

    /// Every limit of Discord's on one message body.
    fn check_limits(body: &Value) {
        assert!(chars(body, "content") <= CONTENT_MAX);
        let embeds = body["embeds"].as_array().cloned().unwrap_or_default();
        assert!(embeds.len() <= EMBEDS_PER_MESSAGE);
        let mut total = 0;
        for e in &embeds {
            assert!(chars(e, "title") <= TITLE_MAX);
            assert!(chars(e, "description") <= DESCRIPTION_MAX);
            let fields = e["fields"].as_array().cloned().unwrap_or_default();
            assert!(fields.len() <= FIELDS_MAX);
            total += chars(e, "title") + chars(e, "description");
            for f in &fields {
                assert!((1..=FIELD_NAME_MAX).contains(&chars(f, "name")));
                assert!((1..=FIELD_VALUE_MAX).contains(&chars(f, "value")));
                total += chars(f, "name") + chars(f, "value");
            }
        }
        assert!(total <= EMBED_TOTAL_MAX, "{total} embed characters");
        assert!(body["components"].as_array().map_or(0, Vec::len) <= 5);
    }

    /// All text of the messages, in order, for checking that nothing was lost.
    fn all_text(messages: &[Value]) -> String {
        let mut out = String::new();
        for m in messages {
            for e in m["embeds"].as_array().cloned().unwrap_or_default() {
                for key in ["title", "description"] {
                    if let Some(s) = e[key].as_str() {
                        out.push_str(s);
                        out.push('\n');
                    }
                }
                for f in e["fields"].as_array().cloned().unwrap_or_default() {
                    out.push_str(f["value"].as_str().unwrap_or_default());
                    out.push('\n');
                }
            }
        }
        out
    }

    #[test]
    fn a_page_of_a_list_has_buttons_to_its_neighbours() {
        let mut reply = Reply::done(Visibility::Ephemeral, "一覧", vec![Section::lines(vec!["#1".into()])]);
        let buttons = |reply: &Reply| messages(reply)[0]["components"][0]["components"].clone();
        reply.pages = Some(Pages {
            page: 1,
            pages: 3,
            key: "mine".into(),
        });
        assert_eq!(
            buttons(&reply),
            json!([{ "type": 2, "style": 2, "label": "次の10件", "custom_id": "page:2:mine" }])
        );
        reply.pages = Some(Pages {
            page: 2,
            pages: 3,
            key: "list;area=x".into(),
        });
        let both = buttons(&reply);
        assert_eq!(both[0]["custom_id"], "page:1:list;area=x");
        assert_eq!(both[1]["custom_id"], "page:3:list;area=x");
        assert_eq!(parse_page_custom_id("page:3:list;area=x"), Some((3, "list;area=x")));
        // A key too long for a custom id: no buttons (the text says how to type the page).
        reply.pages = Some(Pages {
            page: 1,
            pages: 2,
            key: "x".repeat(CUSTOM_ID_MAX),
        });
        assert!(messages(&reply)[0].get("components").is_none());
    }

    #[test]
    fn a_short_reply_is_one_embed_with_the_undo_button() {
        let mut reply = Reply::done(
            Visibility::Public,
            "記録しました（#12・令和8年度）",
            vec![Section::lines(vec!["日付: 2026年6月15日".into()])],
        );
        reply.undo = Some(crate::render::reply::Undo {
            id: 12,
            command: "/records undo id:12".into(),
        });
        let m = messages(&reply);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0]["flags"], 0);
        assert_eq!(m[0]["embeds"][0]["title"], "記録しました（#12・令和8年度）");
        assert_eq!(m[0]["embeds"][0]["description"], "日付: 2026年6月15日");
        assert_eq!(m[0]["components"][0]["components"][0]["custom_id"], "undo:12");
        assert_eq!(parse_undo_custom_id("undo:12"), Some(12));
        check_limits(&m[0]);
    }

    #[test]
    fn refusals_are_ephemeral_text() {
        let reply = Reply::refused(&crate::domain::validate::UserError::field(
            "区（district）",
            "川辺地区に「荒町」区はありません",
        ));
        let m = messages(&reply);
        assert_eq!(
            m,
            vec![
                json!({ "content": "✗ 区（district）: 川辺地区に「荒町」区はありません", "flags": 64, "allowed_mentions": { "parse": [] } })
            ]
        );
    }

    #[test]
    fn a_long_reply_is_split_within_every_limit_and_nothing_is_lost() {
        let line = |i: usize| {
            format!("{i:04} 東南部5回 東部2回 中部3回 西部5回 北大井2回 大里4回 三岡2回 西小諸4回 南大井0回 川辺2回")
        };
        let sections: Vec<Section> = (0..60)
            .map(|s| Section::new(format!("第{s}節"), (0..30).map(|i| line(s * 100 + i)).collect()))
            .collect();
        let mut reply = Reply::done(Visibility::Public, "長いまとめ", sections);
        reply.sections.insert(0, Section::lines(vec!["あ".repeat(9000)]));
        reply.undo = Some(crate::render::reply::Undo {
            id: 1,
            command: "/records undo id:1".into(),
        });
        let m = messages(&reply);
        assert!(m.len() > 3, "{} messages", m.len());
        for body in &m {
            check_limits(body);
        }
        assert!(
            m[1..].iter().all(|b| b.get("components").is_none()),
            "the button goes with the first message only"
        );
        let text = all_text(&m);
        for s in 0..60 {
            for i in 0..30 {
                assert!(text.contains(&line(s * 100 + i)), "line {s}/{i} lost");
            }
        }
        assert_eq!(text.matches('あ').count(), 9000);
        assert_eq!(m[0]["content"], format!("（1/{}）", m.len()));
    }

    #[test]
    fn mentions_go_in_the_content_and_only_the_named_users_are_allowed() {
        let reply = Reply::done(
            Visibility::Public,
            "リマインド",
            vec![Section::lines(vec!["<@999> x".into()])],
        );
        let plain = messages(&reply);
        assert_eq!(with_mentions(plain.clone(), &[]), plain, "no mention, no change");
        let m = with_mentions(plain, &[(111, "担当: A".into()), (222, "担当: B".into())]);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0]["content"], "<@111> 担当: A\n<@222> 担当: B");
        assert_eq!(
            m[0]["allowed_mentions"],
            json!({ "parse": [], "users": ["111", "222"] })
        );
        check_limits(&m[0]);
        // More than one message holds: every one within the limits, each naming its own users.
        let many: Vec<(u64, String)> = (0..250)
            .map(|i| (1000 + i, format!("担当: {}", "あ".repeat(20))))
            .collect();
        let long = Reply::done(
            Visibility::Public,
            "リマインド",
            (0..40)
                .map(|i| Section::new(format!("{i}"), vec!["い".repeat(900)]))
                .collect(),
        );
        let m = with_mentions(messages(&long), &many);
        let mut named = Vec::new();
        for body in &m {
            check_limits(body);
            let users: Vec<String> = body["allowed_mentions"]["users"]
                .as_array()
                .map(|u| u.iter().filter_map(|v| v.as_str().map(String::from)).collect())
                .unwrap_or_default();
            assert!(users.len() <= MENTIONS_PER_MESSAGE);
            for user in &users {
                assert!(body["content"]
                    .as_str()
                    .is_some_and(|c| c.contains(&format!("<@{user}>"))));
            }
            named.extend(users);
        }
        assert_eq!(named.len(), 250, "every user mentioned once");
        assert!(m[0]["content"]
            .as_str()
            .is_some_and(|c| c.ends_with(&format!("（1/{}）", messages(&long).len()))));
    }

    #[test]
    fn chunks_keep_lines_whole_when_they_can() {
        assert_eq!(chunks("ab\ncd\nef", 5), vec!["ab\ncd", "ef"]);
        assert_eq!(chunks("abcdefg", 3), vec!["abc", "def", "g"]);
        assert_eq!(
            chunks("東部、中部、西部", 5),
            vec!["東部、", "中部、西部"],
            "cut after a 、 where one fits"
        );
        assert_eq!(chunks("", 3), vec![""]);
        let long = "x".repeat(10);
        assert!(chunks(&format!("a\n{long}\nb"), 4)
            .iter()
            .all(|c| c.chars().count() <= 4));
    }
}
