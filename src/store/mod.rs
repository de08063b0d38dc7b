// SPDX-License-Identifier: GPL-3.0-or-later
//! The store: a local SQLite mirror of every source, with the sync state of each calendar.
//!
//! Owns: the schema and its migrations (`PRAGMA user_version`), WAL mode, objects by
//! calendar and href (ETag, UID, raw iCalendar text, and the time bounds of their
//! occurrences so a month's report loads only what overlaps the month), and per calendar
//! its URL, name, sync token, ctag and the time of the last full reconciliation. Each
//! calendar's sync is applied in one transaction. Knows nothing of HTTP or of iCalendar
//! rules: bounds are computed by the caller; `overlap` finds the objects of a period by
//! them. Also the closings, the sent log (`sent`) and the reminder log (`reminded`).

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, Transaction, params};

mod overlap;
mod reminded;
mod schema;
mod sent;

use schema::MIGRATIONS;
pub use sent::SentRow;

/// What can go wrong with the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite failed.
    #[error("store: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The file was written by a newer caltally.
    #[error(
        "the store has schema version {found}, newer than this caltally ({supported}); upgrade caltally"
    )]
    TooNew {
        /// Version in the file.
        found: i64,
        /// Newest known.
        supported: i64,
    },
    /// The directory could not be created.
    #[error("cannot create the store's directory")]
    Io(#[from] std::io::Error),
}

/// The newest schema version this build knows.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// A calendar as stored.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CalendarRow {
    /// Row id.
    pub id: i64,
    /// The configured source it belongs to.
    pub source: String,
    /// Collection URL.
    pub url: String,
    /// Display name.
    pub name: String,
    /// Last sync token.
    pub sync_token: Option<String>,
    /// Last ctag.
    pub ctag: Option<String>,
    /// Unix time of the last full ETag reconciliation.
    pub last_full_reconcile: Option<i64>,
    /// Shared to this account read-only.
    pub read_only: bool,
    /// Shared to this account by someone else.
    pub shared: bool,
}

/// What is remembered about a source between runs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SourceRow {
    /// Calendar home found by discovery.
    pub home_url: Option<String>,
    /// `ETag` of an `.ics` feed.
    pub etag: Option<String>,
    /// `Last-Modified` of an `.ics` feed.
    pub last_modified: Option<String>,
}

/// An object to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectRow {
    /// Href, percent-decoded.
    pub href: String,
    /// ETag as received.
    pub etag: Option<String>,
    /// UID.
    pub uid: Option<String>,
    /// Raw iCalendar bytes.
    pub data: Vec<u8>,
    /// Unix time of the earliest start, if known.
    pub first_start: Option<i64>,
    /// Unix time of the latest end; `None` for open-ended series.
    pub last_end: Option<i64>,
}

/// An object loaded for a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredObject {
    /// Calendar name.
    pub calendar: String,
    /// Calendar URL.
    pub calendar_url: String,
    /// Href.
    pub href: String,
    /// Raw bytes.
    pub data: Vec<u8>,
}

/// An open store.
pub struct Store {
    conn: Connection,
}

impl Store {
    /// Opens (creating if needed) the store at `path` and migrates it.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // FULL: a committed row of the sent log survives a power cut.
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        let mut store = Store { conn };
        store.migrate()?;
        Ok(store)
    }

    /// An in-memory store, for tests.
    pub fn in_memory() -> Result<Store, StoreError> {
        let conn = Connection::open_in_memory()?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let mut store = Store { conn };
        store.migrate()?;
        Ok(store)
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let version: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::TooNew {
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            let tx = self.conn.transaction()?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)?;
            tx.commit()?;
        }
        Ok(())
    }

    /// Every calendar of a source.
    pub fn calendars(&self, source: &str) -> Result<Vec<CalendarRow>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT id, source, url, name, sync_token, ctag, last_full_reconcile, read_only, shared
             FROM calendars WHERE source = ?1 ORDER BY id",
        )?;
        let rows = stmt
            .query_map([source], calendar_row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Every calendar of every source.
    pub fn all_calendars(&self) -> Result<Vec<CalendarRow>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT id, source, url, name, sync_token, ctag, last_full_reconcile, read_only, shared
             FROM calendars ORDER BY id",
        )?;
        let rows = stmt
            .query_map([], calendar_row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// `href → etag` of one calendar.
    pub fn etags(&self, calendar_id: i64) -> Result<Vec<(String, Option<String>)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT href, etag FROM objects WHERE calendar_id = ?1 ORDER BY href")?;
        let rows = stmt
            .query_map([calendar_id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// The remembered discovery result (calendar home) and HTTP validators of a source.
    pub fn source_state(&self, source: &str) -> Result<SourceRow, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT home_url, etag, last_modified FROM sources WHERE source = ?1",
                [source],
                |r| {
                    Ok(SourceRow {
                        home_url: r.get(0)?,
                        etag: r.get(1)?,
                        last_modified: r.get(2)?,
                    })
                },
            )
            .optional()?
            .unwrap_or_default())
    }

    /// When `source` was last synced without error (Unix time), and how many calendars
    /// of it the store holds.
    pub fn sync_status(&self, source: &str) -> Result<(Option<i64>, usize), StoreError> {
        let last: Option<i64> = self
            .conn
            .query_row(
                "SELECT last_success FROM sources WHERE source = ?1",
                [source],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        let calendars: i64 = self.conn.query_row(
            "SELECT count(*) FROM calendars WHERE source = ?1",
            [source],
            |r| r.get(0),
        )?;
        Ok((last, calendars as usize))
    }

    /// The closing of `month` (`YYYY-MM`): `(fingerprint JSON, reports JSON)`.
    pub fn closing(&self, month: &str) -> Result<Option<(String, String)>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT fingerprint, reports FROM closings WHERE month = ?1",
                [month],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    /// Closes `month`; false if it was already closed (nothing is changed then).
    pub fn close_month(
        &self,
        month: &str,
        at: i64,
        fingerprint: &str,
        reports: &str,
    ) -> Result<bool, StoreError> {
        let n = self.conn.execute(
            "INSERT INTO closings (month, closed_at, fingerprint, reports) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (month) DO NOTHING",
            params![month, at, fingerprint, reports],
        )?;
        Ok(n == 1)
    }

    /// Reopens `month`; false if it was not closed.
    pub fn reopen_month(&self, month: &str) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .execute("DELETE FROM closings WHERE month = ?1", [month])?
            == 1)
    }

    /// Number of objects in the store.
    pub fn object_count(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM objects", [], |r| r.get(0))?)
    }

    /// Starts the one transaction of a calendar's sync.
    pub fn begin(&mut self) -> Result<CalendarTx<'_>, StoreError> {
        Ok(CalendarTx {
            tx: self.conn.transaction()?,
        })
    }
}

fn calendar_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<CalendarRow> {
    Ok(CalendarRow {
        id: r.get(0)?,
        source: r.get(1)?,
        url: r.get(2)?,
        name: r.get(3)?,
        sync_token: r.get(4)?,
        ctag: r.get(5)?,
        last_full_reconcile: r.get(6)?,
        read_only: r.get(7)?,
        shared: r.get(8)?,
    })
}

/// Changes to the store inside one transaction; dropped without [`CalendarTx::commit`],
/// nothing is written.
pub struct CalendarTx<'a> {
    tx: Transaction<'a>,
}

impl CalendarTx<'_> {
    /// Inserts or updates a calendar's description; returns its id.
    pub fn upsert_calendar(&self, c: &CalendarRow) -> Result<i64, StoreError> {
        self.tx.execute(
            "INSERT INTO calendars (source, url, name, read_only, shared) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (source, url) DO UPDATE SET name = excluded.name, read_only = excluded.read_only, shared = excluded.shared",
            params![c.source, c.url, c.name, c.read_only, c.shared],
        )?;
        Ok(self.tx.query_row(
            "SELECT id FROM calendars WHERE source = ?1 AND url = ?2",
            params![c.source, c.url],
            |r| r.get(0),
        )?)
    }

    /// Records the new sync state of a calendar.
    pub fn set_state(
        &self,
        id: i64,
        token: Option<&str>,
        ctag: Option<&str>,
        full_reconcile_at: Option<i64>,
    ) -> Result<(), StoreError> {
        self.tx.execute(
            "UPDATE calendars SET sync_token = ?2, ctag = ?3, last_full_reconcile = COALESCE(?4, last_full_reconcile) WHERE id = ?1",
            params![id, token, ctag, full_reconcile_at],
        )?;
        Ok(())
    }

    /// Inserts or replaces an object.
    pub fn put_object(&self, calendar_id: i64, o: &ObjectRow) -> Result<(), StoreError> {
        let class = overlap::span_class(o.first_start, o.last_end);
        self.tx
            .prepare_cached(
                "INSERT INTO objects (calendar_id, href, etag, uid, data, first_start, last_end, span_class)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (calendar_id, href) DO UPDATE SET etag = excluded.etag, uid = excluded.uid, data = excluded.data,
                   first_start = excluded.first_start, last_end = excluded.last_end, span_class = excluded.span_class",
            )?
            .execute(params![calendar_id, o.href, o.etag, o.uid, o.data, o.first_start, o.last_end, class])?;
        Ok(())
    }

    /// Deletes an object (no error if absent).
    pub fn delete_object(&self, calendar_id: i64, href: &str) -> Result<(), StoreError> {
        self.tx.execute(
            "DELETE FROM objects WHERE calendar_id = ?1 AND href = ?2",
            params![calendar_id, href],
        )?;
        Ok(())
    }

    /// Deletes calendars of `source` that are not in `keep` (by URL), with their objects;
    /// returns each one forgotten as `(name, objects it held)`.
    pub fn forget_calendars(
        &self,
        source: &str,
        keep: &[String],
    ) -> Result<Vec<(String, usize)>, StoreError> {
        let mut stmt = self.tx.prepare(
            "SELECT c.id, c.url, c.name, (SELECT count(*) FROM objects o WHERE o.calendar_id = c.id)
             FROM calendars c WHERE c.source = ?1 ORDER BY c.id",
        )?;
        let gone: Vec<(i64, String, usize)> = stmt
            .query_map([source], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .filter(|(_, url, _, _)| !keep.contains(url))
            .map(|(id, _, name, n)| (id, name, n as usize))
            .collect();
        for (id, _, _) in &gone {
            self.tx
                .execute("DELETE FROM calendars WHERE id = ?1", [id])?;
        }
        Ok(gone.into_iter().map(|(_, name, n)| (name, n)).collect())
    }

    /// Records that `source` was synced without error at `at` (Unix time).
    pub fn mark_synced(&self, source: &str, at: i64) -> Result<(), StoreError> {
        self.tx.execute(
            "INSERT INTO sources (source, last_success) VALUES (?1, ?2)
             ON CONFLICT (source) DO UPDATE SET last_success = excluded.last_success",
            params![source, at],
        )?;
        Ok(())
    }

    /// Remembers a source's calendar home and feed validators.
    pub fn set_source(&self, source: &str, row: &SourceRow) -> Result<(), StoreError> {
        self.tx.execute(
            "INSERT INTO sources (source, home_url, etag, last_modified) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (source) DO UPDATE SET home_url = excluded.home_url, etag = excluded.etag, last_modified = excluded.last_modified",
            params![source, row.home_url, row.etag, row.last_modified],
        )?;
        Ok(())
    }

    /// Makes every change of this transaction durable.
    pub fn commit(self) -> Result<(), StoreError> {
        Ok(self.tx.commit()?)
    }

    /// The stored calendar row by id.
    pub fn calendar(&self, id: i64) -> Result<Option<CalendarRow>, StoreError> {
        Ok(self
            .tx
            .query_row(
                "SELECT id, source, url, name, sync_token, ctag, last_full_reconcile, read_only, shared FROM calendars WHERE id = ?1",
                [id],
                calendar_row,
            )
            .optional()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(href: &str, first: Option<i64>, last: Option<i64>) -> ObjectRow {
        ObjectRow {
            href: href.into(),
            etag: Some("\"1\"".into()),
            uid: Some(href.into()),
            data: b"BEGIN:VCALENDAR".to_vec(),
            first_start: first,
            last_end: last,
        }
    }

    #[test]
    fn objects_are_selected_by_bounds_and_transactions_roll_back() {
        let mut store = Store::in_memory().expect("store");
        let tx = store.begin().expect("tx");
        let cal = CalendarRow {
            source: "s".into(),
            url: "https://h/c/".into(),
            name: "C".into(),
            ..CalendarRow::default()
        };
        let id = tx.upsert_calendar(&cal).expect("cal");
        tx.put_object(id, &object("early", Some(0), Some(100)))
            .expect("put");
        tx.put_object(id, &object("open", Some(50), None))
            .expect("put");
        tx.put_object(id, &object("late", Some(1000), Some(1100)))
            .expect("put");
        tx.commit().expect("commit");
        let hrefs: Vec<String> = store
            .objects_overlapping(90, 500)
            .expect("q")
            .into_iter()
            .map(|o| o.href)
            .collect();
        assert_eq!(hrefs, ["early", "open"]);
        {
            let tx = store.begin().expect("tx");
            tx.delete_object(id, "early").expect("delete");
            // dropped without commit
        }
        assert_eq!(store.object_count().expect("count"), 3);
    }

    #[test]
    fn migration_4_keeps_sync_times_and_drops_urls_with_passwords() {
        let conn = Connection::open_in_memory().expect("db");
        conn.pragma_update(None, "foreign_keys", "ON").expect("fk");
        let mut store = Store { conn };
        for (i, sql) in MIGRATIONS.iter().take(3).enumerate() {
            store.conn.execute_batch(sql).expect("old schema");
            store
                .conn
                .pragma_update(None, "user_version", (i + 1) as i64)
                .expect("v");
        }
        store
            .conn
            .execute_batch(
                "INSERT INTO sources (source) VALUES ('https://h/dav/'), ('https://bob:pw@h/dav/');
                 INSERT INTO calendars (source, url, name, last_full_reconcile)
                   VALUES ('https://h/dav/', 'https://h/dav/c/', 'C', 1000),
                          ('https://bob:pw@h/dav/', 'https://bob:pw@h/dav/c/', 'C', 2000),
                          ('https://h/a@b/', 'https://h/a@b/c/', 'D', 3000);
                 INSERT INTO objects (calendar_id, href, data) VALUES (2, '/x.ics', x'00');",
            )
            .expect("old rows");
        store.migrate().expect("migrates");
        assert_eq!(
            store.sync_status("https://h/dav/").expect("status"),
            (Some(1000), 1)
        );
        assert_eq!(
            store.sync_status("https://bob:pw@h/dav/").expect("status"),
            (None, 0)
        );
        assert_eq!(
            store.sync_status("https://h/a@b/").expect("status"),
            (None, 1),
            "an @ in the path is kept"
        );
        assert_eq!(store.object_count().expect("count"), 0);
    }

    #[test]
    fn schema_version_is_recorded() {
        let store = Store::in_memory().expect("store");
        let v: i64 = store
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .expect("version");
        assert_eq!(v, SCHEMA_VERSION);
    }
}
