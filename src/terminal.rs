// SPDX-License-Identifier: GPL-3.0-or-later
//! Text on its way to a terminal: whatever a calendar or a server wrote (a SUMMARY, a UID,
//! a TZID, a calendar name) is shown, never obeyed.
//!
//! Owns: [`sanitize`], which replaces every character a terminal may act on (C0 controls,
//! DEL, C1 controls, and the bidirectional overrides and isolates U+202A–U+202E,
//! U+2066–U+2069) by U+FFFD, and [`warn`], the one way a warning reaches stderr. JSON needs
//! neither: serde escapes control characters.

use std::borrow::Cow;
use std::fmt::Display;

/// What replaces a character a terminal could act on.
pub const REPLACEMENT: char = '\u{FFFD}';

/// True for a character that must not reach a terminal as is.
pub fn is_unsafe(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1F}' | '\u{7F}'..='\u{9F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every unsafe character replaced by U+FFFD; borrowed when there is none.
pub fn sanitize(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| if is_unsafe(c) { REPLACEMENT } else { c })
            .collect(),
    )
}

/// Prints one warning on stderr, sanitised.
pub fn warn(message: impl Display) {
    eprintln!("caltally: warning: {}", sanitize(&message.to_string()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_overrides_are_replaced() {
        let hostile = "a\u{1b}]0;title\u{7}b\u{9b}c\u{202e}d\u{2066}e\tf\ng\u{7f}";
        assert_eq!(
            sanitize(hostile),
            "a\u{fffd}]0;title\u{fffd}b\u{fffd}c\u{fffd}d\u{fffd}e\u{fffd}f\u{fffd}g\u{fffd}"
        );
    }

    #[test]
    fn plain_text_is_borrowed() {
        assert!(matches!(sanitize("Réunion #amis — 2 h"), Cow::Borrowed(_)));
        assert!(!is_unsafe('\u{202F}') && !is_unsafe('\u{2065}') && !is_unsafe('\u{A0}'));
    }
}
