// SPDX-License-Identifier: GPL-3.0-or-later
//! The command line: commands, options and help text with examples (clap derive).
//!
//! Owns: names, defaults and help of every option. Reads no file, network or clock;
//! [`crate::app`] gives the options their meaning.

// Doc comments here are clap help text: `[default: …]` and `<period>` are not rustdoc links or tags.
#![allow(rustdoc::broken_intra_doc_links, rustdoc::invalid_html_tags)]

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

const AFTER_HELP: &str = "\
Exit codes (every command):
  0  done
  1  failed (the message says what; nothing was half-written): a source, a report, a mail
     (the others were sent), the lock held by another run; or warnings with --strict
  2  usage or configuration error: an unknown option or bad date, a --source path that
     does not exist, no config file, a config error, a password variable or file missing

Examples:
  caltally init
  caltally --config fixtures/demo/caltally.toml report --month 2026-10
  caltally report --source team.ics --year 2026 --tz Europe/Brussels --lang fr
  caltally sync && caltally report --month last
  caltally send --month 2026-10 --dry-run
  caltally run                  # the nightly job, from cron or a systemd timer
  caltally completions bash > /etc/bash_completion.d/caltally
  caltally man > /usr/local/share/man/man1/caltally.1";

/// The help heading of the options every command accepts.
const GLOBAL: &str = "Global options";

/// Turns a shared calendar into exact, classified time reports.
#[derive(Debug, Parser)]
#[command(name = "caltally", version, about, after_help = AFTER_HELP)]
pub struct Cli {
    /// Config file [default: $CALTALLY_CONFIG, else $XDG_CONFIG_HOME/caltally/config.toml]
    #[arg(long, global = true, value_name = "FILE", help_heading = GLOBAL)]
    pub config: Option<PathBuf>,
    /// More detail on stderr (repeat for more).
    #[arg(short, long, global = true, action = clap::ArgAction::Count, help_heading = GLOBAL)]
    pub verbose: u8,
    /// Print nothing but errors and warnings.
    #[arg(
        short,
        long,
        global = true,
        conflicts_with = "verbose",
        help_heading = GLOBAL
    )]
    pub quiet: bool,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a commented config template.
    #[command(after_help = INIT_HELP)]
    Init(InitArgs),
    /// List the calendars found on each CalDAV source.
    #[command(
        after_help = "Prints, per calendar: name, URL, owned or shared, read-only, number of objects.\n\nExample:\n  caltally calendars"
    )]
    Calendars,
    /// Pull changes from every CalDAV and .ics URL source into the store.
    #[command(after_help = SYNC_HELP)]
    Sync(SyncArgs),
    /// Write reports (CSV and Markdown) for a period.
    #[command(after_help = REPORT_HELP)]
    Report(Box<ReportArgs>),
    /// Freeze a month: later edits of the calendar become amendments.
    #[command(after_help = CLOSE_HELP)]
    Close(CloseArgs),
    /// List what needs a human in a period, grouped by person.
    #[command(after_help = CHECK_HELP)]
    Check(Box<CheckArgs>),
    /// E-mail each association its monthly report (once; --dry-run writes .eml files).
    #[command(after_help = SEND_HELP)]
    Send(SendArgs),
    /// Mail each person the problems of their own events, before the month goes out.
    #[command(after_help = REMIND_HELP)]
    Remind(RemindArgs),
    /// The nightly job: sync, refresh this month's and last month's reports, send when due.
    #[command(after_help = RUN_HELP)]
    Run(RunArgs),
    /// Commit each association's closed month to its git repository, and push.
    #[command(after_help = PUBLISH_HELP)]
    Publish(PublishArgs),
    /// Print a shell completion script (bash, zsh or fish) on stdout.
    #[command(after_help = COMPLETIONS_HELP)]
    Completions(CompletionsArgs),
    /// Print the man page (roff) on stdout.
    #[command(after_help = "Example:\n  caltally man | man -l -")]
    Man,
}

const PUBLISH_HELP: &str = "\
For each association with a `repo` in the config: brings caltally's working copy of it up to
date (kept beside the store), writes into [publish] `folder` (default heures/<year>) the
month's page as closed, with the amendments since (<YYYY-MM>.md), its entries
(<YYYY-MM>.csv), and the folder's README.md index (one row per month), commits and pushes.
Only closed months are published. Nothing is committed when nothing changed. A push rejected
because someone else pushed meanwhile is redone once on top of their commit. Files caltally
did not write are never changed; a README.md without caltally's first line is left alone.
Needs git 2.28 or later. An HTTPS token goes to git through an askpass helper, never in a URL.

Examples:
  caltally publish --dry-run
  caltally publish --month 2026-10
  caltally publish --month 2026-10 --association amis";

/// Options of `publish`.
#[derive(Debug, Args)]
pub struct PublishArgs {
    /// The month, YYYY-MM [default: last month]
    #[arg(long, value_name = "YYYY-MM")]
    pub month: Option<String>,
    /// Only this association (its key).
    #[arg(long, value_name = "KEY")]
    pub association: Option<String>,
    /// Print the files it would write and the commit message; write and push nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Wait for another running caltally instead of exiting.
    #[arg(long)]
    pub wait: bool,
}

const INIT_HELP: &str = "\
Without --caldav, writes the commented template; with --caldav URL --username NAME, first
discovers the calendars of that server (password in $CALTALLY_PASSWORD, or the variable
named by --password-env) and writes a ready [[source]] listing them.

Examples:
  caltally init
  caltally --config ./caltally.toml init --force
  CALTALLY_PASSWORD='app-password' caltally init \\
      --caldav https://cloud.example.org/ --username alice";

const COMPLETIONS_HELP: &str = "\
Examples:
  source <(caltally completions bash)            # this shell only
  caltally completions bash > ~/.local/share/bash-completion/completions/caltally
  caltally completions zsh > ~/.zfunc/_caltally   # with fpath+=~/.zfunc in .zshrc
  caltally completions fish > ~/.config/fish/completions/caltally.fish";

/// Options of `completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: CompletionShell,
}

/// A shell `completions` writes a script for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CompletionShell {
    /// GNU bash.
    Bash,
    /// Z shell.
    Zsh,
    /// fish.
    Fish,
}

const SEND_HELP: &str = "\
One message per association that has an `email` in the config: the association's page as
text/plain with an HTML alternative, and <key>-<YYYY-MM>.csv and .md attached, Cc the
config's `cc`, Reply-To the collective. The month is closed first if it is open.

Each mail is logged in the store with the entries it told about, so running `send` again
sends nothing. When the calendar changed since an association's last mail, `--amendments`
sends it a correction listing what changed. A failure on one association does not stop the
others: it is retried on the next run, and the exit code is 1. A mail whose session broke
off after the envelope may have arrived: it is not sent again until `--resend`.

Examples:
  caltally send --month 2026-10 --dry-run          # look at the .eml files first
  caltally send --month 2026-10 --to me@collectif.example
  caltally send --month 2026-10
  caltally send --month 2026-10 --amendments";

/// Options of `send`.
#[derive(Debug, Args)]
pub struct SendArgs {
    /// The month: YYYY-MM, `last` or `this` [default: last]
    #[arg(long, value_name = "YYYY-MM|last|this")]
    pub month: Option<String>,
    /// Send corrections to the associations whose entries changed since their mail.
    #[arg(long)]
    pub amendments: bool,
    /// Write one .eml file per message into --out and send nothing (the store is not touched).
    #[arg(long)]
    pub dry_run: bool,
    /// Directory of the .eml files of --dry-run [default: config `output`/mail/<YYYY-MM>]
    #[arg(long, value_name = "DIR", requires = "dry_run")]
    pub out: Option<PathBuf>,
    /// Send every message to this address only, without Cc, to try it out (the month is not
    /// closed and nothing is logged as sent).
    #[arg(long, value_name = "ADDRESS")]
    pub to: Option<String>,
    /// Only this association (its key).
    #[arg(long, value_name = "KEY")]
    pub association: Option<String>,
    /// Forget the association's interrupted mail (after checking it did not arrive) and
    /// send again.
    #[arg(long, requires = "association")]
    pub resend: bool,
    /// Wait for another running caltally instead of exiting.
    #[arg(long)]
    pub wait: bool,
}

const REMIND_HELP: &str = "\
Takes the month's `check` problems and mails each person with an address in `[people]`
one message listing only their own events (the person the problem names, else the first
configured organizer or attendee): the date, the title, what is wrong and how to fix it,
and when the report leaves. Problems of events that name nobody who can be mailed go in
one message to the collective (`[collective] email`, else `[mail] from`), never to an
association. Nothing is sent when there is nothing to fix.

Each reminder is logged in the store: a person is mailed again about a month only when
their list of problems changed. `[people.KEY] remind = false` turns a person's reminders
off. `run` sends them by itself `[mail] remind_days_before` days before `send_on_day`
and on the eve.

Examples:
  caltally remind --dry-run                        # look at the .eml files first
  caltally remind --month 2026-10 --to me@collectif.example
  caltally remind --month 2026-10 --person alice";

/// Options of `remind`.
#[derive(Debug, Args)]
pub struct RemindArgs {
    /// The month: YYYY-MM, `last` or `this` [default: the one the next `send` sends]
    #[arg(long, value_name = "YYYY-MM|last|this")]
    pub month: Option<String>,
    /// Only this person (their key in `[people]`).
    #[arg(long, value_name = "KEY")]
    pub person: Option<String>,
    /// Write one .eml file per message into `output`/mail/<YYYY-MM> and send nothing (nothing
    /// is logged).
    #[arg(long)]
    pub dry_run: bool,
    /// Send every reminder to this address only, to try it out (nothing is logged).
    #[arg(long, value_name = "ADDRESS")]
    pub to: Option<String>,
    /// Wait for another running caltally instead of exiting.
    #[arg(long)]
    pub wait: bool,
}

const RUN_HELP: &str = "\
What cron or a systemd timer calls every night:
  1. takes the lock on the store (another run in progress: exits 1);
  2. syncs every remote source (like `caltally sync`);
  3. writes this month's and last month's reports into the config's `output` directory,
     each atomically (a temporary directory, then a rename);
  4. `[mail] remind_days_before` days before `send_on_day` (default 2) and on its eve,
     reminds each person of their events to fix in the month about to be sent (like
     `caltally remind`: once per list of problems);
  5. from `[mail] send_on_day` on, sends last month's reports to the associations that have
     not had them yet (like `caltally send`); not if the sync failed.
  6. then publishes last month, once closed, to the associations that have a `repo` (like
     `caltally publish`; every night, so a failed push is retried and amendments follow).
Prints nothing when all went well, one line per problem otherwise, so cron only mails you
when something needs a look. Exit code 1 if the sync, a mail or a publication failed.

Examples:
  caltally run
  CALTALLY_NOW=2026-11-03T06:00:00+01:00 caltally run   # as if it were that day";

/// Options of `run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Wait for another running caltally instead of exiting.
    #[arg(long)]
    pub wait: bool,
}

const CLOSE_HELP: &str = "\
Stores in the store a fingerprint of the month's entries (per UID and recurrence: start, end,
minutes, association, kind) and the rendered reports. From then on, `report` for that month
writes the reports as closed, and lists every later difference from the calendar as an
amendment (added, removed or changed, with before and after) in summary.md and in the pages
of the associations concerned. Nothing is merged silently.

Examples:
  caltally close --month 2026-10
  caltally close --month 2026-10 --reopen";

/// Options of `close`.
#[derive(Debug, Args)]
pub struct CloseArgs {
    /// The month: YYYY-MM, `last` or `this`.
    #[arg(long, value_name = "YYYY-MM|last|this")]
    pub month: String,
    /// Undo the closing.
    #[arg(long)]
    pub reopen: bool,
    /// Read these calendars instead of the store and the configured sources (repeatable).
    #[arg(long, value_name = "PATH|URL")]
    pub source: Vec<String>,
    /// Time zone [default: config `timezone`, else $TZ, else the system zone]
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,
}

const CHECK_HELP: &str = "\
Listed, per person (the organizer): untagged events, unknown tags (with a \"did you mean\"),
ambiguous associations, entries with no kind, one person doing the same activity for the same
association both as a volunteer and paid, entries over 12 h, overlapping entries of one
person, zero-length events, all-day events without hours, CONFIDENTIAL stubs, unknown TZIDs,
and (with [people]) people who map to nobody there, with a \"did you mean\".
Each problem is one line per event series, with its count of occurrences and a fix hint, in
the report language (--lang, else config `lang`, else $LANG). A clean period says so.
Exits 0; with --strict, 1 if anything is listed.

Examples:
  caltally check --month 2026-10
  caltally check --month 2026-10 --format md --lang fr > a-revoir.md
  caltally check --source team.ics --year 2026 --format json --strict";

/// Options of `check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The period and the calendars.
    #[command(flatten)]
    pub selection: Selection,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: CheckFormat,
    /// Exit with code 1 if anything is listed.
    #[arg(long)]
    pub strict: bool,
    /// Language of the text and Markdown lists and of the JSON `detail`/`hint`
    /// [default: config `lang`, else $LANG, else en]
    #[arg(long, value_name = "LANG", value_parser = ["fr", "en"])]
    pub lang: Option<String>,
}

/// How `check` writes its list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckFormat {
    /// Plain text, one block per person.
    Text,
    /// Markdown, one section per person.
    Md,
    /// A JSON array.
    Json,
}

const SYNC_HELP: &str = "\
Only what changed is fetched (sync-collection with the stored token, then calendar-multiget).
A full ETag comparison runs every 7 days, and with --full. Each calendar is written in one
transaction: a failed sync leaves the store as it was, and the next run resumes.

Examples:
  caltally sync
  caltally sync --dry-run
  caltally -q sync --wait        # from cron: silent unless something failed";

/// Options of `sync`.
#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Compare every ETag, even if the sync token is recent.
    #[arg(long)]
    pub full: bool,
    /// Print the plan (fetch, update, delete per calendar) and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Wait for another running caltally instead of exiting.
    #[arg(long)]
    pub wait: bool,
}

const REPORT_HELP: &str = "\
Files written in --out (default reports/<period>/):
  entries.csv      one row per entry (--format csv)
  summary.csv      totals per association and kind, and per person (--format csv)
  summary.md       the overview, with its chart summary.svg (--format md)
  <association>.md one page per association (--format md)
They are written to a temporary directory first and moved into place, so a crash never
leaves a half-written report. On a terminal, the totals per association and kind follow. The
last line says how many entries need review.

Examples:
  caltally --config fixtures/demo/caltally.toml report --month 2026-10
  caltally report --month last
  caltally report --source team.ics --month 2026-10 \\
      --source 'https://nc.example.org/remote.php/dav/public-calendars/TOKEN?export'
  caltally report --source ~/.calendars/collectif/ --from 2026-09-15 --to 2026-10-14
  caltally report --source team.ics --year 2026 --association amis --lang en
  caltally report --month last --person alice";

/// Options of `init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Overwrite an existing file.
    #[arg(long)]
    pub force: bool,
    /// Discover the calendars of this CalDAV server (root, principal or calendar URL) and
    /// write them into the config.
    #[arg(long, value_name = "URL", requires = "username")]
    pub caldav: Option<String>,
    /// User name for --caldav.
    #[arg(long, value_name = "NAME")]
    pub username: Option<String>,
    /// Environment variable holding the (app) password for --caldav.
    #[arg(long, value_name = "VAR", default_value = "CALTALLY_PASSWORD")]
    pub password_env: String,
    /// Extra trust root (PEM) for a self-signed server.
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
}

/// Which period and which calendars (shared by `report` and `check`).
#[derive(Debug, Args)]
pub struct Selection {
    /// A calendar month: YYYY-MM, `last` or `this` [default: this]
    #[arg(long, value_name = "YYYY-MM|last|this", conflicts_with_all = ["year", "from", "to"])]
    pub month: Option<String>,
    /// A calendar year, four digits (YYYY).
    #[arg(long, value_name = "YYYY", conflicts_with_all = ["from", "to"])]
    pub year: Option<String>,
    /// First day of the period, YYYY-MM-DD (included; needs --to).
    #[arg(long, value_name = "DATE", requires = "to")]
    pub from: Option<String>,
    /// Last day of the period, YYYY-MM-DD (included; needs --from).
    #[arg(long, value_name = "DATE", requires = "from")]
    pub to: Option<String>,
    /// Read this .ics file, directory of .ics files or URL directly, instead of the
    /// store and the configured sources (repeatable).
    #[arg(long, value_name = "PATH|URL")]
    pub source: Vec<String>,
    /// Time zone of the report [default: config `timezone`, else $TZ, else the system zone]
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,
}

impl Selection {
    /// The calendar month `label` (`YYYY-MM`), from the store and the configured sources.
    pub fn of_month(label: String) -> Self {
        Selection {
            month: Some(label),
            year: None,
            from: None,
            to: None,
            source: Vec::new(),
            tz: None,
        }
    }
}

/// Options of `report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The period and the calendars.
    #[command(flatten)]
    pub selection: Selection,
    /// Output directory [default: config `output`/<period>, else reports/<period>]
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Formats to write, comma-separated.
    #[arg(
        long,
        value_name = "LIST",
        default_value = "csv,md,ods",
        value_delimiter = ','
    )]
    pub format: Vec<Format>,
    /// Only this association (its key).
    #[arg(long, value_name = "KEY")]
    pub association: Option<String>,
    /// Only this person's hours, for every association (a key of [people], or a name as
    /// @mentioned); written to <period>/person-KEY unless --out is given.
    #[arg(long, value_name = "KEY")]
    pub person: Option<String>,
    /// Report language [default: config `lang`, else $LANG, else en]
    #[arg(long, value_name = "LANG", value_parser = ["fr", "en"])]
    pub lang: Option<String>,
    /// Exit with code 1 if any warning was printed.
    #[arg(long)]
    pub strict: bool,
}

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// entries.csv and summary.csv.
    Csv,
    /// summary.md and one page per association.
    Md,
    /// summary.ods and one spreadsheet per association (OpenDocument).
    Ods,
}
