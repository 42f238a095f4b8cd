//! The netctl command reference (docs/netctl-reference.md), rendered from the
//! clap definitions so it cannot drift from what the binary accepts.

use clap::CommandFactory;

use crate::cli::Cli;

/// Help is wrapped at a fixed width so the rendering does not depend on the terminal.
const WIDTH: usize = 100;

/// The whole reference as Markdown: one section per command, with its `--help`.
pub fn render() -> String {
    let mut root = Cli::command().term_width(WIDTH);
    root.build();
    let mut out = String::from(
        "# netctl reference\n\n\
         Generated from netctl's own definitions by\n\
         `UPDATE_DOCS=1 cargo test -p netctl --test reference`; a test fails when it is stale.\n\
         The guide with worked examples is [netctl.md](netctl.md).\n",
    );
    section(&mut root, "netctl", &mut out);
    out
}

fn section(cmd: &mut clap::Command, path: &str, out: &mut String) {
    let help = cmd.render_long_help().to_string();
    out.push_str(&format!(
        "\n## `{path}`\n\n```text\n{}\n```\n",
        help.trim_end()
    ));
    for sub in cmd.get_subcommands_mut() {
        // clap's generated `help` subcommand only repeats what every section shows.
        if sub.get_name() == "help" {
            continue;
        }
        let sub_path = format!("{path} {}", sub.get_name());
        section(sub, &sub_path, out);
    }
}
