// SPDX-License-Identifier: GPL-3.0-or-later
//! Report language: the French and English words of every report, and how numbers,
//! durations and months are written in each.
//!
//! Owns: [`Lang`] (chosen by `--lang`, config `lang`, else `$LANG`, else English) and the
//! [`Text`] tables. Renderers take their words from here and nowhere else.

use chrono::{Datelike, NaiveDate, NaiveTime, Timelike};
use serde::Serialize;

use crate::model::{Kind, Period};

/// A report language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Français.
    Fr,
    /// English.
    En,
}

impl Lang {
    /// Parses `fr`/`en` (also `fr_BE.UTF-8`-style locale names).
    pub fn parse(text: &str) -> Option<Lang> {
        let lower = text.trim().to_ascii_lowercase();
        if lower.starts_with("fr") {
            Some(Lang::Fr)
        } else if lower.starts_with("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// From a `$LANG`-style value, defaulting to English.
    pub fn from_env(value: Option<&str>) -> Lang {
        value.and_then(Lang::parse).unwrap_or(Lang::En)
    }

    /// The words for this language.
    pub fn text(self) -> &'static Text {
        match self {
            Lang::Fr => &FR,
            Lang::En => &EN,
        }
    }
}

/// Every fixed word of the reports.
#[allow(missing_docs)]
#[derive(Debug)]
pub struct Text {
    pub report_title: &'static str,
    pub period: &'static str,
    pub time_zone: &'static str,
    pub association: &'static str,
    pub volunteer: &'static str,
    pub paid: &'static str,
    pub unspecified: &'static str,
    pub total: &'static str,
    pub hours_note: &'static str,
    pub unassigned: &'static str,
    pub volunteer_share: &'static str,
    pub person_hours: &'static str,
    pub person: &'static str,
    pub nobody: &'static str,
    pub previous_period: &'static str,
    pub change: &'static str,
    pub review: &'static str,
    pub review_empty: &'static str,
    pub unclassified: &'static str,
    pub ambiguous: &'static str,
    pub conflicting_kinds: &'static str,
    pub all_day_not_counted: &'static str,
    pub confidential_stub: &'static str,
    pub warnings: &'static str,
    pub entries: &'static str,
    pub date: &'static str,
    pub time: &'static str,
    pub duration: &'static str,
    pub kind: &'static str,
    pub who: &'static str,
    pub what: &'static str,
    pub all_day: &'static str,
    pub no_entries: &'static str,
    pub valuation: &'static str,
    pub valuation_method: &'static str,
    pub rate: &'static str,
    pub value: &'static str,
    pub hours: &'static str,
    pub chart: &'static str,
    pub since: &'static str,
    pub amendments: &'static str,
    pub amendments_note: &'static str,
    pub added: &'static str,
    pub removed: &'static str,
    pub changed: &'static str,
    pub before: &'static str,
    pub after: &'static str,
    pub accounts: &'static str,
    pub debit: &'static str,
    pub credit: &'static str,
    pub per_month: &'static str,
    pub months: [&'static str; 12],
    pub weekdays: [&'static str; 7],
    pub now_reads: &'static str,
    pub instead_of: &'static str,
    pub moved_to: &'static str,
    pub mail_totals: &'static str,
    pub mail_totals_before: &'static str,
    pub mail_totals_now: &'static str,
    pub provisional: &'static str,
    pub provisional_period: &'static str,
    pub over: &'static str,
    pub over_period: &'static str,
    pub closed_on: &'static str,
    pub made_on: &'static str,
    pub made_by: &'static str,
    pub contact: &'static str,
    pub person_hours_definition: &'static str,
    pub volunteer_share_of: &'static str,
    pub per_person: &'static str,
    pub volunteers: &'static str,
    pub nobody_named: &'static str,
    pub account_gloss: bool,
    pub notes: &'static str,
    pub note_duration_tag: &'static str,
    pub note_clock_change: &'static str,
    pub note_starts_before: &'static str,
    pub note_ends_after: &'static str,
    pub pages: &'static str,
    pub reports: &'static str,
    pub reports_intro: &'static str,
    pub start: &'static str,
    pub end: &'static str,
    pub sheet_details: &'static str,
    pub sheet_summary: &'static str,
    pub months_short: [&'static str; 12],
    pub decimal: char,
    pub mail_correction: &'static str,
    pub mail_intro: &'static str,
    pub mail_correction_intro: &'static str,
    pub mail_attached: &'static str,
    pub mail_changes: &'static str,
}

static FR: Text = Text {
    report_title: "Rapport d'heures",
    period: "Période",
    time_zone: "Fuseau horaire",
    association: "Association",
    volunteer: "Bénévole",
    paid: "Rémunéré",
    unspecified: "Non précisé",
    total: "Total",
    hours_note: "Durées en heures:minutes.",
    unassigned: "À revoir (sans association)",
    volunteer_share: "Part bénévole",
    person_hours: "Heures-personnes",
    person: "Personne",
    nobody: "Sans personne nommée (hors heures-personnes)",
    previous_period: "Période précédente",
    change: "Écart",
    review: "À revoir",
    review_empty: "Rien à revoir.",
    unclassified: "sans association",
    ambiguous: "plusieurs associations",
    conflicting_kinds: "à la fois bénévole et rémunéré",
    all_day_not_counted: "journée entière non comptée",
    confidential_stub: "événement masqué («\u{a0}Occupé\u{a0}», CLASS:CONFIDENTIAL)",
    warnings: "Avertissements",
    entries: "Détail",
    date: "Date",
    time: "Horaire",
    duration: "Durée",
    kind: "Nature",
    who: "Qui",
    what: "Quoi",
    all_day: "journée",
    no_entries: "Aucune activité sur la période.",
    valuation: "Valorisation du bénévolat",
    valuation_method: "Méthode\u{a0}: heures-personnes de bénévolat réellement prestées (relevées dans l'agenda partagé\u{a0}; le temps de chaque bénévole nommé, une prestation sans personne nommée comptant une fois), multipliées par le taux horaire en vigueur à la date de chaque prestation.",
    rate: "Taux horaire",
    value: "Valeur",
    hours: "Heures",
    chart: "Heures par association (bénévole et rémunéré)",
    since: "depuis le",
    amendments: "Rectificatifs depuis la clôture",
    amendments_note: "Le mois a été clôturé\u{a0}; les chiffres ci-dessus sont ceux de la clôture. L'agenda a changé depuis\u{a0}:",
    added: "ajouté",
    removed: "retiré",
    changed: "modifié",
    before: "avant",
    after: "après",
    accounts: "Comptes",
    debit: "débit",
    credit: "crédit",
    per_month: "Heures par mois",
    weekdays: [
        "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
    ],
    now_reads: "désormais",
    instead_of: "au lieu de",
    moved_to: "compté pour",
    mail_totals: "Totaux du mois",
    mail_totals_before: "Dans notre dernier envoi",
    mail_totals_now: "Désormais",
    months: [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
    provisional: "provisoire — mois en cours",
    provisional_period: "provisoire — période en cours",
    over: "mois terminé, pas encore clôturé",
    over_period: "période terminée",
    closed_on: "clôturé le",
    made_on: "Établi le",
    made_by: "par",
    contact: "Contact",
    person_hours_definition: "Heures-personnes\u{a0}: le temps de chaque personne nommée, additionné (une permanence de 2\u{a0}h à deux compte 4 heures-personnes).",
    volunteer_share_of: "Part bénévole des heures prestées (bénévoles et rémunérées, hors «\u{a0}non précisé\u{a0}»)",
    per_person: "Par personne",
    volunteers: "Bénévoles distincts",
    nobody_named: "Sans personne nommée (compté une fois)",
    account_gloss: false,
    notes: "Notes",
    note_duration_tag: "durée indiquée dans l'événement (étiquette de durée), et non la longueur du créneau",
    note_clock_change: "changement d'heure pendant le créneau\u{a0}: c'est le temps réellement écoulé qui compte",
    note_starts_before: "commencé avant la période (début réel indiqué)\u{a0}: seule la partie dans la période compte",
    note_ends_after: "terminé après la période (fin réelle indiquée)\u{a0}: seule la partie dans la période compte",
    pages: "Pages des associations",
    reports: "Rapports",
    reports_intro: "Chaque période écrite par caltally dans ce dossier\u{a0}:",
    start: "Début",
    end: "Fin",
    sheet_details: "Détail",
    sheet_summary: "Synthèse",
    months_short: [
        "janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.",
        "déc.",
    ],
    decimal: ',',
    mail_correction: "Rectificatif",
    mail_intro: "Bonjour,\n\nVoici le relevé des heures prestées pour votre association, tiré de notre agenda partagé.",
    mail_correction_intro: "Bonjour,\n\nL'agenda a changé depuis notre dernier envoi pour ce mois\u{a0}: voici les changements, puis le relevé complet à jour.",
    mail_changes: "Changements depuis notre dernier envoi",
    mail_attached: "En pièces jointes\u{a0}: le tableur (ODS, à ouvrir avec LibreOffice ou Excel) et les données (CSV, pour d'autres outils). Pour toute question, répondez simplement à ce message.",
};

static EN: Text = Text {
    report_title: "Time report",
    period: "Period",
    time_zone: "Time zone",
    association: "Association",
    volunteer: "Volunteer",
    paid: "Paid",
    unspecified: "Unspecified",
    total: "Total",
    hours_note: "Durations in hours:minutes.",
    unassigned: "Under review (no association)",
    volunteer_share: "Volunteer share",
    person_hours: "Person-hours",
    person: "Person",
    nobody: "With nobody named (not in person-hours)",
    previous_period: "Previous period",
    change: "Change",
    review: "Under review",
    review_empty: "Nothing to review.",
    unclassified: "no association",
    ambiguous: "several associations",
    conflicting_kinds: "both volunteer and paid",
    all_day_not_counted: "all-day event not counted",
    confidential_stub: "hidden event (\"Busy\", CLASS:CONFIDENTIAL)",
    warnings: "Warnings",
    entries: "Entries",
    date: "Date",
    time: "Time",
    duration: "Duration",
    kind: "Kind",
    who: "Who",
    what: "What",
    all_day: "all day",
    no_entries: "No activity in this period.",
    valuation: "Value of volunteer work",
    valuation_method: "Method: volunteer person-hours actually worked (as logged in the shared calendar; the time of each volunteer named, an entry with nobody named counting once), multiplied by the hourly rate in force on the date of each entry.",
    rate: "Hourly rate",
    value: "Value",
    hours: "Hours",
    chart: "Hours per association (volunteer and paid)",
    since: "from",
    amendments: "Amendments since the closing",
    amendments_note: "This month is closed; the figures above are those of the closing. The calendar has changed since:",
    added: "added",
    removed: "removed",
    changed: "changed",
    before: "before",
    after: "after",
    accounts: "Accounts",
    debit: "debit",
    credit: "credit",
    per_month: "Hours per month",
    weekdays: [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ],
    now_reads: "now",
    instead_of: "instead of",
    moved_to: "counted for",
    mail_totals: "The month's totals",
    mail_totals_before: "In our last mail",
    mail_totals_now: "Now",
    months: [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    provisional: "provisional — month not over",
    provisional_period: "provisional — period not over",
    over: "month over, not closed yet",
    over_period: "period over",
    closed_on: "closed on",
    made_on: "Made on",
    made_by: "by",
    contact: "Contact",
    person_hours_definition: "Person-hours: the time of each person named, added up (a 2-hour session by two people counts 4 person-hours).",
    volunteer_share_of: "Volunteer share of the hours worked (volunteer and paid, not \"unspecified\")",
    per_person: "Per person",
    volunteers: "Distinct volunteers",
    nobody_named: "With nobody named (counted once)",
    account_gloss: true,
    notes: "Notes",
    note_duration_tag: "duration given in the event (duration tag), not the length of the slot",
    note_clock_change: "the clocks changed during the slot: the time that really passed counts",
    note_starts_before: "began before the period (real start shown): only the part inside the period counts",
    note_ends_after: "ended after the period (real end shown): only the part inside the period counts",
    pages: "Association pages",
    reports: "Reports",
    reports_intro: "Each period caltally wrote in this folder:",
    start: "Start",
    end: "End",
    sheet_details: "Details",
    sheet_summary: "Summary",
    months_short: [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ],
    decimal: '.',
    mail_correction: "Correction",
    mail_intro: "Hello,\n\nHere are the hours worked for your association, taken from our shared calendar.",
    mail_correction_intro: "Hello,\n\nThe calendar has changed since our last mail for this month: here are the changes, then the full updated report.",
    mail_changes: "Changes since our last mail",
    mail_attached: "Attached: the spreadsheet (ODS, opens in LibreOffice or Excel) and the data (CSV, for other tools). For any question, just reply to this message.",
};

impl Text {
    /// The subject of an association's monthly mail: title, name and period; prefixed as a
    /// correction for amendments.
    pub fn mail_subject(&self, association: &str, period: &Period, correction: bool) -> String {
        let base = format!(
            "{} — {} — {}",
            self.report_title,
            association,
            self.period(period)
        );
        if correction {
            format!("{}{}{base}", self.mail_correction, self.colon())
        } else {
            base
        }
    }

    /// `"\u{a0}: "` in French (a non-breaking space before the colon), `": "` in English.
    pub fn colon(&self) -> &'static str {
        if self.french() { "\u{a0}: " } else { ": " }
    }

    fn french(&self) -> bool {
        self.decimal == ','
    }

    /// The name of a kind.
    pub fn kind(&self, kind: Kind) -> &'static str {
        match kind {
            Kind::Volunteer => self.volunteer,
            Kind::Paid => self.paid,
            Kind::Unspecified => self.unspecified,
        }
    }

    /// `octobre 2026`, `2026`, or `du 15 septembre 2026 au 14 octobre 2026`.
    pub fn period(&self, p: &Period) -> String {
        if p.is_month() {
            self.month(p.from)
        } else if p.is_year() {
            p.from.year().to_string()
        } else {
            let last = p.to.pred_opt().unwrap_or(p.to);
            if self.french() {
                format!(
                    "du {} au {}",
                    self.date_words(p.from),
                    self.date_words(last)
                )
            } else {
                format!("{} to {}", self.date_words(p.from), self.date_words(last))
            }
        }
    }

    /// The month of `d` in words: `octobre 2026`, `October 2026`.
    pub fn month(&self, d: NaiveDate) -> String {
        format!("{} {}", self.months[d.month0() as usize], d.year())
    }

    /// A month label `YYYY-MM` as a column head: `oct. 2026`, `Oct 2026` (the label
    /// itself if it is not one).
    pub fn month_short(&self, label: &str) -> String {
        let parsed = NaiveDate::parse_from_str(&format!("{label}-01"), "%Y-%m-%d");
        match parsed {
            Ok(d) => format!("{} {}", self.months_short[d.month0() as usize], d.year()),
            Err(_) => label.to_string(),
        }
    }

    /// A date as `2026-10-05`, for table cells.
    pub fn date(&self, d: NaiveDate) -> String {
        let mut out = String::with_capacity(10);
        self.push_date(&mut out, d);
        out
    }

    /// Appends [`Text::date`]'s text to `out`.
    pub fn push_date(&self, out: &mut String, d: NaiveDate) {
        super::odf::push_iso_date(out, d.year(), d.month(), d.day());
    }

    /// A date in words, for prose: `1er octobre 2026`, `5 octobre 2026`; `1 October 2026`.
    pub fn date_words(&self, d: NaiveDate) -> String {
        let day = if self.french() && d.day() == 1 {
            "1er".to_string()
        } else {
            d.day().to_string()
        };
        format!("{day} {}", self.month(d))
    }

    /// A day in words, without the year: `jeudi 22 octobre`, `Thursday 22 October`.
    pub fn day_words(&self, d: NaiveDate) -> String {
        let weekday = self.weekdays[d.weekday().num_days_from_monday() as usize];
        let day = if self.french() && d.day() == 1 {
            "1er".to_string()
        } else {
            d.day().to_string()
        };
        format!("{weekday} {day} {}", self.months[d.month0() as usize])
    }

    /// A time of day for prose: `9\u{a0}h`, `10\u{a0}h\u{a0}30`; `9:00`, `10:30`.
    pub fn clock(&self, t: NaiveTime) -> String {
        match (self.french(), t.minute()) {
            (true, 0) => format!("{}\u{a0}h", t.hour()),
            (true, m) => format!("{}\u{a0}h\u{a0}{m:02}", t.hour()),
            (false, m) => format!("{}:{m:02}", t.hour()),
        }
    }

    /// A slot for prose: `9\u{a0}h\u{a0}– 10\u{a0}h\u{a0}30`; `9:00–10:30`.
    pub fn slot(&self, start: NaiveTime, end: NaiveTime) -> String {
        let dash = if self.french() { "\u{a0}– " } else { "–" };
        format!("{}{dash}{}", self.clock(start), self.clock(end))
    }

    /// A duration for prose: `1\u{a0}h\u{a0}30`, `2\u{a0}h`, `45\u{a0}min`; `1:30`.
    pub fn duration_words(&self, minutes: i64) -> String {
        if !self.french() {
            return self.duration(minutes);
        }
        let sign = if minutes < 0 { "-" } else { "" };
        let m = minutes.abs();
        match (m / 60, m % 60) {
            (0, m) => format!("{sign}{m}\u{a0}min"),
            (h, 0) => format!("{sign}{h}\u{a0}h"),
            (h, m) => format!("{sign}{h}\u{a0}h\u{a0}{m:02}"),
        }
    }

    /// A day and short month: `30 sept.`, `30 Sep`.
    pub fn day_month(&self, d: NaiveDate) -> String {
        format!("{} {}", d.day(), self.months_short[d.month0() as usize])
    }

    /// An amount in cents with its currency: `1\u{202f}234,56\u{a0}EUR`; `1,234.56 EUR`.
    pub fn amount(&self, cents: i64, currency: &str) -> String {
        let space = if self.french() { "\u{a0}" } else { " " };
        format!("{}{space}{currency}", self.money(cents))
    }

    /// A sum of money in cents, grouped by thousands: `1\u{202f}234,56`; `1,234.56`.
    pub fn money(&self, cents: i64) -> String {
        let sign = if cents < 0 { "-" } else { "" };
        let (units, rest) = (cents.abs() / 100, cents.abs() % 100);
        let digits = units.to_string();
        let group = if self.french() { "\u{202f}" } else { "," };
        let mut grouped = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                grouped.push_str(group);
            }
            grouped.push(c);
        }
        format!("{sign}{grouped}{}{rest:02}", self.decimal)
    }

    /// The label of an account of the French chart of accounts for associations (86/87:
    /// contributions in kind), with an English gloss in English; `None` if unknown.
    pub fn account_label(&self, account: &str) -> Option<String> {
        let (label, gloss) = match account {
            "860" => ("Secours en nature", "relief in kind"),
            "861" => (
                "Mise à disposition gratuite de biens",
                "goods lent free of charge",
            ),
            "862" => ("Prestations", "services"),
            "864" => ("Personnel bénévole", "volunteer staff"),
            "870" => ("Dons en nature", "donations in kind"),
            "871" => ("Prestations en nature", "services in kind"),
            "875" => ("Bénévolat", "volunteering"),
            _ => return None,
        };
        Some(if self.account_gloss {
            format!("\u{201c}{label}\u{201d} ({gloss})")
        } else {
            format!("\u{ab}\u{a0}{label}\u{a0}\u{bb}")
        })
    }

    /// Minutes as `h:mm` (exact: totals equal the sum of rows).
    pub fn duration(&self, minutes: i64) -> String {
        let mut out = String::with_capacity(8);
        self.push_duration(&mut out, minutes);
        out
    }

    /// Appends [`Text::duration`]'s text to `out`.
    pub fn push_duration(&self, out: &mut String, minutes: i64) {
        if minutes < 0 {
            out.push('-');
        }
        let m = minutes.unsigned_abs();
        super::odf::push_digits(out, m / 60, 1);
        out.push(':');
        super::odf::push_digits(out, m % 60, 2);
    }

    /// A decimal number with two places, in this language's style.
    pub fn decimal2(&self, value: f64) -> String {
        format!("{value:.2}").replace('.', &self.decimal.to_string())
    }

    /// A percentage with no decimals.
    pub fn percent(&self, part: i64, whole: i64) -> String {
        if whole == 0 {
            return "–".into();
        }
        let space = if self.french() { "\u{202f}" } else { "" };
        format!("{}{space}%", (part * 100 + whole / 2) / whole)
    }
}

#[cfg(test)]
#[path = "i18n_tests.rs"]
mod tests;
