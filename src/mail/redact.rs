// SPDX-License-Identifier: GPL-3.0-or-later
//! Server replies made safe to print: no credential, no AUTH payload, no control character.
//!
//! An SMTP server's reply is text from the network. Some servers echo the command they
//! refuse, AUTH line included, and a hostile one may send terminal escapes. Before a reply
//! reaches an error message, [`redact`] replaces:
//!
//! * the password, and the base64 forms of the credentials that AUTH PLAIN and AUTH LOGIN
//!   send, wherever they appear;
//! * the rest of a line after `AUTH <mechanism>` (an echoed AUTH command);
//! * any run of 16 or more base64 characters holding a digit, `+`, `/` or `=` (an AUTH
//!   payload the server garbled or re-encoded);
//! * control characters (line breaks and tabs become spaces) and bidirectional overrides.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// What replaces a secret.
pub const REDACTED: &str = "[redacted]";

/// Shortest password replaced where it appears as plain text (a shorter one would blank
/// ordinary words; its base64 forms are still replaced).
const MIN_PLAIN_SECRET: usize = 4;

/// Shortest run of base64 characters taken for an encoded payload.
const MIN_PAYLOAD: usize = 16;

/// The texts that must never be printed.
#[derive(Debug, Clone, Default)]
pub struct Secrets {
    words: Vec<String>,
}

impl Secrets {
    /// The secrets of an AUTH as `user` with `password`.
    pub fn of(user: &str, password: &str) -> Secrets {
        let b64 = |bytes: &[u8]| STANDARD.encode(bytes);
        let mut words = vec![
            b64(format!("\0{user}\0{password}").as_bytes()),
            b64(format!("{user}\0{user}\0{password}").as_bytes()),
            b64(user.as_bytes()),
            b64(password.as_bytes()),
        ];
        if password.chars().count() >= MIN_PLAIN_SECRET {
            words.push(password.to_string());
        }
        words.retain(|w| !w.is_empty());
        // Longest first, so that no shorter secret splits a longer one.
        words.sort_by_key(|w| std::cmp::Reverse(w.len()));
        Secrets { words }
    }
}

/// `text` with every secret, AUTH payload and control character replaced.
pub fn redact(text: &str, secrets: &Secrets) -> String {
    let mut text = text.to_string();
    for w in &secrets.words {
        text = text.replace(w.as_str(), REDACTED);
    }
    let lines: Vec<String> = text.split('\n').map(redact_auth_line).collect();
    let text = redact_payloads(&lines.join("\n"));
    text.chars().map(printable).collect()
}

/// A line with what follows `AUTH <mechanism>` replaced.
fn redact_auth_line(line: &str) -> String {
    let upper = line.to_ascii_uppercase();
    let mut from = 0;
    while let Some(at) = upper[from..].find("AUTH ").map(|i| i + from) {
        let starts_word = at == 0 || !upper.as_bytes()[at - 1].is_ascii_alphanumeric();
        let rest = &line[at + 5..];
        let mechanism_len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .unwrap_or(rest.len());
        let after = rest[mechanism_len..].trim_start();
        if starts_word && mechanism_len > 0 && !after.trim().is_empty() {
            let keep = line.len() - after.len();
            return format!("{}{REDACTED}", &line[..keep]);
        }
        from = at + 5;
    }
    line.to_string()
}

/// `text` with long runs of base64 characters that look encoded replaced.
fn redact_payloads(text: &str) -> String {
    let is_b64 = |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=');
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        let encoded = run.len() >= MIN_PAYLOAD
            && run
                .chars()
                .any(|c| c.is_ascii_digit() || matches!(c, '+' | '/' | '='));
        out.push_str(if encoded { REDACTED } else { run.as_str() });
        run.clear();
    };
    for c in text.chars() {
        if is_b64(c) {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// A character as printed: controls and bidirectional overrides replaced.
fn printable(c: char) -> char {
    match c {
        '\n' | '\r' | '\t' => ' ',
        c if c.is_control() => '?',
        '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => '?',
        c => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets() -> Secrets {
        Secrets::of("caltally", "mail-secret")
    }

    #[test]
    fn an_echoed_auth_plain_line_is_redacted() {
        let payload = STANDARD.encode("\0caltally\0mail-secret");
        let reply = format!("535 5.7.8 Rejected: AUTH PLAIN {payload}");
        let shown = redact(&reply, &secrets());
        assert_eq!(shown, "535 5.7.8 Rejected: AUTH PLAIN [redacted]");
        // The same with secrets nobody told us about.
        let shown = redact(&reply, &Secrets::default());
        assert!(!shown.contains(&payload), "{shown}");
        assert!(shown.starts_with("535 5.7.8 Rejected: AUTH PLAIN "));
    }

    #[test]
    fn passwords_and_their_base64_are_redacted_anywhere() {
        let shown = redact(
            "535 password mail-secret for bWFpbC1zZWNyZXQ= is wrong",
            &secrets(),
        );
        assert_eq!(shown, "535 password [redacted] for [redacted] is wrong");
        let shown = redact("334 VXNlcm5hbWU6 Y2FsdGFsbHk=", &secrets());
        assert!(!shown.contains("Y2FsdGFsbHk="), "{shown}");
    }

    #[test]
    fn long_encoded_runs_are_redacted_and_words_kept() {
        let shown = redact(
            "550 5.1.1 <bureau@radio.example>: mailbox unavailable; id 4ZxLmQ2b3c, \
             blob QUJDREVGR0hJSktMTU5PUFFSU1RVVldY",
            &Secrets::default(),
        );
        assert_eq!(
            shown,
            "550 5.1.1 <bureau@radio.example>: mailbox unavailable; id 4ZxLmQ2b3c, blob [redacted]"
        );
        assert_eq!(
            redact(
                "permanent error (535): 5.7.8 Authentication credentials invalid",
                &secrets()
            ),
            "permanent error (535): 5.7.8 Authentication credentials invalid"
        );
    }

    #[test]
    fn control_characters_are_replaced() {
        let shown = redact(
            "535 \u{1b}[2J\u{1b}]0;owned\u{7}bad\r\nnext\u{202E}",
            &secrets(),
        );
        assert_eq!(shown, "535 ?[2J?]0;owned?bad  next?");
    }

    #[test]
    fn a_short_password_is_not_replaced_in_words() {
        let s = Secrets::of("u", "ab");
        assert_eq!(redact("a table", &s), "a table");
    }
}
