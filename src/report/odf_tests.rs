// SPDX-License-Identifier: GPL-3.0-or-later
//! Tests of [`super`]: text escaped (calendar text cannot break the file), digits written
//! as `format!` writes them, and cells that carry their value and their shown text.

use super::*;

fn escaped(s: &str, text: bool) -> String {
    let mut out = String::new();
    escape_into(&mut out, s, text);
    out
}

#[test]
fn text_is_escaped_and_spaces_kept() {
    assert_eq!(
        escaped("a<b> & \"c\"\u{1}", true),
        "a&lt;b&gt; &amp; \"c\"\u{fffd}"
    );
    assert_eq!(escaped("\"x\"", false), "&quot;x&quot;");
    assert_eq!(
        escaped(" a  b\tc\nd", true),
        "<text:s/>a <text:s/>b<text:tab/>c<text:line-break/>d"
    );
}

#[test]
fn digits_are_written_as_format_writes_them() {
    for n in [0u64, 1, 9, 10, 59, 99, 100, 2026, 12345, u64::MAX] {
        for width in [1, 2, 4] {
            let mut out = String::new();
            push_digits(&mut out, n, width);
            assert_eq!(out, format!("{n:0width$}"));
        }
    }
    for y in [-1, 0, 7, 999, 2026, 10000] {
        let mut out = String::new();
        push_year(&mut out, y);
        assert_eq!(out, format!("{y:04}"));
    }
}

#[test]
fn plain_text_is_written_as_is_and_the_rest_escaped() {
    for s in ["", "Réunion", "a b", "\"q\""] {
        assert!(is_plain(s, true), "{s:?}");
        assert_eq!(escaped(s, true), s);
    }
    for s in [" a", "a  b", "a\tb", "a&b", "\u{fffe}", "\u{ffff}"] {
        assert!(!is_plain(s, true), "{s:?}");
    }
    assert!(is_plain("\"q\"", true));
    assert!(!is_plain("\"q\"", false));
    assert!(is_plain(" a  b", false));
}

#[test]
fn calendar_text_cannot_break_the_file() {
    use calamine::{Data, Reader};
    let look = Look {
        day_first: false,
        decimal: '.',
    };
    let hostile = "</text:p><table:table-cell office:value-type=\"float\" \
office:value=\"1\"/> & \u{1b}[31m \u{0}\u{7f} ]]> <!-- '\"";
    let mut b = Book::new(look, &[]);
    b.sheet("a<b>&\"'", &[None]);
    b.row(0).text(hostile).text("  two  spaces");
    let bytes = b.finish().unwrap();
    let mut book = calamine::Ods::new(std::io::Cursor::new(bytes)).expect("a spreadsheet");
    assert_eq!(book.sheet_names(), ["a<b>&\"'"]);
    let range = book.worksheet_range("a<b>&\"'").expect("the sheet");
    let row: Vec<Data> = range.rows().next().expect("a row").to_vec();
    let expected = hostile.replace(['\u{1b}', '\u{0}'], "\u{fffd}");
    assert_eq!(
        row,
        [Data::String(expected), Data::String("  two  spaces".into())]
    );
}

#[test]
fn cells_carry_value_and_shown_text() {
    let look = Look {
        day_first: true,
        decimal: ',',
    };
    let mut b = Book::new(look, &["2cm"]);
    b.sheet("Détail", &[Some("2cm"), None]);
    b.row(1)
        .date(NaiveDate::from_ymd_opt(2026, 10, 5).unwrap())
        .at(2)
        .time(7 * 60 + 5)
        .duration(27 * 60 + 3, Some("of:=SUM([.D2:.D3])"))
        .number(327.03, Figure::Money, None);
    assert_eq!(b.next_row(), 2);
    let x = &b.xml;
    assert!(x.contains(
        "<table:table table:name=\"Détail\"><table:table-column table:style-name=\"co0\"/>\
<table:table-column/><table:table-row><table:table-cell/></table:table-row>"
    ));
    assert!(x.contains("office:date-value=\"2026-10-05\"><text:p>05/10/2026</text:p>"));
    assert!(x.contains("<table:table-cell/><table:table-cell table:style-name=\"Tm\""));
    assert!(x.contains("office:time-value=\"PT07H05M00S\"><text:p>07:05</text:p>"));
    assert!(x.contains(
        "table:formula=\"of:=SUM([.D2:.D3])\" office:value-type=\"time\" \
office:time-value=\"PT27H3M0S\"><text:p>27:03</text:p>"
    ));
    assert!(x.contains("office:value=\"327.03\"><text:p>327,03</text:p>"));
    let bytes = b.finish().unwrap();
    assert_eq!(&bytes[..4], b"PK\x03\x04");
    assert_eq!(&bytes[30..38], b"mimetype");
}

/// The XML of one sheet's rows, written by `rows`.
fn sheet_xml(rows: impl FnOnce(&mut Book)) -> String {
    let look = Look {
        day_first: true,
        decimal: ',',
    };
    let mut book = Book::new(look, &[]);
    book.sheet("S", &[]);
    rows(&mut book);
    book.xml
}

#[test]
fn copied_cells_are_the_cells_written_and_move_the_row_on_as_far() {
    let day = NaiveDate::from_ymd_opt(2026, 10, 5).expect("a date");
    let direct = sheet_xml(|b| {
        for at in 0..3 {
            b.row(at)
                .date(day)
                .time(9 * 60 + 15)
                .text("après")
                .duration(90, None);
        }
    });
    let mut copies = Copies::default();
    let mut runs = 0;
    let copied = sheet_xml(|b| {
        for at in 0..3 {
            let mut row = b.row(at);
            row.once(&mut copies, (day, 555), |x| {
                runs += 1;
                x.date(day).time(9 * 60 + 15);
            });
            // The cells after a copy go in the next column, as after the cells themselves.
            row.text("après").duration(90, None);
            assert_eq!(row.col, 4);
        }
    });
    assert_eq!(runs, 1, "made once, copied after");
    assert_eq!(copied, direct);
}
