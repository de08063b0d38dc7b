// SPDX-License-Identifier: GPL-3.0-or-later
//! One function per command, wiring the modules together; the only module that knows
//! them all. Also the logger and the mapping of errors to exit codes.
//!
//! The clock, the environment and the file system are read here and passed down as
//! values, so every stage below stays deterministic.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use chrono::{Datelike, NaiveDate, Utc};

use crate::cli::{CheckArgs, CheckFormat, Cli, Command, ReportArgs, Selection};
use crate::config::{self, AllDayPolicy, Config, ConfigError, SecretError};
use crate::ical::{Expansion, tz::Zone};
use crate::model::{Occurrence, Period, PeriodError, Problem};

/// Prints a line on stdout, like `println!`, except that stdout being gone (`caltally … |
/// head`, a closed terminal) drops the line instead of panicking: a command that is
/// sending mail or writing files must not stop half-way because nobody reads its messages.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// Prints a line on stderr, like `eprintln!`, with the same care as [`say!`].
macro_rules! tell {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

mod attachments;
mod calendars;
mod closing;
mod docs;
mod init;
mod inputs;
mod mailing;
use inputs::read_and_expand;
mod nightly;
mod preflight;
mod publish;
mod remind;
mod send;
mod sync;

use crate::output::Pending;
use crate::report::{self, Settings, i18n::Lang};
use closing::{close, closed_files, closing_of, render_into, write_files};

/// A usage error: exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Exit code for an error: 2 for usage and config errors, else 1.
pub fn exit_code_for(err: &anyhow::Error) -> u8 {
    let usage = err.chain().any(|e| {
        e.is::<UsageError>()
            || e.is::<ConfigError>()
            || e.is::<PeriodError>()
            || e.downcast_ref::<SecretError>()
                .is_some_and(SecretError::is_configuration)
    });
    if usage { 2 } else { 1 }
}

/// Runs the command; returns the exit code.
pub fn run(cli: Cli) -> Result<u8> {
    match &cli.command {
        Command::Completions(args) => return docs::completions(args.shell),
        Command::Man => return docs::man(),
        _ => {}
    }
    let env = Env::from_process()?;
    match &cli.command {
        Command::Init(args) => init::init(&cli, args),
        Command::Report(args) => {
            let config = config_or_source(&cli, &args.selection.source)?;
            report(&cli, args, &config, &env)
        }
        Command::Sync(args) => {
            let config = config_for(&cli, &[])?;
            preflight::source_secrets(&config)?;
            sync::sync(&config, args, cli.quiet, &env)
        }
        Command::Close(args) => {
            let config = config_or_source(&cli, &args.source)?;
            close(args, &config, &env, cli.quiet)
        }
        Command::Check(args) => {
            let config = config_or_source(&cli, &args.selection.source)?;
            check(args, &config, &env)
        }
        Command::Send(args) => {
            let config = config_for(&cli, &[])?;
            if !args.dry_run {
                preflight::mail_secret(&config)?;
            }
            send::send(args, &config, &env, cli.quiet)
        }
        Command::Remind(args) => {
            let config = config_for(&cli, &[])?;
            if !args.dry_run {
                preflight::mail_secret(&config)?;
            }
            remind::remind(args, &config, &env, cli.quiet)
        }
        Command::Run(args) => {
            let config = config_for(&cli, &[])?;
            preflight::source_secrets(&config)?;
            preflight::mail_secret(&config)?;
            nightly::run(args, &config, &env)
        }
        Command::Publish(args) => {
            let config = config_for(&cli, &[])?;
            publish::publish(args, &config, &env, cli.quiet)
        }
        Command::Calendars => {
            let config = config_for(&cli, &[])?;
            preflight::source_secrets(&config)?;
            calendars::calendars(&config)
        }
        Command::Completions(_) | Command::Man => Ok(0),
    }
}

/// The config of a command: required unless calendars are given with `--source`, which
/// works with zero configuration.
fn config_for(cli: &Cli, sources: &[String]) -> Result<Config> {
    preflight::source_paths(sources)?;
    if sources.is_empty() {
        let path = config::require_config(cli.config.as_deref())?;
        return Ok(Config::load(&path)?);
    }
    load_config(cli.config.as_deref())
}

/// Like [`config_for`], for the commands that also work on `--source` without a config: a
/// missing config says so.
fn config_or_source(cli: &Cli, sources: &[String]) -> Result<Config> {
    config_for(cli, sources).map_err(|e| {
        if matches!(e.downcast_ref(), Some(ConfigError::NotFound(_))) {
            e.context(UsageError(
                "no config, and no --source: give --source FILE|DIR|URL to read calendars \
                 without a config"
                    .into(),
            ))
        } else {
            e
        }
    })
}

/// What the process environment says, read once.
#[derive(Debug, Clone, Default)]
pub struct Env {
    /// Today's date (UTC); the report zone refines it.
    pub now: chrono::DateTime<Utc>,
    /// `$TZ`.
    pub tz: Option<String>,
    /// `$LANG`.
    pub lang: Option<String>,
}

impl Env {
    fn from_process() -> Result<Self, UsageError> {
        let now = match std::env::var("CALTALLY_NOW") {
            Ok(s) if !s.is_empty() => chrono::DateTime::parse_from_rfc3339(&s)
                .map_err(|e| {
                    UsageError(format!(
                        "CALTALLY_NOW=`{s}` is not an RFC 3339 time such as 2026-11-03T06:00:00+01:00 ({e})"
                    ))
                })?
                .with_timezone(&Utc),
            _ => Utc::now(),
        };
        Ok(Self {
            now,
            tz: std::env::var("TZ").ok(),
            lang: std::env::var("LC_ALL")
                .ok()
                .filter(|s| !s.is_empty())
                .or_else(|| std::env::var("LANG").ok()),
        })
    }
}

fn load_config(explicit: Option<&Path>) -> Result<Config> {
    match config::find_config(explicit) {
        Some(path) => Ok(Config::load(&path)?),
        None => Ok(Config::default()),
    }
}

/// The report zone: `--tz`, config, `$TZ`, the system zone, else UTC.
fn report_zone(flag: Option<&str>, config: &Config, env: &Env) -> Result<(Zone, String)> {
    let named = |name: &str, what: &str| -> Result<(Zone, String)> {
        let tz: chrono_tz::Tz = name.parse().map_err(|_| {
            UsageError(format!(
                "{what} `{name}` is not an IANA time zone (e.g. Europe/Brussels)"
            ))
        })?;
        Ok((Zone::Iana(tz), tz.name().to_string()))
    };
    if let Some(name) = flag {
        return named(name, "--tz");
    }
    if let Some(name) = &config.timezone {
        return named(name, "timezone");
    }
    if let Some(name) = env
        .tz
        .as_deref()
        .map(|t| t.trim_start_matches(':'))
        .filter(|t| !t.is_empty())
    {
        return named(name, "$TZ");
    }
    if let Some(name) = system_zone()
        && let Ok(z) = named(&name, "system zone")
    {
        return Ok(z);
    }
    Ok((Zone::Utc, "UTC".into()))
}

fn system_zone() -> Option<String> {
    if let Ok(s) = std::fs::read_to_string("/etc/timezone") {
        return Some(s.trim().to_string());
    }
    let link = std::fs::read_link("/etc/localtime").ok()?;
    let text = link.to_string_lossy();
    text.split_once("zoneinfo/").map(|(_, z)| z.to_string())
}

fn period_of(args: &Selection, today: NaiveDate) -> Result<Period> {
    Ok(match (&args.month, &args.year, &args.from, &args.to) {
        (Some(m), _, _, _) => Period::parse_month_on(m, today)?,
        (_, Some(y), _, _) => Period::parse_year(y)?,
        (_, _, Some(f), Some(t)) => {
            Period::inclusive(Period::parse_date(f)?, Period::parse_date(t)?)?
        }
        _ => Period::month(today.year(), today.month()).context("no current month")?,
    })
}

/// The `check` command line that lists the entries under review of this report.
fn check_command(period: &Period, selection: &Selection) -> String {
    let mut line = if period.is_month() {
        format!("caltally check --month {}", period.label())
    } else if period.is_year() {
        format!("caltally check --year {}", period.label())
    } else {
        format!(
            "caltally check --from {} --to {}",
            period.from,
            period.last_day()
        )
    };
    for s in &selection.source {
        line.push_str(" --source ");
        line.push_str(&preflight::shell_quote(s));
    }
    if let Some(tz) = &selection.tz {
        line.push_str(" --tz ");
        line.push_str(&preflight::shell_quote(tz));
    }
    line
}

/// What `report` and `check` both start from: the settings, the rules, and the
/// occurrences of the period and of the one before it.
struct Gathered {
    settings: Settings,
    about: report::About,
    rules: crate::classify::Rules,
    occurrences: Vec<Occurrence>,
    /// The class of each component of `occurrences`.
    classes: report::Classes,
    problems: Vec<Problem>,
}

fn gather(sel: &Selection, lang: Option<&str>, config: &Config, env: &Env) -> Result<Gathered> {
    let (zone, zone_name) = report_zone(sel.tz.as_deref(), config, env)?;
    let today = zone.to_local(env.now).date();
    let period = period_of(sel, today)?;
    let lang = match lang.or(config.lang.as_deref()) {
        Some(l) => Lang::parse(l)
            .ok_or_else(|| UsageError(format!("--lang `{l}` is not supported (use fr or en)")))?,
        None => Lang::from_env(env.lang.as_deref()),
    };
    let settings = Settings {
        period,
        zone: zone.clone(),
        zone_name,
        all_day: config.all_day_policy().unwrap_or(AllDayPolicy::Skip),
        lang,
        rates: config.rates().unwrap_or_default(),
        currency: config
            .valuation
            .as_ref()
            .map_or_else(|| "EUR".into(), |v| v.currency.clone()),
        accounts: config
            .valuation
            .as_ref()
            .and_then(|v| Some((v.debit_account.clone()?, v.credit_account.clone()?))),
    };
    let previous = period.previous();
    let expansion = Expansion::for_dates(zone, previous.from.min(period.from), period.to);
    let clock = std::time::Instant::now();
    let (occurrences, mut problems) = read_and_expand(sel, config, env, &expansion)?;
    let rules = config.rules();
    let (classes, too_many_tags) = report::Classes::of(&occurrences, &rules);
    problems.extend(too_many_tags);
    log::debug!(
        "{} occurrences after {:?}",
        occurrences.len(),
        clock.elapsed()
    );
    Ok(Gathered {
        about: report::About::new(&period, today, config::collective_of(config)),
        settings,
        rules,
        occurrences,
        classes,
        problems,
    })
}

fn report(cli: &Cli, args: &ReportArgs, config: &Config, env: &Env) -> Result<u8> {
    if let Some(key) = &args.association
        && !config.associations.is_empty()
        && !config.associations.contains_key(key)
    {
        return Err(UsageError(format!(
            "--association `{key}` is not a configured association"
        ))
        .into());
    }
    if let Some(key) = &args.person
        && !config.people.is_empty()
        && !config.people.contains_key(key)
    {
        let known: Vec<&str> = config.people.keys().map(String::as_str).collect();
        return Err(UsageError(format!(
            "--person `{key}` is not a configured person; the keys of [people] are: {}",
            known.join(", ")
        ))
        .into());
    }
    let Gathered {
        settings,
        about,
        rules,
        occurrences,
        classes,
        problems,
    } = gather(&args.selection, args.lang.as_deref(), config, env)?;
    let (period, lang) = (settings.period, settings.lang);
    let clock = std::time::Instant::now();
    for p in &problems {
        crate::terminal::warn(p);
    }
    let warned = !problems.is_empty();
    let mut g = Gathered {
        settings,
        about,
        rules,
        occurrences,
        classes,
        problems,
    };
    let report = build_report_of(&g, args.association.as_deref(), args.person.as_deref());
    // Nothing reads the classes once the entries are made: they are freed beside the
    // rendering, which keeps them out of its peak memory.
    let classes = std::mem::take(&mut g.classes);
    std::thread::spawn(move || drop(classes));
    let out = args.out.clone().unwrap_or_else(|| {
        let folder = output_base(config).join(period.label());
        match &args.person {
            // One person's report never replaces the period's own files.
            Some(key) => {
                let stem = crate::file_names::association_stems(
                    [key.as_str()],
                    crate::file_names::Naming::of(1),
                );
                folder.join(format!(
                    "person-{}",
                    stem.get(key).map_or("unnamed", String::as_str)
                ))
            }
            None => folder,
        }
    });
    log::debug!(
        "{} entries classified after {:?}",
        report.entries.len(),
        clock.elapsed()
    );
    let naming = closing::naming(config);
    let full = args.association.is_none() && args.person.is_none();
    let closing = match &args.person {
        None => closing_of(config, &period)?,
        Some(_) => None,
    };
    let files = match closing {
        Some(closing) => {
            let files = closed_files(closing, &report, &args.format, naming)?;
            write_files(&out, files, &args.format, full)?
        }
        None => {
            // Each file is written (not yet in place) as soon as it is rendered.
            let pending = Pending::begin(&out).map_err(closing::output_error)?;
            let files = render_into(&report, &args.format, naming, Some(&pending))?;
            log::debug!("{} files rendered after {:?}", files.len(), clock.elapsed());
            pending
                .commit(&closing::stale_of(&args.format, full))
                .map_err(closing::output_error)?
        }
    };
    log::debug!("{} files written after {:?}", files.len(), clock.elapsed());
    if args.out.is_none() && args.person.is_none() {
        write_index(&output_base(config), lang)?;
    }
    if !cli.quiet {
        // Console messages are English; the files follow `lang`.
        let t = Lang::En.text();
        let entries = report.entries.len();
        say!(
            "caltally: {} {} → {} ({} files, {entries} {}, {} h)",
            t.report_title,
            t.period(&period),
            out.display(),
            files.len(),
            if entries == 1 { "entry" } else { "entries" },
            t.duration(report.totals.total())
        );
        if std::io::stdout().is_terminal() {
            // Like `timew summary`: the totals at a glance, for a person at a terminal.
            let mut table = Vec::new();
            report::text::write_totals_table(&mut table, &report)?;
            say!("\n{}", String::from_utf8_lossy(&table));
        }
        let review = report.review().count();
        if review > 0 {
            let noun = if review == 1 {
                "entry needs"
            } else {
                "entries need"
            };
            say!(
                "caltally: {review} {noun} review: {}",
                check_command(&period, &args.selection)
            );
        }
    }
    // The command ends here: its memory goes back to the system with the process, which is
    // faster than freeing every entry and occurrence one by one.
    std::mem::forget((g, report));
    Ok(if args.strict && warned { 1 } else { 0 })
}

/// Rewrites `index.md` in the folder of the report folders; says so if it is not caltally's.
pub(super) fn write_index(base: &Path, lang: Lang) -> Result<()> {
    let render = |folders: &[String]| {
        let mut text = Vec::new();
        // Writing into a Vec cannot fail.
        let _ = report::markdown::write_index(&mut text, lang, folders);
        text
    };
    if !crate::output::write_index(base, &render)? {
        tell!(
            "caltally: warning: {} was not written by caltally, so it was left as it is; \
             move it away to get the list of reports there",
            base.join("index.md").display()
        );
    }
    Ok(())
}

/// The config's `output` directory (relative to the config file), else `reports`.
fn output_base(config: &Config) -> PathBuf {
    config.output.as_ref().map_or_else(
        || PathBuf::from("reports"),
        |o| config.resolve(&o.display().to_string()),
    )
}

fn check(args: &CheckArgs, config: &Config, env: &Env) -> Result<u8> {
    let g = gather(&args.selection, args.lang.as_deref(), config, env)?;
    let entries = report::build_entries(&g.occurrences, &g.classes, &g.settings);
    let mut findings = crate::check::check_entries(&entries, &g.problems, &g.rules);
    let lang = g.settings.lang;
    crate::check::localize(&mut findings, lang);
    let period = match lang {
        Lang::Fr => lang.text().period(&g.settings.period),
        Lang::En => g.settings.period.label(),
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let written = match args.format {
        CheckFormat::Text => crate::check::write_text(&mut out, &findings, &g.rules, lang, &period),
        CheckFormat::Md => {
            crate::check::write_markdown(&mut out, &findings, &g.rules, lang, &period)
        }
        CheckFormat::Json => serde_json::to_writer_pretty(&mut out, &findings)
            .map_err(std::io::Error::from)
            .and_then(|()| writeln!(out)),
    };
    match written.and_then(|()| out.flush()) {
        // `caltally check | head`: the reader has what it wanted.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        other => other.context("cannot write to stdout")?,
    }
    Ok(u8::from(args.strict && !findings.is_empty()))
}

/// The report model of the gathered period, with the previous period's totals.
fn build_report(g: &Gathered, association: Option<&str>) -> report::Report {
    build_report_of(g, association, None)
}

/// The report of one association, one person (every association), or everything.
fn build_report_of(
    g: &Gathered,
    association: Option<&str>,
    person: Option<&str>,
) -> report::Report {
    let keep = |e: &crate::model::Entry| {
        association.is_none_or(|k| e.association.as_deref() == Some(k))
            && person.is_none_or(|p| e.people.iter().any(|x| x == p))
    };
    let prev_settings = Settings {
        period: g.settings.period.previous(),
        ..g.settings.clone()
    };
    let (entries, prev_totals) = rayon::join(
        || {
            report::build_entries(&g.occurrences, &g.classes, &g.settings)
                .into_iter()
                .filter(keep)
                .collect::<Vec<_>>()
        },
        // The previous period is not counted per person.
        || {
            person.is_none().then(|| {
                report::period_totals(&g.occurrences, &g.classes, &prev_settings, association)
            })
        },
    );
    let mut report = report::build_report(
        entries,
        &g.rules,
        &g.settings,
        prev_totals,
        g.problems.clone(),
        g.about.clone(),
    );
    if association.is_some() || person.is_some() {
        report.idle.clear();
    }
    report
}

/// A minimal stderr logger: warnings always, info with `-v`, debug with `-vv`.
pub fn init_logging(verbose: u8, quiet: bool) {
    struct Stderr;
    impl log::Log for Stderr {
        fn enabled(&self, m: &log::Metadata<'_>) -> bool {
            m.level() <= log::max_level()
        }
        fn log(&self, r: &log::Record<'_>) {
            if self.enabled(r.metadata()) && r.target().starts_with("caltally") {
                tell!(
                    "caltally: {}: {}",
                    r.level().as_str().to_lowercase(),
                    crate::terminal::sanitize(&r.args().to_string())
                );
            }
        }
        fn flush(&self) {}
    }
    static LOGGER: Stderr = Stderr;
    let level = match (quiet, verbose) {
        (true, _) => log::LevelFilter::Error,
        (false, 0) => log::LevelFilter::Warn,
        (false, 1) => log::LevelFilter::Info,
        _ => log::LevelFilter::Debug,
    };
    if log::set_logger(&LOGGER).is_ok() {
        log::set_max_level(level);
    }
}
