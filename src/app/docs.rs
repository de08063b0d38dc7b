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
    let mut page = Vec::new();
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    man.render_options_section(&mut page)?;
    writeln!(page, ".SH COMMANDS")?;
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        let name = sub.get_name();
        writeln!(page, ".SS \"caltally {name}\"")?;
        let sub_man = clap_mangen::Man::new(sub.clone().bin_name(format!("caltally {name}")));
        let mut section = Vec::new();
        sub_man.render_synopsis_section(&mut section)?;
        sub_man.render_description_section(&mut section)?;
        sub_man.render_options_section(&mut section)?;
        sub_man.render_extra_section(&mut section)?;
        page.extend(as_paragraphs(&String::from_utf8_lossy(&section)).into_bytes());
    }
    man.render_extra_section(&mut page)?;
    man.render_version_section(&mut page)?;
    out.write_all(tidy(&String::from_utf8_lossy(&page)).as_bytes())
}

/// A command's own `.SH` headings become bold paragraph titles under its `.SS`.
fn as_paragraphs(roff: &str) -> String {
    roff.lines()
        .map(|l| match l.strip_prefix(".SH ") {
            Some(rest) if rest.trim_matches('"') == "EXTRA" => ".PP\n".to_string(),
            Some(rest) => format!(".PP\n\\fB{}\\fR\n.br\n", rest.trim_matches('"')),
            None => format!("{l}\n"),
        })
        .collect()
}

/// No hyphenation; indented lines (examples, lists) kept as written, so that a command
/// line or a URL is never filled or broken; the last section named for what it holds.
fn tidy(roff: &str) -> String {
    let mut out = String::new();
    let mut verbatim = false;
    for line in roff.lines() {
        let indented = line.starts_with("  ");
        if indented && !verbatim {
            out.push_str(".nf\n");
        } else if !indented && verbatim {
            out.push_str(".fi\n");
        }
        verbatim = indented;
        if line.starts_with(".TH ") {
            out.push_str(line);
            out.push_str("\n.nh\n");
        } else if line == ".SH EXTRA" {
            out.push_str(".SH \"EXIT STATUS AND EXAMPLES\"\n");
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    if verbatim {
        out.push_str(".fi\n");
    }
    out
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
