// Schema migrations, applied in order inside one transaction each and tracked by
// PRAGMA user_version. Append only: a shipped migration is never edited.
export const MIGRATIONS: readonly string[] = [
  // 1: journal, outbox with per-consumer delivery state, command idempotency.
  `
  CREATE TABLE journal (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT, -- per-vehicle, monotonic, never reused
    id          TEXT    NOT NULL UNIQUE,           -- UUIDv7, globally unique, stable forever
    vehicle     TEXT    NOT NULL,
    type        TEXT    NOT NULL,
    class       TEXT    NOT NULL CHECK (class IN ('money','requests','queue','events','track')),
    created_at  TEXT    NOT NULL,                  -- wall clock, ISO 8601 UTC
    clock       TEXT    NOT NULL CHECK (clock IN ('ntp','gnss','unsynced')),
    mono_ms     REAL    NOT NULL,                  -- CLOCK_MONOTONIC, meaningful within boot_id
    boot_id     TEXT    NOT NULL,
    command_id  TEXT,
    actor       TEXT,
    payload     TEXT    NOT NULL CHECK (json_valid(payload))
  );
  CREATE INDEX journal_type ON journal(type, seq);
  CREATE TABLE outbox (
    seq    INTEGER PRIMARY KEY REFERENCES journal(seq),
    class  TEXT    NOT NULL,
    bytes  INTEGER NOT NULL
  );
  CREATE INDEX outbox_class ON outbox(class, seq);
  CREATE TABLE consumers (
    name        TEXT PRIMARY KEY,
    created_at  TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE deliveries (
    consumer      TEXT    NOT NULL REFERENCES consumers(name),
    seq           INTEGER NOT NULL REFERENCES outbox(seq),
    delivered_at  TEXT    NOT NULL,
    PRIMARY KEY (consumer, seq)
  ) WITHOUT ROWID;
  CREATE TABLE commands (
    id            TEXT PRIMARY KEY,
    actor         TEXT NOT NULL,
    topic         TEXT NOT NULL,
    payload_hash  TEXT NOT NULL,
    answer        TEXT NOT NULL,
    created_at    TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX commands_created ON commands(created_at);
  `,
  // 2: print jobs, saved (fsynced) before a byte goes to a printer and marked done after.
  `
  CREATE TABLE print_jobs (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT, -- save order: jobs print in it
    id          TEXT NOT NULL UNIQUE,
    printer     TEXT NOT NULL,
    title       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    bytes       BLOB NOT NULL,
    copies      INTEGER NOT NULL,
    reprint_of  TEXT,
    done_at     TEXT
  );
  CREATE INDEX print_jobs_pending ON print_jobs(printer, seq) WHERE done_at IS NULL;
  `,
  // 3: a class's records by time, for replaying today's queue at start and for day statistics.
  `
  CREATE INDEX journal_class_time ON journal(class, created_at);
  `,
  // 4: named counters (tracking and receipt numbers) that advance in the transaction of the
  //    record that uses them, and the durable SMS queue (sent through the modem when it can).
  `
  CREATE TABLE sequences (
    name  TEXT PRIMARY KEY,
    last  INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE sms_outbox (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT, -- send order
    id          TEXT NOT NULL UNIQUE,
    to_number   TEXT NOT NULL,                     -- E.164; personal data, purged with its record
    text        TEXT NOT NULL,
    ref         TEXT,                              -- what it is about, e.g. a tracking number
    created_at  TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT,
    sent_at     TEXT,
    failed_at   TEXT                               -- given up after the configured attempts
  );
  CREATE INDEX sms_outbox_pending ON sms_outbox(seq) WHERE sent_at IS NULL AND failed_at IS NULL;
  `,
  // 5: outbox for HQ sync (issue 8). A per-class sequence number (cseq, contiguous within a
  //    class, so HQ can tell a missing record from a gap in the global seq); per-consumer
  //    cursors per class, a watermark that replaces the per-record deliveries rows (every
  //    consumer takes a class in seq order); each class's usage for the byte budgets; the
  //    ranges evicted under pressure (HQ reads them as explained gaps); when each class's
  //    acknowledgement advanced (retention counts from there, not from a record's own,
  //    possibly unsynced, clock); and the KVKK purge log.
  `
  ALTER TABLE outbox ADD COLUMN cseq INTEGER;
  UPDATE outbox SET cseq = r.n
    FROM (SELECT seq, row_number() OVER (PARTITION BY class ORDER BY seq) AS n FROM outbox) AS r
    WHERE outbox.seq = r.seq;
  DROP INDEX outbox_class;
  CREATE INDEX outbox_class ON outbox(class, seq, bytes);
  CREATE TABLE outbox_classes (
    class      TEXT PRIMARY KEY,
    count      INTEGER NOT NULL,  -- rows of the class still in the outbox
    bytes      INTEGER NOT NULL,  -- their payload bytes
    last_cseq  INTEGER NOT NULL   -- the last cseq handed out, never reused
  ) WITHOUT ROWID;
  INSERT INTO outbox_classes (class, count, bytes, last_cseq)
    SELECT c.value, count(o.seq), coalesce(sum(o.bytes), 0), coalesce(max(o.cseq), 0)
    FROM json_each('["money","requests","queue","events","track"]') AS c
    LEFT JOIN outbox o ON o.class = c.value
    GROUP BY c.value;
  DROP TABLE deliveries;
  CREATE TABLE cursors (
    consumer    TEXT    NOT NULL REFERENCES consumers(name),
    class       TEXT    NOT NULL,
    acked       INTEGER NOT NULL DEFAULT 0, -- every record of the class with seq <= acked reached HQ
    served      INTEGER NOT NULL DEFAULT 0, -- highest seq handed to the consumer (pull checks acks against it)
    updated_at  TEXT    NOT NULL,
    PRIMARY KEY (consumer, class)
  ) WITHOUT ROWID;
  CREATE TABLE outbox_evictions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    class      TEXT    NOT NULL,
    from_cseq  INTEGER NOT NULL,
    to_cseq    INTEGER NOT NULL,
    from_seq   INTEGER NOT NULL,
    to_seq     INTEGER NOT NULL,
    count      INTEGER NOT NULL,
    bytes      INTEGER NOT NULL,
    delivered  INTEGER NOT NULL,              -- how many of them HQ already had
    at         TEXT    NOT NULL
  );
  CREATE INDEX outbox_evictions_class ON outbox_evictions(class, to_cseq);
  CREATE TABLE outbox_acks (
    class  TEXT    NOT NULL,
    seq    INTEGER NOT NULL,                  -- by time at, every record of the class up to seq had reached HQ
    at     TEXT    NOT NULL,
    PRIMARY KEY (class, seq)
  ) WITHOUT ROWID;
  CREATE TABLE purge_log (
    seq    INTEGER PRIMARY KEY,               -- the journal record whose personal data was removed
    type   TEXT    NOT NULL,
    paths  TEXT    NOT NULL,                  -- JSON array of the payload paths cleared
    at     TEXT    NOT NULL
  );
  `,
  // 6: photo files HQ has received (issue 8). Photos travel apart from their request records
  //    (adapters/attachment-retention.ts deletes a file only once HQ has it): one row per
  //    photo a request record names, registered by a scan of the journal that resumes at
  //    attachment_scan.seq, so a photo stays known after its record is compacted. consumer
  //    and at stay null until HQ confirmed the bytes (a PUBACK, or a pull consumer's ack).
  `
  CREATE TABLE attachment_deliveries (
    sha256     TEXT    PRIMARY KEY,
    mime       TEXT,                          -- as the request recorded it
    bytes      INTEGER,
    named_seq  INTEGER NOT NULL,              -- the first request record naming it
    consumer   TEXT,                          -- who confirmed HQ has it: push, or a pull consumer
    at         TEXT                           -- when; null while HQ does not have it
  ) WITHOUT ROWID;
  CREATE INDEX attachment_deliveries_pending ON attachment_deliveries(named_seq) WHERE at IS NULL;
  CREATE TABLE attachment_scan (
    one  INTEGER PRIMARY KEY CHECK (one = 1),
    seq  INTEGER NOT NULL                     -- journal records up to seq have been registered
  );
  -- The photos of requests already in the journal, so none is taken for an orphan later.
  INSERT INTO attachment_deliveries (sha256, mime, bytes, named_seq)
    SELECT json_extract(p.value, '$.sha256') AS h, json_extract(p.value, '$.mime'), json_extract(p.value, '$.bytes'), min(j.seq)
    FROM journal j, json_each(j.payload, '$.photos') p
    WHERE j.type = 'requests.created' AND h IS NOT NULL
    GROUP BY h;
  INSERT INTO attachment_scan (one, seq) SELECT 1, coalesce(max(seq), 0) FROM journal;
  `,
  // 7: the idempotency table in arrival order (issue 10, SD-card writes; issue 2, row a).
  //    Keyed by the tablets' random command ids (WITHOUT ROWID), every new row landed in a
  //    random ~10-row leaf and split it often: about 2 WAL pages per command, the largest
  //    share of a commit. Rows now append to the last leaf, and only the small id index
  //    takes a random page. commands_created goes: pruning is daily and scans the table.
  `
  CREATE TABLE commands_v7 (
    n             INTEGER PRIMARY KEY,           -- arrival order
    id            TEXT NOT NULL,
    actor         TEXT NOT NULL,
    topic         TEXT NOT NULL,
    payload_hash  TEXT NOT NULL,
    answer        TEXT NOT NULL,
    created_at    TEXT NOT NULL
  );
  INSERT INTO commands_v7 (id, actor, topic, payload_hash, answer, created_at)
    SELECT id, actor, topic, payload_hash, answer, created_at FROM commands ORDER BY created_at, id;
  DROP TABLE commands;
  ALTER TABLE commands_v7 RENAME TO commands;
  CREATE UNIQUE INDEX commands_id ON commands(id);
  `,
];
