"""The events database schema (see ``queue.py`` for how the tables are used)."""

from segue.db.sqlite import Migration

MIGRATIONS = [
    Migration(
        1,
        """
        -- Every event ever published (until pruned), in publish order.
        CREATE TABLE events (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            topic TEXT NOT NULL,
            payload BLOB NOT NULL,
            published_at REAL NOT NULL
        );
        CREATE INDEX events_by_topic ON events (topic, seq);

        -- A consumer group's read position in its topic: events after last_seq are new.
        CREATE TABLE consumer_groups (
            topic TEXT NOT NULL,
            name TEXT NOT NULL,
            last_seq INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (topic, name)
        ) WITHOUT ROWID;

        -- Delivered but not yet acknowledged (Valkey's pending entries list).
        -- available_at: when the claim expires, or when a failed delivery is retried.
        CREATE TABLE pending (
            topic TEXT NOT NULL,
            group_name TEXT NOT NULL,
            seq INTEGER NOT NULL,
            attempts INTEGER NOT NULL,
            consumer TEXT NOT NULL,
            available_at REAL NOT NULL,
            last_error TEXT,
            PRIMARY KEY (topic, group_name, seq)
        ) WITHOUT ROWID;
        CREATE INDEX pending_due ON pending (topic, group_name, available_at);

        -- Deliveries that failed max_attempts times, with their last error.
        CREATE TABLE dead_letters (
            topic TEXT NOT NULL,
            group_name TEXT NOT NULL,
            seq INTEGER NOT NULL,
            event_id TEXT NOT NULL,
            payload BLOB NOT NULL,
            attempts INTEGER NOT NULL,
            last_error TEXT NOT NULL,
            dead_at REAL NOT NULL,
            PRIMARY KEY (topic, group_name, seq)
        ) WITHOUT ROWID;
        """,
    )
]
