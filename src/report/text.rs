// SPDX-License-Identifier: GPL-3.0-or-later
//! The `text/plain` part of a mail: the same page as the HTML part, as plain text a mail
//! client shows as it is, on a phone as on a desktop.
//!
//! Owns: the layout of plain text. Headings are underlined, paragraphs wrapped by the
//! reader's client, list items stay one per line, and a table becomes aligned columns if it
//! fits [`WIDTH`] characters, else one line per row with its cells joined by ` · `. No
//! Markdown survives: no `\#` escapes, no pipes, no `**`.
//!
//! It reads the page's Markdown (an association's page, as rendered from the report or as
//! kept by a closing) rather than the report model, so that the two parts of a mail always
//! say the same thing, a closed month's page included.

use std::io::{self, Write};

use pulldown_cmark::{Alignment, Event, Options, Parser, Tag, TagEnd};

use super::{Report, Totals};

/// The widest aligned table, in characters; a wider one is written one line per row.
pub const WIDTH: usize = 72;

/// A table being read.
#[derive(Default)]
struct Table {
    aligns: Vec<Alignment>,
    rows: Vec<Vec<String>>,
}

/// Writes `markdown` as plain text.
pub fn write_plain(mut w: impl Write, markdown: &str) -> io::Result<()> {
    let mut out = String::new();
    let mut cell: Option<String> = None;
    let mut table: Option<Table> = None;
    let mut heading: Option<(usize, String)> = None;
    let mut links: Vec<String> = Vec::new();
    for event in Parser::new_ext(markdown, Options::ENABLE_TABLES) {
        let sink = |out: &mut String,
                    cell: &mut Option<String>,
                    heading: &mut Option<(usize, String)>,
                    text: &str| {
            if let Some(c) = cell.as_mut() {
                c.push_str(text);
            } else if let Some((_, h)) = heading.as_mut() {
                h.push_str(text);
            } else {
                out.push_str(text);
            }
        };
        match event {
            Event::Text(t) | Event::Code(t) => sink(&mut out, &mut cell, &mut heading, &t),
            Event::SoftBreak => sink(&mut out, &mut cell, &mut heading, " "),
            Event::HardBreak => sink(&mut out, &mut cell, &mut heading, "\n"),
            Event::Start(Tag::Heading { level, .. }) => {
                heading = Some((level as usize, String::new()));
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, text)) = heading.take() {
                    let rule = if level == 1 { '=' } else { '-' };
                    let line: String = std::iter::repeat_n(rule, text.chars().count()).collect();
                    out.push_str(&format!("{text}\n{line}\n\n"));
                }
            }
            Event::End(TagEnd::Paragraph) if cell.is_none() => out.push_str("\n\n"),
            Event::Start(Tag::Item) => out.push_str("- "),
            Event::End(TagEnd::Item) => out.push('\n'),
            Event::End(TagEnd::List(_)) => out.push('\n'),
            Event::Start(Tag::Link { dest_url, .. }) => links.push(dest_url.to_string()),
            Event::End(TagEnd::Link) => {
                // A bare address or URL shows itself; another link gives its target.
                let url = links.pop().unwrap_or_default();
                let target = url.strip_prefix("mailto:").unwrap_or(&url);
                let shown = cell.as_deref().unwrap_or(&out);
                if !shown.ends_with(target) {
                    sink(&mut out, &mut cell, &mut heading, &format!(" <{target}>"));
                }
            }
            Event::Start(Tag::Table(aligns)) => {
                table = Some(Table {
                    aligns,
                    rows: Vec::new(),
                });
            }
            Event::Start(Tag::TableHead | Tag::TableRow) => {
                if let Some(t) = table.as_mut() {
                    t.rows.push(Vec::new());
                }
            }
            Event::Start(Tag::TableCell) => cell = Some(String::new()),
            Event::End(TagEnd::TableCell) => {
                if let (Some(t), Some(c)) = (table.as_mut(), cell.take())
                    && let Some(row) = t.rows.last_mut()
                {
                    row.push(c.trim().to_string());
                }
            }
            Event::End(TagEnd::Table) => {
                if let Some(t) = table.take() {
                    write_table(&mut out, &t);
                    out.push('\n');
                }
            }
            Event::Rule => out.push_str("----\n\n"),
            _ => {}
        }
    }
    w.write_all(out.trim_end().as_bytes())?;
    w.write_all(b"\n")
}

/// A table as aligned columns, or one line per row if that is too wide.
fn write_table(out: &mut String, t: &Table) {
    let columns = t.rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0; columns];
    for row in &t.rows {
        for (i, c) in row.iter().enumerate() {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let total = widths.iter().sum::<usize>() + 2 * columns.saturating_sub(1);
    if total <= WIDTH {
        write_aligned(out, t);
        return;
    }
    {
        for row in &t.rows {
            let cells: Vec<&str> = row
                .iter()
                .map(String::as_str)
                .filter(|c| !c.is_empty())
                .collect();
            out.push_str(&cells.join(" · "));
            out.push('\n');
        }
    }
}

/// A table as columns, each as wide as its widest cell, two spaces apart.
fn write_aligned(out: &mut String, t: &Table) {
    let columns = t.rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0; columns];
    for row in &t.rows {
        for (i, c) in row.iter().enumerate() {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    for row in &t.rows {
        let mut line = String::new();
        for (i, c) in row.iter().enumerate() {
            let pad = widths[i] - c.chars().count();
            if i > 0 {
                line.push_str("  ");
            }
            let right = matches!(t.aligns.get(i), Some(Alignment::Right));
            if right {
                line.push_str(&" ".repeat(pad));
            }
            line.push_str(c);
            if !right {
                line.push_str(&" ".repeat(pad));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
}

/// Writes the report's totals as aligned columns, one line per association (and one for
/// the hours under review), by kind, with the total last: what `report` prints on a terminal.
pub fn write_totals_table(mut w: impl Write, r: &Report) -> io::Result<()> {
    let t = r.lang.text();
    let row = |name: &str, x: &Totals| {
        vec![
            name.to_string(),
            t.duration(x.volunteer),
            t.duration(x.paid),
            t.duration(x.unspecified),
            t.duration(x.total()),
        ]
    };
    let mut rows = vec![vec![
        String::new(),
        t.volunteer.to_string(),
        t.paid.to_string(),
        t.unspecified.to_string(),
        t.total.to_string(),
    ]];
    rows.extend(r.associations.iter().map(|a| row(&a.name, &a.totals)));
    if r.unassigned.total() > 0 {
        rows.push(row(t.review, &r.unassigned));
    }
    rows.push(row(t.total, &r.totals));
    let mut aligns = vec![Alignment::Left];
    aligns.extend([Alignment::Right; 4]);
    let mut out = String::new();
    write_aligned(&mut out, &Table { aligns, rows });
    w.write_all(out.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(md: &str) -> String {
        let mut out = Vec::new();
        write_plain(&mut out, md).expect("written");
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn no_markdown_survives() {
        let text = plain(
            "# Les Amis \\#1 — Rapport\n\n**Clôturé le 3 novembre 2026**. Contact : \
             <help@collectif.example> · [site](https://collectif.example).\n\n\
             - un\n- deux\n",
        );
        assert_eq!(
            text,
            "Les Amis #1 — Rapport\n=====================\n\n\
             Clôturé le 3 novembre 2026. Contact : help@collectif.example · site <https://collectif.example>.\n\n\
             - un\n- deux\n"
        );
    }

    #[test]
    fn narrow_tables_align_and_wide_ones_take_a_line_per_row() {
        let narrow =
            plain("| Personne | Total |\n|---|--:|\n| Alice | 8:00 |\n| **Total** | **12:15** |\n");
        assert_eq!(
            narrow,
            "Personne  Total\nAlice      8:00\nTotal     12:15\n"
        );
        let long = "x".repeat(70);
        let wide = plain(&format!(
            "| Date | Quoi |\n|---|---|\n| 2026-10-01 | {long} |\n| 2026-10-02 | a \\| b |\n"
        ));
        assert_eq!(
            wide,
            format!("Date · Quoi\n2026-10-01 · {long}\n2026-10-02 · a | b\n")
        );
    }
}
