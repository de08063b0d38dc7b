// SPDX-License-Identifier: GPL-3.0-or-later
//! Report language: the French and English words of every report, and how numbers,
//! durations and months are written in each.
//!
//! Owns: [`Lang`] (chosen by `--lang`, config `lang`, else `$LANG`, else English) and the
//! [`Text`] tables. Renderers take their words from here and nowhere else.

use chrono::{Datelike, NaiveDate};
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
    confidential_stub: "événement masqué (« Occupé », CLASS:CONFIDENTIAL)",
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
    valuation_method: "Méthode : heures de bénévolat réellement prestées (relevées dans l'agenda partagé), multipliées par le taux horaire en vigueur à la date de chaque prestation.",
    rate: "Taux horaire",
    value: "Valeur",
    hours: "Heures",
    chart: "Heures par association (bénévole et rémunéré)",
    since: "depuis le",
    amendments: "Rectificatifs depuis la clôture",
    amendments_note: "Le mois a été clôturé ; les chiffres ci-dessus sont ceux de la clôture. L'agenda a changé depuis :",
    added: "ajouté",
    removed: "retiré",
    changed: "modifié",
    before: "avant",
    after: "après",
    accounts: "Comptes",
    debit: "débit",
    credit: "crédit",
    per_month: "Heures par mois",
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
    decimal: ',',
    mail_correction: "Rectificatif",
    mail_intro: "Bonjour,\n\nVoici le relevé des heures prestées pour votre association, tiré de notre agenda partagé.",
    mail_correction_intro: "Bonjour,\n\nL'agenda a changé depuis notre dernier envoi pour ce mois : voici les changements, puis le relevé complet à jour.",
    mail_changes: "Changements depuis notre dernier envoi",
    mail_attached: "En pièces jointes : le détail (CSV, pour un tableur) et cette page (Markdown). Pour toute question, répondez simplement à ce message.",
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
    valuation_method: "Method: volunteer hours actually worked (as logged in the shared calendar), multiplied by the hourly rate in force on the date of each entry.",
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
    decimal: '.',
    mail_correction: "Correction",
    mail_intro: "Hello,\n\nHere are the hours worked for your association, taken from our shared calendar.",
    mail_correction_intro: "Hello,\n\nThe calendar has changed since our last mail for this month: here are the changes, then the full updated report.",
    mail_changes: "Changes since our last mail",
    mail_attached: "Attached: the entries (CSV, for a spreadsheet) and this page (Markdown). For any question, just reply to this message.",
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

    /// `" : "` in French, `": "` in English.
    fn colon(&self) -> &'static str {
        if self.decimal == ',' { " : " } else { ": " }
    }

    /// The name of a kind.
    pub fn kind(&self, kind: Kind) -> &'static str {
        match kind {
            Kind::Volunteer => self.volunteer,
            Kind::Paid => self.paid,
            Kind::Unspecified => self.unspecified,
        }
    }

    /// `octobre 2026`, `2026`, or `du 2026-10-01 au 2026-11-15`.
    pub fn period(&self, p: &Period) -> String {
        if p.is_month() {
            format!(
                "{} {}",
                self.months[p.from.month0() as usize],
                p.from.year()
            )
        } else if p.is_year() {
            p.from.year().to_string()
        } else {
            let last = p.to.pred_opt().unwrap_or(p.to);
            format!("{} – {}", p.from, last)
        }
    }

    /// A date as `2026-10-05`.
    pub fn date(&self, d: NaiveDate) -> String {
        d.format("%Y-%m-%d").to_string()
    }

    /// Minutes as `h:mm` (exact: totals equal the sum of rows).
    pub fn duration(&self, minutes: i64) -> String {
        let sign = if minutes < 0 { "-" } else { "" };
        let m = minutes.abs();
        format!("{sign}{}:{:02}", m / 60, m % 60)
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
        format!("{} %", (part * 100 + whole / 2) / whole)
    }
}
