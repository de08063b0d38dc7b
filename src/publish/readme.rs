// SPDX-License-Identifier: GPL-3.0-or-later
//! The folder's `README.md`: an index of the published months, one table row per month
//! (hours by kind, valuation, link to the page), shown by Gitea when the folder is opened.
//!
//! caltally owns the file only if it wrote it: its first line is [`MARKER`]. A README
//! without the marker belongs to the association and is never changed. Rows are keyed by
//! the page they link to, so publishing a month again replaces its row, and the rows of
//! the other months are kept as they are.

/// The file name.
pub const FILE: &str = "README.md";

/// The first line of a README that caltally writes.
pub const MARKER: &str = "<!-- caltally: this file is written by `caltally publish`; changes to it are replaced. \
Delete this line to keep the file as your own: caltally then leaves it alone. -->";

/// The index of a folder: its title, the table's header and one month's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Index {
    /// The title (Markdown, escaped by the caller).
    pub title: String,
    /// Column titles, the first one for the month.
    pub header: Vec<String>,
    /// This month's row.
    pub row: Row,
}

/// One month's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The page it links to (`2026-10.md`), which is also its key.
    pub page: String,
    /// The month's name (`octobre 2026`).
    pub label: String,
    /// The other cells, in the header's order.
    pub cells: Vec<String>,
}

impl Row {
    fn line(&self) -> String {
        let mut line = format!("| [{}]({}) |", self.label, self.page);
        for c in &self.cells {
            line.push_str(&format!(" {c} |"));
        }
        line
    }
}

/// The README with `index.row` added or replaced, or `None` if `current` is not caltally's.
pub fn update(current: Option<&[u8]>, index: &Index) -> Option<String> {
    let mut rows: Vec<(String, String)> = Vec::new();
    if let Some(bytes) = current {
        let text = String::from_utf8_lossy(bytes);
        if text.lines().next() != Some(MARKER) {
            return None;
        }
        rows = text.lines().filter_map(row_of).collect();
    }
    rows.retain(|(page, _)| *page != index.row.page);
    rows.push((index.row.page.clone(), index.row.line()));
    rows.sort();
    let mut out = format!("{MARKER}\n# {}\n\n|", index.title);
    for h in &index.header {
        out.push_str(&format!(" {h} |"));
    }
    out.push_str("\n|---|");
    for _ in 1..index.header.len() {
        out.push_str("--:|");
    }
    out.push('\n');
    for (_, line) in rows {
        out.push_str(&line);
        out.push('\n');
    }
    Some(out)
}

/// A month's row of a README caltally wrote: its page and the whole line.
fn row_of(line: &str) -> Option<(String, String)> {
    let rest = line.strip_prefix("| [")?;
    let start = rest.find("](")? + 2;
    let end = start + rest[start..].find(')')?;
    Some((rest[start..end].to_string(), line.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(page: &str, label: &str, total: &str) -> Index {
        Index {
            title: "Les Amis — heures".into(),
            header: vec!["Mois".into(), "Total".into()],
            row: Row {
                page: page.into(),
                label: label.into(),
                cells: vec![total.into()],
            },
        }
    }

    #[test]
    fn rows_are_added_replaced_and_sorted() {
        let first = update(None, &index("2026-10.md", "octobre 2026", "3:00")).expect("ours");
        assert_eq!(
            first,
            format!(
                "{MARKER}\n# Les Amis — heures\n\n| Mois | Total |\n|---|--:|\n| [octobre 2026](2026-10.md) | 3:00 |\n"
            )
        );
        let second = update(
            Some(first.as_bytes()),
            &index("2026-09.md", "septembre 2026", "1:00"),
        )
        .expect("ours");
        let third = update(
            Some(second.as_bytes()),
            &index("2026-10.md", "octobre 2026", "4:30"),
        )
        .expect("ours");
        let rows: Vec<&str> = third.lines().filter(|l| l.starts_with("| [")).collect();
        assert_eq!(
            rows,
            [
                "| [septembre 2026](2026-09.md) | 1:00 |",
                "| [octobre 2026](2026-10.md) | 4:30 |"
            ]
        );
    }

    #[test]
    fn a_readme_without_the_marker_is_not_ours() {
        assert_eq!(
            update(Some(b"# Notes\n"), &index("2026-10.md", "x", "1:00")),
            None
        );
    }
}
