// SPDX-License-Identifier: GPL-3.0-or-later
//! Turns the TOML parser's messages into plain words: the key at fault (found from the
//! error's position in the text) and what is expected, without serde's jargon
//! ("invalid type: string, expected a sequence").
//!
//! Also finds the line of a `[[source]]` or of a dotted key for the checks made after
//! parsing. Pure functions on the text of the file and the parser's message and position.

use std::path::Path;

use super::ConfigError;

/// The parser's error as a [`ConfigError`] naming the line, the key and what is expected.
pub(super) fn parse_error(text: &str, path: &Path, e: &toml::de::Error) -> ConfigError {
    let at = e.span().map(|s| s.start);
    let key = at.and_then(|at| key_at(text, at));
    let line = at.map_or(1, |at| super::line_of(text, at));
    let message = plain_message(e.message(), key.as_deref());
    match key {
        Some(key) => ConfigError::Invalid {
            path: path.to_path_buf(),
            line,
            key,
            message,
        },
        None => ConfigError::Syntax {
            path: path.to_path_buf(),
            line,
            message,
        },
    }
}

/// The dotted key at `offset`: the table header above it, then the last `key =` on its
/// line before the offset (or the key the offset points at).
pub(super) fn key_at(text: &str, offset: usize) -> Option<String> {
    let offset = floor_char_boundary(text, offset.min(text.len()));
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let line = &text[line_start..line_end];
    let here = offset - line_start;
    if line.trim_start().starts_with('[') {
        return Some(
            line.trim()
                .trim_matches(|c| c == '[' || c == ']')
                .trim()
                .to_string(),
        );
    }
    let table = text[..line_start]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))
        .map(|l| l.trim_matches(|c| c == '[' || c == ']').trim().to_string());
    let key = last_key(&line[..here]).or_else(|| bare_key_at(&line[here..]));
    match (table, key) {
        (Some(t), Some(k)) => Some(format!("{t}.{k}")),
        (None, Some(k)) => Some(k),
        (Some(t), None) => Some(t),
        (None, None) => None,
    }
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// The keys leading to the last `name =` in `prefix` (outside quotes), through inline
/// tables: `rates = [{ per_hour = ` gives `rates.per_hour`.
fn last_key(prefix: &str) -> Option<String> {
    let mut stack: Vec<(usize, String)> = Vec::new();
    let mut depth = 0;
    let mut in_quotes = false;
    for (i, c) in prefix.char_indices() {
        match c {
            '"' => in_quotes = !in_quotes,
            '{' if !in_quotes => depth += 1,
            '}' if !in_quotes => depth -= 1,
            '=' if !in_quotes => {
                let before = prefix[..i].trim_end();
                let start = before.rfind(|c: char| !is_key_char(c)).map_or(0, |j| j + 1);
                if start < before.len() {
                    stack.retain(|(d, _)| *d < depth);
                    stack.push((depth, before[start..].to_string()));
                }
            }
            _ => {}
        }
    }
    let keys: Vec<String> = stack.into_iter().map(|(_, k)| k).collect();
    (!keys.is_empty()).then(|| keys.join("."))
}

fn bare_key_at(rest: &str) -> Option<String> {
    let end = rest.find(|c: char| !is_key_char(c)).unwrap_or(rest.len());
    (end > 0).then(|| rest[..end].to_string())
}

/// The parser's `message` in plain words, for the value of `key` (its last part).
pub(super) fn plain_message(message: &str, key: Option<&str>) -> String {
    let message = message.trim();
    let leaf = key.map(|k| k.rsplit('.').next().unwrap_or(k));
    if let Some(rest) = message.strip_prefix("invalid type: ")
        && let Some((found, expected)) = rest.split_once(", expected ")
    {
        if let Some(hint) = decimal_comma_hint(found, leaf) {
            return hint;
        }
        return format!(
            "expected {}, found {}",
            expected_words(expected),
            found_words(found)
        );
    }
    if let Some(rest) = message.strip_prefix("invalid value: ")
        && let Some((found, expected)) = rest.split_once(", expected ")
    {
        return format!(
            "expected {}, found {}",
            expected_words(expected),
            found_words(found)
        );
    }
    if let Some(rest) = message.strip_prefix("unknown field ") {
        let (field, allowed) = rest.split_once(", expected ").unwrap_or((rest, ""));
        let allowed = allowed.trim_start_matches("one of ");
        return if allowed.is_empty() {
            format!("unknown key {field}; no key is allowed here")
        } else {
            format!("unknown key {field}; the keys allowed here are {allowed}")
        };
    }
    if let Some(field) = message.strip_prefix("missing field ") {
        return format!("the key {field} is missing here");
    }
    if let Some(field) = message.strip_prefix("duplicate field ") {
        return format!("the key {field} is given twice (`email` and `emails` are the same key)");
    }
    if message.starts_with("string values must be quoted") {
        let key = leaf.unwrap_or("key");
        return format!("a text value must be in quotes: {key} = \"…\"");
    }
    if message == "duplicate key" {
        let key = leaf.unwrap_or("this key");
        return format!("the key `{key}` is given twice; keep one");
    }
    if let Some(variant) = message.strip_prefix("unknown variant ") {
        let (value, allowed) = variant.split_once(", expected ").unwrap_or((variant, ""));
        return format!("{value} is not allowed here; expected {allowed}");
    }
    message.to_string()
}

/// `per_hour = "11,88"`: say to write `11.88`.
fn decimal_comma_hint(found: &str, leaf: Option<&str>) -> Option<String> {
    let value = found.strip_prefix("string \"")?.strip_suffix('"')?;
    let dotted = value.trim().replace(',', ".");
    if !value.contains(',') || dotted.parse::<f64>().is_err() {
        return None;
    }
    let key = leaf.unwrap_or("the value");
    Some(format!(
        "`{value}` is text with a decimal comma; write a number with a dot and no quotes: \
         {key} = {dotted}"
    ))
}

fn expected_words(expected: &str) -> String {
    let e = expected.trim();
    match e {
        "a sequence" => "a list in brackets, such as [\"a\", \"b\"]".into(),
        "f64" | "f32" | "a float" => "a number, such as 11.88".into(),
        "u64" | "u32" | "u16" | "u8" | "i64" | "i32" | "usize" | "an integer" => {
            "a whole number, such as 3".into()
        }
        "a string" => "a text in quotes".into(),
        "path string" => "a path in quotes".into(),
        "a boolean" => "true or false".into(),
        "a map" => "a table".into(),
        _ if e.starts_with("struct ") => "a table of keys".into(),
        _ => e.trim_matches('`').to_string(),
    }
}

fn found_words(found: &str) -> String {
    let f = found.trim();
    if let Some(v) = f.strip_prefix("string ") {
        return format!("the text {v}");
    }
    for (prefix, what) in [
        ("integer ", "the number "),
        ("floating point ", "the number "),
        ("boolean ", ""),
    ] {
        if let Some(v) = f.strip_prefix(prefix) {
            return format!("{what}{}", v.trim_matches('`'));
        }
    }
    match f {
        "sequence" => "a list".into(),
        "map" => "a table".into(),
        other => other.to_string(),
    }
}

/// The line of the `n`th (1-based) `[[source]]` header.
pub(super) fn line_of_source(text: &str, n: usize) -> Option<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.trim() == "[[source]]")
        .nth(n - 1)
        .map(|(i, _)| i + 1)
}

/// The line of `key` inside the `n`-th `[[source]]` (1-based), else the line of that
/// `[[source]]` itself.
pub(super) fn line_of_source_key(text: &str, n: usize, key: &str) -> Option<usize> {
    let header = line_of_source(text, n)?;
    let found = text
        .lines()
        .enumerate()
        .skip(header)
        .take_while(|(_, l)| !l.trim_start().starts_with('['))
        .find(|(_, l)| {
            l.trim_start()
                .strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        });
    Some(found.map_or(header, |(i, _)| i + 1))
}

/// The line of `table.key` (or of the `[table]` header when `key` is a table): the header
/// of the longest table that starts `key`, then the key below it.
pub(super) fn line_of_dotted_key(text: &str, dotted: &str) -> usize {
    let lines: Vec<&str> = text.lines().collect();
    let header = |name: &str| {
        lines
            .iter()
            .position(|l| l.trim().trim_matches(|c| c == '[' || c == ']').trim() == name)
    };
    if let Some(i) = header(dotted) {
        return i + 1;
    }
    let Some((table, key)) = dotted.rsplit_once('.') else {
        return super::line_of_key(text, dotted);
    };
    let Some(start) = header(table) else {
        return super::line_of_key(text, dotted);
    };
    lines[start + 1..]
        .iter()
        .take_while(|l| !l.trim_start().starts_with('['))
        .position(|l| {
            l.trim_start()
                .strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map_or(start + 1, |i| start + 2 + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_key_of_a_value() {
        let text = "lang = \"fr\"\n[valuation]\nrates = [{ from = \"2024-11-01\", per_hour = \"11,88\" }]\n";
        let at = text.find("\"11,88\"").unwrap();
        assert_eq!(
            key_at(text, at).as_deref(),
            Some("valuation.rates.per_hour")
        );
        let at = text.find("lang").unwrap();
        assert_eq!(key_at(text, at).as_deref(), Some("lang"));
    }

    #[test]
    fn speaks_plainly() {
        assert_eq!(
            plain_message(
                "invalid type: string \"11,88\", expected f64",
                Some("valuation.rates.per_hour")
            ),
            "`11,88` is text with a decimal comma; write a number with a dot and no quotes: per_hour = 11.88"
        );
        assert_eq!(
            plain_message(
                "invalid type: string \"x\", expected a sequence",
                Some("tags")
            ),
            "expected a list in brackets, such as [\"a\", \"b\"], found the text \"x\""
        );
        assert_eq!(
            plain_message("invalid type: integer `3`, expected a string", None),
            "expected a text in quotes, found the number 3"
        );
        assert_eq!(
            plain_message(
                "string values must be quoted, expected literal string",
                Some("timezone")
            ),
            "a text value must be in quotes: timezone = \"…\""
        );
        assert_eq!(
            plain_message("duplicate key", Some("lang")),
            "the key `lang` is given twice; keep one"
        );
        let m = plain_message(
            "unknown field `volunter`, expected one of `volunteer`, `paid`",
            None,
        );
        assert_eq!(
            m,
            "unknown key `volunter`; the keys allowed here are `volunteer`, `paid`"
        );
    }
}
