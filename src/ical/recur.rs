// SPDX-License-Identifier: GPL-3.0-or-later
//! Expansion of events into occurrences over a window (RFC 5545 §3.8.5, §3.8.4.4).
//!
//! Owns: RRULE (via [`super::rule`]), RDATE (PERIOD included), EXDATE (DATE-valued and in
//! other zones), the merge of RECURRENCE-ID overrides keyed by the UTC instant of the
//! original start whatever their SEQUENCE, RANGE=THISANDFUTURE, cancelled overrides, and
//! the end of each occurrence (DTEND, else DURATION, else the RFC default).
//!
//! Recurrences run on the wall clock of DTSTART's zone, then each local time becomes an
//! instant ([`Zone::to_utc`]). A DTEND in the same zone keeps the wall-clock length on
//! every occurrence, so a 22:00–02:00 series is 22:00–02:00 on the DST night too, and
//! lasts what really elapsed. Expansion is bounded by the window and a per-event cap, and
//! a panic in one event becomes a warning for its UID.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use calcard::icalendar::ICalendarDuration;
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Utc};

use super::parse::{Component, Event, Moment, PeriodEnd};
use super::rule::{self, RuleError};
use super::steps;
use super::tz::{Zone, ZoneResolver};
use crate::model::{AllDay, Occurrence, Problem};

pub use super::expand::{append_parts, expand_occurrences, expand_occurrences_into};

/// The warning given for an event whose expansion panicked.
pub const PANIC_MESSAGE: &str = "internal error while expanding this event; skipped";

/// Default cap on the instances generated for one event, RRULEs and RDATEs together.
pub const DEFAULT_MAX_INSTANCES: usize = 100_000;

/// Most RRULEs read from one event (RFC 5545 wants one): each one more makes every
/// instance of the event dearer to generate.
pub const MAX_RRULES: usize = 16;

/// The start of the warning given when an event reaches its instance cap.
pub const CAP_MESSAGE: &str = "recurrence stopped after";

/// What an expansion needs besides the events.
#[derive(Debug, Clone)]
pub struct Expansion {
    /// Zone for floating times, dates and unknown TZIDs.
    pub report_zone: Zone,
    /// Occurrences must overlap `[from, to)`.
    pub from: DateTime<Utc>,
    /// End of the window.
    pub to: DateTime<Utc>,
    /// Cap on instances generated per event.
    pub max_instances: usize,
}

impl Expansion {
    /// The window of a period of local dates in the report zone.
    pub fn for_dates(report_zone: Zone, from: NaiveDate, to: NaiveDate) -> Self {
        Self {
            from: report_zone.to_utc(from.and_time(NaiveTime::MIN)),
            to: report_zone.to_utc(to.and_time(NaiveTime::MIN)),
            report_zone,
            max_instances: DEFAULT_MAX_INSTANCES,
        }
    }
}

/// How long an occurrence lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Span {
    /// Same wall-clock length (DTEND in DTSTART's zone).
    Wall(TimeDelta),
    /// Same elapsed time (DTEND in another zone, or UTC).
    Exact(TimeDelta),
    /// DURATION: days on the wall clock, then exact time.
    Nominal { days: i64, exact: TimeDelta },
}

impl Span {
    /// The longest an instance can last (a day more for a change of the clocks).
    fn longest(self) -> TimeDelta {
        match self {
            Span::Wall(d) | Span::Exact(d) => d.max(TimeDelta::zero()) + TimeDelta::hours(1),
            Span::Nominal { days, exact } => {
                TimeDelta::try_days(days.max(0) + 1).unwrap_or(TimeDelta::MAX)
                    + exact.max(TimeDelta::zero())
            }
        }
    }
}

struct Ctx<'a> {
    zones: &'a ZoneResolver,
    x: &'a Expansion,
    source: &'a str,
    uid: &'a str,
    unknown: HashSet<String>,
    /// The last TZID resolved, and its zone (`None`: unknown).
    last_zone: Option<(String, Option<Zone>)>,
    capped: bool,
    problems: &'a mut Vec<Problem>,
}

impl Ctx<'_> {
    fn warn(&mut self, msg: impl Into<String>) {
        self.problems
            .push(Problem::new(self.source, msg).with_uid(Some(self.uid)));
    }

    /// Warns, once per event, that the instance cap was reached.
    fn warn_capped(&mut self) {
        if !self.capped {
            self.capped = true;
            let cap = self.x.max_instances.max(1);
            self.warn(format!(
                "{CAP_MESSAGE} {cap} occurrences (RRULEs and RDATEs together; cap reached before the end of the period)"
            ));
        }
    }

    fn zone_of(&mut self, m: &Moment) -> Zone {
        match m {
            Moment::Utc(_) => Zone::Utc,
            Moment::Date(_) | Moment::Floating(_) => self.x.report_zone.clone(),
            Moment::Zoned(_, tzid) => match self.resolve(tzid) {
                Some(z) => z,
                None => {
                    if self.unknown.insert(tzid.clone()) {
                        let msg = format!("unknown TZID `{tzid}`; read in the report time zone");
                        self.warn(msg);
                    }
                    self.x.report_zone.clone()
                }
            },
        }
    }

    /// The zone of `tzid`; an event names the same TZID again and again.
    fn resolve(&mut self, tzid: &str) -> Option<Zone> {
        match &self.last_zone {
            Some((id, zone)) if id == tzid => zone.clone(),
            _ => {
                let zone = self.zones.resolve(tzid);
                self.last_zone = Some((tzid.to_string(), zone.clone()));
                zone
            }
        }
    }

    fn instant(&mut self, m: &Moment) -> DateTime<Utc> {
        self.zone_of(m).to_utc(m.wall())
    }

    fn span(&mut self, c: &Component) -> Option<Span> {
        let start = c.start.as_ref()?;
        Some(match (&c.end, &c.duration) {
            (Some(end), _) if same_clock(start, end) => Span::Wall(end.wall() - start.wall()),
            (Some(end), _) => Span::Exact(self.instant(end) - self.instant(start)),
            (None, Some(d)) => nominal(d),
            (None, None) if start.is_date() => Span::Wall(TimeDelta::days(1)),
            (None, None) => Span::Exact(TimeDelta::zero()),
        })
    }
}

fn same_clock(a: &Moment, b: &Moment) -> bool {
    match (a, b) {
        (Moment::Date(_), Moment::Date(_))
        | (Moment::Floating(_), Moment::Floating(_))
        | (Moment::Utc(_), Moment::Utc(_)) => true,
        (Moment::Zoned(_, x), Moment::Zoned(_, y)) => x == y,
        _ => false,
    }
}

fn nominal(d: &ICalendarDuration) -> Span {
    let sign = if d.neg { -1 } else { 1 };
    Span::Nominal {
        days: sign * (i64::from(d.weeks) * 7 + i64::from(d.days)),
        exact: TimeDelta::seconds(
            sign * (i64::from(d.hours) * 3600 + i64::from(d.minutes) * 60 + i64::from(d.seconds)),
        ),
    }
}

/// One instance before its end is known.
struct Inst<'e> {
    /// Instant of the original start (the RECURRENCE-ID key).
    key: DateTime<Utc>,
    start: DateTime<Utc>,
    wall: NaiveDateTime,
    zone: Zone,
    span: Span,
    date: bool,
    comp: &'e Component,
}

impl Inst<'_> {
    /// The end instant, or `None` if the duration leaves the representable range.
    fn end(&self) -> Option<DateTime<Utc>> {
        match self.span {
            Span::Wall(d) => Some(self.zone.to_utc(self.wall.checked_add_signed(d)?)),
            Span::Exact(d) => self.start.checked_add_signed(d),
            Span::Nominal { days, exact } => {
                let wall = self.wall.checked_add_signed(TimeDelta::try_days(days)?)?;
                self.zone.to_utc(wall).checked_add_signed(exact)
            }
        }
    }
}

/// Expands one event over the window, appending its occurrences to `out`.
pub fn expand_event(
    event: &Event,
    zones: &ZoneResolver,
    x: &Expansion,
    source: &str,
    out: &mut Vec<Occurrence>,
    problems: &mut Vec<Problem>,
) {
    let mut ctx = Ctx {
        zones,
        x,
        source,
        uid: &event.uid,
        unknown: HashSet::new(),
        last_zone: None,
        capped: false,
        problems,
    };
    let mut insts: Vec<Inst<'_>> = Vec::new();
    let mut recurring = false;
    // Sorted lists rather than sets: a handful of EXDATEs each, most often.
    let mut excluded: Vec<DateTime<Utc>> = Vec::new();
    let mut excluded_dates: Vec<NaiveDate> = Vec::new();
    if let Some(master) = event.master.as_ref().filter(|m| m.start.is_some()) {
        recurring = !master.rrules.is_empty() || !master.rdates.is_empty();
        expand_master(&mut ctx, master, &event.overrides, &mut insts);
        for ex in &master.exdates {
            match ex {
                Moment::Date(d) => {
                    excluded_dates.push(*d);
                }
                other => {
                    excluded.push(ctx.instant(other));
                }
            }
        }
        excluded.sort_unstable();
        excluded_dates.sort_unstable();
        if !(excluded.is_empty() && excluded_dates.is_empty()) {
            insts.retain(|i| {
                excluded.binary_search(&i.key).is_err()
                    && excluded_dates.binary_search(&i.wall.date()).is_err()
            });
        }
    }
    apply_overrides(&mut ctx, &event.overrides, &mut insts, &excluded);
    recurring |= !event.overrides.is_empty();
    finish(&mut ctx, event, insts, recurring, out);
}

fn expand_master<'e>(
    ctx: &mut Ctx<'_>,
    master: &'e Component,
    overrides: &[Component],
    insts: &mut Vec<Inst<'e>>,
) {
    let Some(start) = master.start.as_ref() else {
        return;
    };
    let zone = ctx.zone_of(start);
    let span = ctx.span(master).unwrap_or(Span::Exact(TimeDelta::zero()));
    let date = start.is_date();
    let wall0 = start.wall();
    let mut walls = Vec::new();
    if !master.rrules.is_empty() {
        let shift = overrides
            .iter()
            .filter(|o| o.this_and_future)
            .filter_map(|o| {
                Some((o.start.as_ref()?.wall() - o.recurrence_id.as_ref()?.wall()).abs())
            })
            .max()
            .unwrap_or_default();
        let horizon = (ctx.x.to.naive_utc() + TimeDelta::days(2))
            .checked_add_signed(shift)
            .unwrap_or(NaiveDateTime::MAX);
        // The earliest start that can still matter: an instance that starts earlier ends
        // before the window, even moved by a THISANDFUTURE override.
        let reach = span.longest() + shift + TimeDelta::days(2);
        let from = zone
            .to_local(ctx.x.from)
            .checked_sub_signed(reach)
            .unwrap_or(NaiveDateTime::MIN);
        walls = rule_walls(ctx, master, &zone, wall0, (from, horizon));
        walls.push(wall0);
        walls.sort_unstable();
        walls.dedup();
    }
    let walls = if walls.is_empty() {
        std::slice::from_ref(&wall0)
    } else {
        walls.as_slice()
    };
    insts.reserve(walls.len() + master.rdates.len());
    for &wall in walls {
        let key = zone.to_utc(wall);
        insts.push(Inst {
            key,
            start: key,
            wall,
            zone: zone.clone(),
            span,
            date,
            comp: master,
        });
    }
    if master.rdates.is_empty() {
        return;
    }
    let mut keys: HashSet<DateTime<Utc>> = insts.iter().map(|i| i.key).collect();
    let cap = ctx.x.max_instances.max(1);
    for rdate in &master.rdates {
        let rzone = ctx.zone_of(&rdate.start);
        let rstart = rzone.to_utc(rdate.start.wall());
        if keys.contains(&rstart) {
            continue;
        }
        if keys.len() >= cap {
            ctx.warn_capped();
            break;
        }
        keys.insert(rstart);
        let rspan = match &rdate.end {
            Some(PeriodEnd::End(end)) => Span::Exact(ctx.instant(end) - rstart),
            Some(PeriodEnd::Duration(d)) => nominal(d),
            None => span,
        };
        let wall = zone.to_local(rstart);
        insts.push(Inst {
            key: rstart,
            start: rstart,
            wall: if rdate.start.is_date() {
                rdate.start.wall()
            } else {
                wall
            },
            zone: zone.clone(),
            span: rspan,
            date: rdate.start.is_date(),
            comp: master,
        });
    }
}

/// The wall-clock starts of the rules' instances up to `horizon`, DTSTART excepted; those
/// before `from` may be left out.
fn rule_walls(
    ctx: &mut Ctx<'_>,
    master: &Component,
    zone: &Zone,
    wall0: NaiveDateTime,
    (from, horizon): (NaiveDateTime, NaiveDateTime),
) -> Vec<NaiveDateTime> {
    // Long series are walked from a start near the window, not from DTSTART.
    let anchor = rule::skip_ahead(&master.rrules, wall0, from);
    let mut rules = Vec::new();
    let mut distinct: Vec<&calcard::icalendar::ICalendarRecurrenceRule> = Vec::new();
    for r in &master.rrules {
        if distinct.contains(&r) {
            continue;
        }
        if distinct.len() == MAX_RRULES {
            ctx.warn(format!(
                "more than {MAX_RRULES} different RRULEs; only the first {MAX_RRULES} are used"
            ));
            break;
        }
        distinct.push(r);
        let until = r.until.as_ref().and_then(|u| u.to_date_time()).map(|u| {
            if let Some(off) = u.offset {
                let utc =
                    (u.date_time - TimeDelta::seconds(off.local_minus_utc().into())).and_utc();
                zone.to_local(utc)
            } else if r.until.as_ref().is_some_and(|p| p.hour.is_none()) {
                u.date_time
                    .date()
                    .and_hms_opt(23, 59, 59)
                    .unwrap_or(u.date_time)
            } else {
                u.date_time
            }
        });
        match rule::to_rrule(r, anchor, until) {
            Ok(rule) => rules.push((rule, until)),
            Err(RuleError::UntilBeforeStart) => {}
            Err(e) => ctx.warn(format!("{e}; only DTSTART and RDATEs are used")),
        }
    }
    // One plain rule is walked by adding periods; `rrule` walks the others.
    let plain = match (rules.as_slice(), distinct.as_slice()) {
        ([(_, until)], [r]) if horizon.year() <= steps::LAST_YEAR => {
            steps::plain_steps(r, anchor, *until)
        }
        _ => None,
    };
    if let Some(walk) = plain {
        return collect_walls(ctx, walk, wall0, anchor, (from, horizon));
    }
    if rules.is_empty() {
        return Vec::new();
    }
    let set = rule::set_of(rules.into_iter().map(|(r, _)| r).collect(), anchor);
    let walk = (&set).into_iter().map(|dt| dt.naive_utc());
    collect_walls(ctx, walk, wall0, anchor, (from, horizon))
}

/// The instances of a walk from `anchor` up to `horizon`, DTSTART `wall0` excepted, within
/// the cap; those before `from` are left out when the walk skipped ahead.
fn collect_walls(
    ctx: &mut Ctx<'_>,
    mut walk: impl Iterator<Item = NaiveDateTime>,
    wall0: NaiveDateTime,
    anchor: NaiveDateTime,
    (from, horizon): (NaiveDateTime, NaiveDateTime),
) -> Vec<NaiveDateTime> {
    // DTSTART is an instance of its own, counted in the cap.
    let cap = ctx.x.max_instances.max(1);
    let mut walls = Vec::new();
    while walls.len() < cap - 1 {
        match walk.next() {
            Some(dt) if dt > horizon => return walls,
            Some(dt) if dt == wall0 => {}
            // The anchor of a walk that skipped ahead is no instance of its own.
            Some(dt) if anchor != wall0 && dt < from => {}
            Some(dt) => walls.push(dt),
            None => return walls,
        }
    }
    if walk.next().is_some_and(|dt| dt <= horizon) {
        ctx.warn_capped();
    }
    walls
}

fn apply_overrides<'e>(
    ctx: &mut Ctx<'_>,
    overrides: &'e [Component],
    insts: &mut Vec<Inst<'e>>,
    excluded: &[DateTime<Utc>],
) {
    if overrides.is_empty() {
        return;
    }
    let master_span = insts.first().map(|i| i.span);
    let mut keyed: Vec<(DateTime<Utc>, &'e Component)> = overrides
        .iter()
        .filter_map(|o| Some((ctx.instant(o.recurrence_id.as_ref()?), o)))
        .collect();
    // Highest SEQUENCE wins for one RECURRENCE-ID; later in the file breaks ties.
    keyed.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.sequence.cmp(&b.1.sequence)));
    let mut chosen: Vec<(DateTime<Utc>, &'e Component)> = Vec::new();
    for (key, o) in keyed {
        match chosen.last_mut() {
            Some(last) if last.0 == key => *last = (key, o),
            _ => chosen.push((key, o)),
        }
    }
    shift_this_and_future(ctx, &chosen, master_span, insts);
    // A few overrides are found by a scan from the end (the last of equal keys, as the
    // map finds it); many, through a map.
    let mut index: Option<HashMap<DateTime<Utc>, usize>> =
        (chosen.len() > 4).then(|| insts.iter().enumerate().map(|(n, i)| (i.key, n)).collect());
    for (key, o) in chosen {
        let start_moment = o.start.as_ref().or(o.recurrence_id.as_ref());
        let Some(start_moment) = start_moment else {
            continue;
        };
        let zone = ctx.zone_of(start_moment);
        let start = zone.to_utc(start_moment.wall());
        let span = if o.end.is_some() || o.duration.is_some() {
            ctx.span(o)
        } else {
            None
        }
        .or(master_span)
        .unwrap_or(Span::Exact(TimeDelta::zero()));
        let inst = Inst {
            key,
            start,
            wall: start_moment.wall(),
            zone,
            span,
            date: start_moment.is_date(),
            comp: o,
        };
        let found = match &index {
            Some(map) => map.get(&key).copied(),
            None => insts.iter().rposition(|i| i.key == key),
        };
        if let Some(slot) = found.and_then(|n| insts.get_mut(n)) {
            *slot = inst;
        } else if excluded.binary_search(&key).is_err() {
            if let Some(map) = index.as_mut() {
                map.insert(key, insts.len());
            }
            insts.push(inst);
        }
    }
}

/// Applies each RANGE=THISANDFUTURE override to the instances from its key on: the shifts
/// add up, and the latest override gives the span and the properties. One pass over the
/// instances sorted by key, whatever the number of overrides.
fn shift_this_and_future<'e>(
    ctx: &mut Ctx<'_>,
    chosen: &[(DateTime<Utc>, &'e Component)],
    master_span: Option<Span>,
    insts: &mut [Inst<'e>],
) {
    let mut changes = Vec::new();
    for (key, o) in chosen.iter().filter(|(_, o)| o.this_and_future) {
        let Some(start) = o.start.as_ref() else {
            continue;
        };
        let delta = ctx.instant(start) - *key;
        changes.push((*key, delta, ctx.span(o).or(master_span), *o));
    }
    if changes.is_empty() {
        return;
    }
    insts.sort_by_key(|i| i.key);
    let mut next = changes.iter().peekable();
    let (mut shift, mut span, mut comp) = (TimeDelta::zero(), None, None);
    for inst in insts.iter_mut() {
        while let Some((_, delta, s, o)) = next.next_if(|c| c.0 <= inst.key) {
            shift = shift.checked_add(delta).unwrap_or(shift);
            span = s.or(span);
            comp = Some(*o);
        }
        let Some(o) = comp else {
            continue;
        };
        inst.start = inst.start.checked_add_signed(shift).unwrap_or(inst.start);
        inst.wall = inst.zone.to_local(inst.start);
        if let Some(span) = span {
            inst.span = span;
        }
        inst.comp = o;
    }
}

fn finish(
    ctx: &mut Ctx<'_>,
    event: &Event,
    insts: Vec<Inst<'_>>,
    recurring: bool,
    out: &mut Vec<Occurrence>,
) {
    let (from, to) = (ctx.x.from, ctx.x.to);
    let mut warned_negative = false;
    for inst in insts {
        if inst.comp.cancelled {
            continue;
        }
        let Some(mut end) = inst.end() else {
            ctx.warn("the duration is out of range; occurrence ignored");
            continue;
        };
        if end < inst.start {
            if !warned_negative {
                ctx.warn("the event ends before it starts; counted as 0 minutes");
                warned_negative = true;
            }
            end = inst.start;
        }
        let (start, end, all_day) = if inst.date {
            let first = inst.wall.date();
            let last = inst.zone.to_local(end).date().max(first);
            let rz = &ctx.x.report_zone;
            (
                rz.to_utc(first.and_time(NaiveTime::MIN)),
                rz.to_utc(last.and_time(NaiveTime::MIN)),
                Some(AllDay { first, end: last }),
            )
        } else {
            (inst.start, end, None)
        };
        let overlaps = start < to && (end > from || (end == start && start >= from));
        if !overlaps {
            continue;
        }
        out.push(Occurrence {
            uid: event.uid.clone(),
            calendar: event.calendar.clone(),
            start,
            end,
            recurrence_id: recurring.then_some(inst.key),
            all_day,
            info: Arc::clone(&inst.comp.info),
        });
    }
}
