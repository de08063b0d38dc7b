// SPDX-License-Identifier: GPL-3.0-or-later
//! The store's schema: one SQL migration per version, applied in order by
//! [`super::Store::open`]. Migrations are only ever added, never changed, so that a store
//! written by any earlier version can be brought up to date.

/// One migration per schema version, applied in order.
pub(super) const MIGRATIONS: &[&str] = &[
    // 1: sources, calendars and objects.
    "CREATE TABLE sources (
        source TEXT PRIMARY KEY,
        home_url TEXT,
        etag TEXT,
        last_modified TEXT
    );
    CREATE TABLE calendars (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL,
        url TEXT NOT NULL,
        name TEXT NOT NULL,
        sync_token TEXT,
        ctag TEXT,
        last_full_reconcile INTEGER,
        read_only INTEGER NOT NULL DEFAULT 0,
        shared INTEGER NOT NULL DEFAULT 0,
        UNIQUE (source, url)
    );
    CREATE TABLE objects (
        calendar_id INTEGER NOT NULL REFERENCES calendars(id) ON DELETE CASCADE,
        href TEXT NOT NULL,
        etag TEXT,
        uid TEXT,
        data BLOB NOT NULL,
        first_start INTEGER,
        last_end INTEGER,
        PRIMARY KEY (calendar_id, href)
    );
    CREATE INDEX objects_by_bounds ON objects (first_start, last_end);",
    // 2: closed months.
    "CREATE TABLE closings (
        month TEXT PRIMARY KEY,
        closed_at INTEGER NOT NULL,
        fingerprint TEXT NOT NULL,
        reports TEXT NOT NULL
    );",
    // 3: mail sent per association and month, one row per message. A row is written as
    // `sending` before the SMTP session and turned to `sent` after it, so an interrupted run
    // never sends twice. `items` holds the association's entries as that mail told them.
    "CREATE TABLE sent (
        id INTEGER PRIMARY KEY,
        association TEXT NOT NULL,
        month TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        items TEXT NOT NULL,
        kind TEXT NOT NULL,
        state TEXT NOT NULL,
        at INTEGER NOT NULL,
        recipients TEXT NOT NULL,
        message_id TEXT NOT NULL
    );
    CREATE INDEX sent_by_month ON sent (association, month);",
    // 4: when each source was last synced without error (Unix time); a store synced
    // before this version counts its last full comparison. Sources whose URL held
    // `user:password@` are forgotten: such a URL is refused now, and the password must
    // not stay on disk.
    "ALTER TABLE sources ADD COLUMN last_success INTEGER;
    UPDATE sources SET last_success =
        (SELECT max(c.last_full_reconcile) FROM calendars c WHERE c.source = sources.source);
    DELETE FROM objects WHERE calendar_id IN (SELECT id FROM calendars WHERE
        instr(substr(source, instr(source, '://') + 3, CASE WHEN instr(substr(source, instr(source, '://') + 3), '/') > 0
            THEN instr(substr(source, instr(source, '://') + 3), '/') - 1 ELSE length(source) END), '@') > 0);
    DELETE FROM calendars WHERE
        instr(substr(source, instr(source, '://') + 3, CASE WHEN instr(substr(source, instr(source, '://') + 3), '/') > 0
            THEN instr(substr(source, instr(source, '://') + 3), '/') - 1 ELSE length(source) END), '@') > 0;
    DELETE FROM sources WHERE
        instr(substr(source, instr(source, '://') + 3, CASE WHEN instr(substr(source, instr(source, '://') + 3), '/') > 0
            THEN instr(substr(source, instr(source, '://') + 3), '/') - 1 ELSE length(source) END), '@') > 0;",
    // 5: reminders of the problems of people's events, one row per message accepted by the
    // server. `digest` names the list of problems it told, so that the same list is not
    // mailed twice for a month.
    "CREATE TABLE reminders (
        id INTEGER PRIMARY KEY,
        person TEXT NOT NULL,
        month TEXT NOT NULL,
        digest TEXT NOT NULL,
        at INTEGER NOT NULL,
        recipients TEXT NOT NULL
    );
    CREATE INDEX reminders_by_month ON reminders (person, month);",
    // 6: the span class of each object (`overlap::span_class`), so that the objects
    // overlapping a period are found by one short index range per class instead of a scan
    // of every object that started before the period's end. A row written without its
    // class gets the class of unknown bounds, read for every period: never missed.
    "ALTER TABLE objects ADD COLUMN span_class INTEGER NOT NULL DEFAULT 12;
    UPDATE objects SET span_class = CASE
        WHEN first_start IS NULL OR last_end IS NULL THEN 12
        WHEN last_end - first_start < 691200 THEN 0
        WHEN last_end - first_start < 1382400 THEN 1
        WHEN last_end - first_start < 2764800 THEN 2
        WHEN last_end - first_start < 5529600 THEN 3
        WHEN last_end - first_start < 11059200 THEN 4
        WHEN last_end - first_start < 22118400 THEN 5
        WHEN last_end - first_start < 44236800 THEN 6
        WHEN last_end - first_start < 88473600 THEN 7
        WHEN last_end - first_start < 176947200 THEN 8
        WHEN last_end - first_start < 353894400 THEN 9
        WHEN last_end - first_start < 707788800 THEN 10
        ELSE 11 END;
    DROP INDEX objects_by_bounds;
    CREATE INDEX objects_by_span ON objects (span_class, first_start, last_end);",
];
