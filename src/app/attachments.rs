// SPDX-License-Identifier: GPL-3.0-or-later
//! The attachments of an association's mail, as `[mail] attach` lists them: its
//! spreadsheet, its rows of `entries.csv` (named as data for other tools), its page.

use std::collections::BTreeMap;

use anyhow::Result;

use super::mailing::association_rows;
use crate::config::Attach;
use crate::mail::Attached;

/// What an association's mail attaches, in the configured order: its spreadsheet, its rows
/// of `entries.csv` (named as data), its page. A spreadsheet missing from a month closed
/// before spreadsheets existed is left out.
pub(super) fn attachments(
    wanted: &[Attach],
    files: &BTreeMap<String, Vec<u8>>,
    stem: &str,
    label: &str,
    key: &str,
    page: Vec<u8>,
) -> Result<Vec<Attached>> {
    let mut list = Vec::new();
    for a in wanted {
        match a {
            Attach::Ods => {
                if let Some(bytes) = files.get(&format!("{stem}.ods")) {
                    list.push(Attached {
                        name: format!("{stem}-{label}.ods"),
                        content_type: "application/vnd.oasis.opendocument.spreadsheet".into(),
                        bytes: bytes.clone(),
                    });
                }
            }
            Attach::Csv => {
                let csv = files.get("entries.csv").map_or(&[][..], |v| v.as_slice());
                list.push(Attached {
                    name: format!("{stem}-{label}-data.csv"),
                    content_type: "text/csv; charset=utf-8".into(),
                    bytes: association_rows(csv, key)?,
                });
            }
            Attach::Md => list.push(Attached {
                name: format!("{stem}-{label}.md"),
                content_type: "text/markdown; charset=utf-8".into(),
                bytes: page.clone(),
            }),
        }
    }
    Ok(list)
}
