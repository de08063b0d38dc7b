// SPDX-License-Identifier: GPL-3.0-or-later
//! `completions` and `man`: shell completion scripts and the man page, generated from the
//! clap definitions in [`crate::cli`] so that they never drift from `--help`.

use std::io::Write;

use anyhow::{Context, Result};
use clap::CommandFactory;

use crate::cli::{Cli, CompletionShell};

/// Writes the completion script for `shell` on stdout.
pub(super) fn completions(shell: CompletionShell) -> Result<u8> {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    let generator = match shell {
        CompletionShell::Bash => clap_complete::Shell::Bash,
        CompletionShell::Zsh => clap_complete::Shell::Zsh,
        CompletionShell::Fish => clap_complete::Shell::Fish,
    };
    clap_complete::generate(generator, &mut cmd, "caltally", &mut out);
    write_stdout(&out)
}

/// Writes the man page (section 1, roff) on stdout, the subcommands included.
pub(super) fn man() -> Result<u8> {
    let mut out = Vec::new();
    write_man(&mut out).context("cannot render the man page")?;
    write_stdout(&out)
}

/// The man page of `caltally`: the main page, then one section per command.
pub(super) fn write_man(out: &mut impl Write) -> std::io::Result<()> {
    let cmd = Cli::command();
    let man = clap_mangen::Man::new(cmd.clone());
    man.render_title(out)?;
    man.render_name_section(out)?;
    man.render_synopsis_section(out)?;
    man.render_description_section(out)?;
    man.render_options_section(out)?;
    man.render_subcommands_section(out)?;
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        let name = sub.get_name();
        writeln!(out, ".SH \"CALTALLY {}\"", name.to_uppercase())?;
        let sub_man = clap_mangen::Man::new(sub.clone().bin_name(format!("caltally {name}")));
        let mut page = Vec::new();
        sub_man.render_synopsis_section(&mut page)?;
        sub_man.render_description_section(&mut page)?;
        sub_man.render_options_section(&mut page)?;
        sub_man.render_extra_section(&mut page)?;
        out.write_all(as_subsections(&String::from_utf8_lossy(&page)).as_bytes())?;
    }
    man.render_extra_section(out)?;
    man.render_version_section(out)?;
    Ok(())
}

/// Turns the `.SH` headings of a command's page into `.SS` sub-headings, so that each
/// command's synopsis, options and examples sit under its own section of the one page.
fn as_subsections(roff: &str) -> String {
    roff.lines()
        .map(|l| match l.strip_prefix(".SH ") {
            Some(rest) => format!(".SS {rest}\n"),
            None => format!("{l}\n"),
        })
        .collect()
}

fn write_stdout(bytes: &[u8]) -> Result<u8> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Ok(()) => Ok(0),
        // `caltally man | head` is not a failure.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(0),
        Err(e) => Err(e).context("cannot write to stdout"),
    }
}
