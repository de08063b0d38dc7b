// SPDX-License-Identifier: GPL-3.0-or-later
//! OpenDocument spreadsheets (ODF 1.3) written straight to XML, row after row, then packed.
//!
//! Owns: the few cell kinds a report needs (text, bold heading, date, time of day, duration,
//! number, money), their data styles, the column widths, XML escaping and the package
//! (`mimetype`, manifest, `content.xml`, `styles.xml`). Every typed cell carries its value
//! and, as its text, the value as a reader shows it (`01/10/2026`, `7:30`, `27,25`), so a
//! viewer that does not compute shows the same figures. Knows nothing of reports.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::hash::{BuildHasherDefault, Hash};

use chrono::{Datelike, NaiveDate};

use std::io::Write as _;

use flate2::Crc;
use flate2::write::DeflateEncoder;

use super::by_address::AddressHasher;
use super::zip::{Archive, LEVEL, Method, ZipError};

/// How dates and decimals read.
#[derive(Debug, Clone, Copy)]
pub struct Look {
    /// Day first (`31/10/2026`) rather than ISO (`2026-10-31`).
    pub day_first: bool,
    /// The decimal separator shown.
    pub decimal: char,
}

/// The cell styles (`table:style-name`).
const HEAD: &str = "Hd";
const DATE: &str = "Dt";
const TIME: &str = "Tm";
const DURATION: &str = "Du";
const NUMBER: &str = "Nb";
const MONEY: &str = "Mo";

/// A number cell's style.
#[derive(Debug, Clone, Copy)]
pub enum Figure {
    /// Two decimals.
    Number,
    /// Two decimals, an amount of money.
    Money,
    /// As it is (a count).
    Count,
}

/// A spreadsheet being written: `content.xml` is compressed as the rows come, so a sheet
/// of many thousand rows never sits whole in memory.
pub struct Book {
    look: Look,
    widths: Vec<&'static str>,
    xml: String,
    deflate: DeflateEncoder<Vec<u8>>,
    crc: Crc,
    size: usize,
    failed: Option<std::io::Error>,
    rows: u32,
    in_sheet: bool,
}

/// Bytes of XML gathered before they are handed to the compressor.
const FLUSH_AT: usize = 1 << 16;

impl Book {
    /// A spreadsheet whose columns may have the `widths` given (`"2.6cm"`).
    pub fn new(look: Look, widths: &[&'static str]) -> Book {
        let mut book = Book {
            look,
            widths: widths.to_vec(),
            xml: String::with_capacity(FLUSH_AT + 4096),
            deflate: DeflateEncoder::new(Vec::new(), flate2::Compression::new(LEVEL)),
            crc: Crc::new(),
            size: 0,
            failed: None,
            rows: 0,
            in_sheet: false,
        };
        let _ = write!(
            book.xml,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<office:document-content {NAMESPACES}>\
<office:automatic-styles>{}",
            styles(look)
        );
        for (i, w) in widths.iter().enumerate() {
            let _ = write!(
                book.xml,
                "<style:style style:name=\"co{i}\" style:family=\"table-column\">\
<style:table-column-properties style:column-width=\"{w}\"/></style:style>"
            );
        }
        book.xml
            .push_str("</office:automatic-styles><office:body><office:spreadsheet>");
        book
    }

    /// Starts a sheet named `name` whose columns have these widths (one of the book's, or
    /// `None` for the default width); ends the sheet before it.
    pub fn sheet(&mut self, name: &str, columns: &[Option<&'static str>]) {
        self.end_sheet();
        self.xml.push_str("<table:table table:name=\"");
        escape_into(&mut self.xml, name, false);
        self.xml.push_str("\">");
        for w in columns {
            match w.and_then(|w| self.widths.iter().position(|x| *x == w)) {
                Some(i) => {
                    let _ = write!(self.xml, "<table:table-column table:style-name=\"co{i}\"/>");
                }
                None => self.xml.push_str("<table:table-column/>"),
            }
        }
        if columns.is_empty() {
            self.xml.push_str("<table:table-column/>");
        }
        self.rows = 0;
        self.in_sheet = true;
    }

    fn end_sheet(&mut self) {
        if self.in_sheet {
            self.xml.push_str("</table:table>");
            self.in_sheet = false;
        }
    }

    /// Opens row `at` (0-based) of the current sheet, after empty rows up to it. Rows go
    /// forward only: a row before the next free one is opened as the next free one.
    pub fn row(&mut self, at: u32) -> Row<'_> {
        while self.rows < at {
            self.xml
                .push_str("<table:table-row><table:table-cell/></table:table-row>");
            self.rows += 1;
        }
        self.xml.push_str("<table:table-row>");
        Row {
            sheet: self,
            col: 0,
        }
    }

    /// The next free row of the current sheet.
    pub fn next_row(&self) -> u32 {
        self.rows
    }

    /// Hands the XML gathered so far to the compressor.
    fn flush(&mut self) {
        self.crc.update(self.xml.as_bytes());
        self.size += self.xml.len();
        if self.failed.is_none()
            && let Err(e) = self.deflate.write_all(self.xml.as_bytes())
        {
            self.failed = Some(e);
        }
        self.xml.clear();
    }

    /// The `.ods` file.
    pub fn finish(mut self) -> Result<Vec<u8>, ZipError> {
        self.end_sheet();
        self.xml
            .push_str("</office:spreadsheet></office:body></office:document-content>");
        self.flush();
        let compress = |source| ZipError::Compress {
            name: "content.xml".into(),
            source,
        };
        if let Some(e) = self.failed.take() {
            return Err(compress(e));
        }
        let content = self.deflate.finish().map_err(compress)?;
        let styles = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<office:document-styles {NAMESPACES}>\
<office:styles><style:style style:name=\"Default\" style:family=\"table-cell\"/></office:styles>\
</office:document-styles>"
        );
        let meta = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<office:document-meta {NAMESPACES}>\
<office:meta><meta:generator>caltally/{}</meta:generator></office:meta></office:document-meta>",
            env!("CARGO_PKG_VERSION")
        );
        // The content, the small parts and the headers and directory around them.
        let room = content.len() + MANIFEST.len() + styles.len() + meta.len() + 1024;
        let mut zip = Archive::with_capacity(room);
        zip.add("mimetype", MIMETYPE.as_bytes(), Method::Stored)?;
        // The small parts are stored as they are: deflating a few hundred bytes saves less
        // than a compressor's state costs to set up (a quarter of a megabyte, zeroed).
        zip.add("META-INF/manifest.xml", MANIFEST.as_bytes(), Method::Stored)?;
        zip.add("meta.xml", meta.as_bytes(), Method::Stored)?;
        zip.add("styles.xml", styles.as_bytes(), Method::Stored)?;
        zip.add_deflated("content.xml", &content, self.crc.sum(), self.size)?;
        let bytes = zip.finish()?;
        debug_assert!(
            bytes.len() <= room,
            "the archive outgrew the room made for it"
        );
        Ok(bytes)
    }
}

/// One row being written; closed when dropped. Cells go left to right.
pub struct Row<'a> {
    sheet: &'a mut Book,
    col: u32,
}

impl Drop for Row<'_> {
    fn drop(&mut self) {
        self.sheet.xml.push_str("</table:table-row>");
        self.sheet.rows += 1;
        if self.sheet.xml.len() >= FLUSH_AT {
            self.sheet.flush();
        }
    }
}

/// Cells made once and copied after: the XML of a run of cells a row wrote, by a key that
/// stands for everything that run's text was made from.
pub struct Copies<K>(HashMap<K, (String, u32), BuildHasherDefault<AddressHasher>>);

impl<K> Default for Copies<K> {
    fn default() -> Self {
        Copies(HashMap::default())
    }
}

impl Row<'_> {
    /// Writes the cells that `write` writes, or, when `key` was met before, a copy of the
    /// cells written then. `key` must determine those cells entirely.
    pub fn once<K: Hash + Eq>(
        &mut self,
        copies: &mut Copies<K>,
        key: K,
        write: impl FnOnce(&mut Self),
    ) -> &mut Self {
        if let Some((xml, cells)) = copies.0.get(&key) {
            self.sheet.xml.push_str(xml);
            self.col += cells;
            return self;
        }
        // A row is flushed only when it ends: what `write` adds is still in the buffer.
        let (mark, col) = (self.sheet.xml.len(), self.col);
        write(self);
        let xml = self.sheet.xml.get(mark..).unwrap_or_default().to_string();
        copies.0.insert(key, (xml, self.col - col));
        self
    }

    /// Moves to column `col`, leaving the cells before it empty.
    pub fn at(&mut self, col: u32) -> &mut Self {
        if col > self.col {
            let n = col - self.col;
            if n == 1 {
                self.sheet.xml.push_str("<table:table-cell/>");
            } else {
                let _ = write!(
                    self.sheet.xml,
                    "<table:table-cell table:number-columns-repeated=\"{n}\"/>"
                );
            }
            self.col = col;
        }
        self
    }

    fn open(&mut self, style: Option<&str>, formula: Option<&str>, kind: &str) {
        let x = &mut self.sheet.xml;
        x.push_str("<table:table-cell");
        if let Some(s) = style {
            x.push_str(" table:style-name=\"");
            x.push_str(s);
            x.push('"');
        }
        if let Some(f) = formula {
            x.push_str(" table:formula=\"");
            escape_into(x, f, false);
            x.push('"');
        }
        x.push_str(" office:value-type=\"");
        x.push_str(kind);
        x.push('"');
    }

    fn close(&mut self, shown: &str) {
        let x = &mut self.sheet.xml;
        x.push_str("><text:p>");
        escape_into(x, shown, true);
        x.push_str("</text:p></table:table-cell>");
        self.col += 1;
    }

    /// Closes a cell whose shown text needs no escaping, written by `shown`.
    fn close_with(&mut self, shown: impl FnOnce(&mut String) -> std::fmt::Result) {
        let x = &mut self.sheet.xml;
        x.push_str("><text:p>");
        let _ = shown(x);
        x.push_str("</text:p></table:table-cell>");
        self.col += 1;
    }

    /// A text cell (never evaluated).
    pub fn text(&mut self, s: &str) -> &mut Self {
        self.open(None, None, "string");
        self.close(s);
        self
    }

    /// A bold heading or label.
    pub fn head(&mut self, s: &str) -> &mut Self {
        self.open(Some(HEAD), None, "string");
        self.close(s);
        self
    }

    /// A date.
    pub fn date(&mut self, d: NaiveDate) -> &mut Self {
        self.open(Some(DATE), None, "date");
        let (y, m, day) = (d.year(), d.month(), d.day());
        let x = &mut self.sheet.xml;
        x.push_str(" office:date-value=\"");
        push_iso_date(x, y, m, day);
        x.push('"');
        let day_first = self.sheet.look.day_first;
        self.close_with(|x| {
            if day_first {
                push_digits(x, day.into(), 2);
                x.push('/');
                push_digits(x, m.into(), 2);
                x.push('/');
                push_year(x, y);
            } else {
                push_iso_date(x, y, m, day);
            }
            Ok(())
        });
        self
    }

    /// A time of day, `minutes` after midnight.
    pub fn time(&mut self, minutes: i64) -> &mut Self {
        self.open(Some(TIME), None, "time");
        let (h, m) = (minutes / 60, minutes % 60);
        if !(0..100).contains(&h) || m < 0 {
            let _ = write!(self.sheet.xml, " office:time-value=\"PT{h:02}H{m:02}M00S\"");
            self.close_with(|x| write!(x, "{h:02}:{m:02}"));
            return self;
        }
        self.hours_minutes("", (h as u64, m as u64), (2, "M00S"));
        self
    }

    /// A duration of `minutes` (shown `h:mm`, hours past 24 kept), computed by `formula`
    /// if given.
    pub fn duration(&mut self, minutes: i64, formula: Option<&str>) -> &mut Self {
        self.open(Some(DURATION), formula, "time");
        let sign = if minutes < 0 { "-" } else { "" };
        let (h, m) = (minutes.unsigned_abs() / 60, minutes.unsigned_abs() % 60);
        self.hours_minutes(sign, (h, m), (1, "M0S"));
        self
    }

    /// The value attribute (`{sign}PT{h}H{m}{end}`, both at least `width` digits) and the
    /// shown text (`{sign}{h}:{mm}`) of a time or duration cell.
    fn hours_minutes(&mut self, sign: &str, (h, m): (u64, u64), (width, end): (usize, &str)) {
        let x = &mut self.sheet.xml;
        x.push_str(" office:time-value=\"");
        x.push_str(sign);
        x.push_str("PT");
        push_digits(x, h, width);
        x.push('H');
        push_digits(x, m, width);
        x.push_str(end);
        x.push('"');
        self.close_with(|x| {
            x.push_str(sign);
            push_digits(x, h, width);
            x.push(':');
            push_digits(x, m, 2);
            Ok(())
        });
    }

    /// A number, computed by `formula` if given.
    pub fn number(&mut self, value: f64, figure: Figure, formula: Option<&str>) -> &mut Self {
        let style = match figure {
            Figure::Number => Some(NUMBER),
            Figure::Money => Some(MONEY),
            Figure::Count => None,
        };
        self.open(style, formula, "float");
        let _ = write!(self.sheet.xml, " office:value=\"{value}\"");
        let shown = match figure {
            Figure::Count => format!("{value}"),
            _ => format!("{value:.2}"),
        };
        let decimal = self.sheet.look.decimal;
        self.close(&shown.replace('.', decimal.encode_utf8(&mut [0; 4])));
        self
    }
}

/// `n` in decimal, with leading zeros to at least `width` digits (up to 20), as ASCII.
pub(super) struct Digits {
    digits: [u8; 20],
    at: usize,
}

impl Digits {
    /// Writes `n`.
    pub(super) fn of(n: u64, width: usize) -> Digits {
        let mut digits = [b'0'; 20];
        let mut at = digits.len();
        let mut rest = n;
        loop {
            at -= 1;
            digits[at] = b'0' + (rest % 10) as u8;
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        let at = at.min(digits.len() - width.min(digits.len()));
        Digits { digits, at }
    }

    /// The digits.
    pub(super) fn as_bytes(&self) -> &[u8] {
        &self.digits[self.at..]
    }
}

/// Appends `n` in decimal, with leading zeros to at least `width` digits.
pub(super) fn push_digits(out: &mut String, n: u64, width: usize) {
    out.extend(
        Digits::of(n, width)
            .as_bytes()
            .iter()
            .map(|&b| char::from(b)),
    );
}

/// Appends a year as `{:04}` writes it (a sign before years below zero).
pub(super) fn push_year(out: &mut String, y: i32) {
    if y < 0 {
        let _ = write!(out, "{y:04}");
    } else {
        push_digits(out, y.unsigned_abs().into(), 4);
    }
}

/// Appends `2026-10-05`.
pub(super) fn push_iso_date(out: &mut String, y: i32, m: u32, d: u32) {
    push_year(out, y);
    out.push('-');
    push_digits(out, m.into(), 2);
    out.push('-');
    push_digits(out, d.into(), 2);
}

/// Whether `s` is written as is by [`escape_into`].
fn is_plain(s: &str, text: bool) -> bool {
    let mut space_before = true;
    for &b in s.as_bytes() {
        let plain = match b {
            b'&' | b'<' | b'>' | 0..=0x1f | 0xef => false,
            b'"' => text,
            b' ' => !(text && space_before),
            _ => true,
        };
        if !plain {
            return false;
        }
        space_before = b == b' ';
    }
    true
}

/// Appends `s` escaped for XML; characters XML 1.0 cannot carry become U+FFFD. In `text`
/// (element content), runs of spaces, tabs and line breaks are kept as ODF writes them.
fn escape_into(out: &mut String, s: &str, text: bool) {
    // Most text needs no escaping (U+FFFE and U+FFFF begin with the byte 0xEF).
    if is_plain(s, text) {
        out.push_str(s);
        return;
    }
    let mut space_before = true;
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if !text => out.push_str("&quot;"),
            ' ' if text && space_before => out.push_str("<text:s/>"),
            '\t' if text => out.push_str("<text:tab/>"),
            '\n' if text => out.push_str("<text:line-break/>"),
            '\t' | '\n' | '\r' => out.push(c),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
        space_before = c == ' ';
    }
}

const NAMESPACES: &str = concat!(
    "xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" ",
    "xmlns:style=\"urn:oasis:names:tc:opendocument:xmlns:style:1.0\" ",
    "xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" ",
    "xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" ",
    "xmlns:number=\"urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0\" ",
    "xmlns:fo=\"urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0\" ",
    "xmlns:meta=\"urn:oasis:names:tc:opendocument:xmlns:meta:1.0\" ",
    "xmlns:of=\"urn:oasis:names:tc:opendocument:xmlns:of:1.2\" ",
    "office:version=\"1.3\""
);

/// The data and cell styles: dates in the report's order, `hh:mm`, `[h]:mm`, two decimals.
fn styles(look: Look) -> String {
    let date = if look.day_first {
        "<number:day number:style=\"long\"/><number:text>/</number:text>\
<number:month number:style=\"long\"/><number:text>/</number:text><number:year number:style=\"long\"/>"
    } else {
        "<number:year number:style=\"long\"/><number:text>-</number:text>\
<number:month number:style=\"long\"/><number:text>-</number:text><number:day number:style=\"long\"/>"
    };
    let cell = |name: &str, data: &str| {
        format!(
            "<style:style style:name=\"{name}\" style:family=\"table-cell\" \
style:parent-style-name=\"Default\" style:data-style-name=\"{data}\"/>"
        )
    };
    format!(
        "<number:date-style style:name=\"N1\">{date}</number:date-style>\
<number:time-style style:name=\"N2\"><number:hours number:style=\"long\"/><number:text>:</number:text>\
<number:minutes number:style=\"long\"/></number:time-style>\
<number:time-style style:name=\"N3\" number:truncate-on-overflow=\"false\"><number:hours/>\
<number:text>:</number:text><number:minutes number:style=\"long\"/></number:time-style>\
<number:number-style style:name=\"N4\"><number:number number:decimal-places=\"2\" \
number:min-decimal-places=\"2\" number:min-integer-digits=\"1\"/></number:number-style>\
<style:style style:name=\"{HEAD}\" style:family=\"table-cell\" style:parent-style-name=\"Default\">\
<style:text-properties fo:font-weight=\"bold\"/></style:style>{}{}{}{}{}",
        cell(DATE, "N1"),
        cell(TIME, "N2"),
        cell(DURATION, "N3"),
        cell(NUMBER, "N4"),
        cell(MONEY, "N4"),
    )
}

const MIMETYPE: &str = "application/vnd.oasis.opendocument.spreadsheet";

const MANIFEST: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>
<manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\" manifest:version=\"1.3\">
 <manifest:file-entry manifest:full-path=\"/\" manifest:version=\"1.3\" manifest:media-type=\"application/vnd.oasis.opendocument.spreadsheet\"/>
 <manifest:file-entry manifest:full-path=\"content.xml\" manifest:media-type=\"text/xml\"/>
 <manifest:file-entry manifest:full-path=\"styles.xml\" manifest:media-type=\"text/xml\"/>
 <manifest:file-entry manifest:full-path=\"meta.xml\" manifest:media-type=\"text/xml\"/>
</manifest:manifest>
";

#[cfg(test)]
#[path = "odf_tests.rs"]
mod tests;
