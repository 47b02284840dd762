//! A `Reply` as plain text, for the console (and any adapter without rich formatting).

use crate::commands::{Outcome, Reply};

/// Title, then each section (heading and indented lines); the undo line when there is one.
pub fn text(reply: &Reply) -> String {
    let mut out = String::new();
    match reply.outcome {
        Outcome::Done => out.push_str(&reply.title),
        Outcome::Refused => out.push_str(&format!("✗ {}", reply.title)),
        Outcome::Failed => out.push_str(&format!("✗ {}", reply.title)),
    }
    out.push('\n');
    for section in &reply.sections {
        let indent = match &section.heading {
            Some(heading) => {
                out.push_str(&format!("■ {heading}\n"));
                "  "
            }
            None => "",
        };
        for line in &section.lines {
            out.push_str(&format!("{indent}{line}\n"));
        }
    }
    if let Some(id) = reply.undo {
        out.push_str(&format!("取り消すとき（15分以内）: /records undo id:{id}\n"));
    }
    out
}
