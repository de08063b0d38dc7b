// SPDX-License-Identifier: GPL-3.0-or-later
//! The `caltally` binary: parses the command line, runs the command, prints the error
//! chain and maps it to the documented exit code.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

// Reports allocate many small strings on every core at once; mimalloc's per-thread pages
// cost a fraction of glibc's arenas there (see the README's performance notes).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc 3's `mi_option_e`.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> ExitCode {
    // Freed pages go back to the system 10 ms after they are freed, not a second later: a
    // report's peak memory stays near that of its data. Set before any other thread exists,
    // as mimalloc asks.
    // SAFETY: a plain option store, done while the process has one thread.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 10) };
    let cli = caltally::cli::Cli::parse();
    caltally::app::init_logging(cli.verbose, cli.quiet);
    match caltally::app::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            let message = format!("{err:#}");
            // A closed stderr is no reason to panic: the exit code still tells.
            let _ = writeln!(
                std::io::stderr(),
                "caltally: error: {}",
                caltally::terminal::sanitize(&message)
            );
            ExitCode::from(caltally::app::exit_code_for(&err))
        }
    }
}
