//! `kyodo commands [--json]`: the command set as Discord registers it — the registration
//! payload as JSON, or each command and option with its Japanese name and description.

use kyodo::commands::spec::{command_set, payload};
use std::path::Path;
use std::process::ExitCode;

pub fn run(config: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let settings = kyodo::config::load(config)?;
    let commands = command_set(&settings.catalogue);
    if json {
        println!("{}", serde_json::to_string_pretty(&payload(&commands))?);
    } else {
        for c in &commands {
            println!("/{}（/{}）— {}", c.name, c.name_ja, c.description_ja);
            for o in &c.options {
                println!("    {}（{}）— {}", o.name, o.name_ja, o.description_ja);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
