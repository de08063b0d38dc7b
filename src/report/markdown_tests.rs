// SPDX-License-Identifier: GPL-3.0-or-later
//! Tests of [`super`]: the index names each period in words, newest first, and calendar
//! text cannot break a table.

use super::escape;

#[test]
fn the_index_names_each_period_in_words_newest_first() {
    let mut out = Vec::new();
    let folders = [
        "2025".to_string(),
        "2026-09-15_2026-10-15".into(),
        "2026-10".into(),
        "x".into(),
    ];
    super::write_index(&mut out, crate::report::i18n::Lang::Fr, &folders).expect("written");
    let text = String::from_utf8(out).expect("utf-8");
    let links: Vec<&str> = text.lines().filter(|l| l.starts_with("- ")).collect();
    assert_eq!(
        links,
        [
            "- [x](<x/summary.md>)",
            "- [octobre 2026](<2026-10/summary.md>)",
            "- [du 15 septembre 2026 au 14 octobre 2026](<2026-09-15_2026-10-15/summary.md>)",
            "- [2025](<2025/summary.md>)",
        ]
    );
}

#[test]
fn pipes_and_newlines_cannot_break_tables() {
    assert_eq!(escape("a|b\nc <script>"), "a\\|b c \\<script\\>");
}
