"""The playlists database schema, as numbered migrations."""

from segue.db.sqlite import Migration

MIGRATIONS = [
    Migration(
        1,
        """
        CREATE TABLE playlists (
            id TEXT PRIMARY KEY,
            owner_id TEXT NOT NULL,
            name TEXT NOT NULL,
            description TEXT NOT NULL DEFAULT '',
            public INTEGER NOT NULL DEFAULT 0,
            collaborative INTEGER NOT NULL DEFAULT 0,
            version INTEGER NOT NULL DEFAULT 1,
            entry_count INTEGER NOT NULL DEFAULT 0,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL
        );
        CREATE INDEX playlists_owner ON playlists (owner_id);

        -- Removed entries stay (removed = 1) so anchors on them keep their place.
        CREATE TABLE playlist_entries (
            playlist_id TEXT NOT NULL REFERENCES playlists (id) ON DELETE CASCADE,
            id TEXT NOT NULL,
            track_id TEXT NOT NULL,
            added_by TEXT NOT NULL,
            added_at REAL NOT NULL,
            removed INTEGER NOT NULL DEFAULT 0,
            pos INTEGER NOT NULL,
            PRIMARY KEY (playlist_id, id)
        );
        CREATE INDEX playlist_entries_order ON playlist_entries (playlist_id, removed, pos);

        CREATE TABLE playlist_changes (
            playlist_id TEXT NOT NULL REFERENCES playlists (id) ON DELETE CASCADE,
            version INTEGER NOT NULL,
            body BLOB NOT NULL,
            PRIMARY KEY (playlist_id, version)
        );

        CREATE TABLE playlist_collaborators (
            playlist_id TEXT NOT NULL REFERENCES playlists (id) ON DELETE CASCADE,
            user_id TEXT NOT NULL,
            PRIMARY KEY (playlist_id, user_id)
        );
        CREATE INDEX playlist_collaborators_user ON playlist_collaborators (user_id);

        CREATE TABLE playlist_followers (
            playlist_id TEXT NOT NULL REFERENCES playlists (id) ON DELETE CASCADE,
            user_id TEXT NOT NULL,
            followed_at REAL NOT NULL,
            PRIMARY KEY (playlist_id, user_id)
        );
        CREATE INDEX playlist_followers_user ON playlist_followers (user_id);

        CREATE TABLE playlist_idempotency (
            playlist_id TEXT NOT NULL REFERENCES playlists (id) ON DELETE CASCADE,
            user_id TEXT NOT NULL,
            key TEXT NOT NULL,
            result BLOB NOT NULL,
            created_at REAL NOT NULL,
            PRIMARY KEY (playlist_id, user_id, key)
        );
        CREATE INDEX playlist_idempotency_age ON playlist_idempotency (created_at);

        CREATE TABLE library (
            user_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            item_id TEXT NOT NULL,
            saved_at REAL NOT NULL,
            PRIMARY KEY (user_id, kind, item_id)
        );
        CREATE INDEX library_recent ON library (user_id, kind, saved_at);

        CREATE TABLE history (
            user_id TEXT NOT NULL,
            id TEXT NOT NULL,
            track_id TEXT NOT NULL,
            played_at REAL NOT NULL,
            duration_listened_ms INTEGER NOT NULL,
            completed INTEGER NOT NULL,
            context TEXT,
            PRIMARY KEY (user_id, id)
        );
        CREATE INDEX history_recent ON history (user_id, played_at);
        CREATE INDEX history_age ON history (played_at);

        CREATE TABLE queues (
            user_id TEXT PRIMARY KEY,
            version INTEGER NOT NULL,
            body BLOB NOT NULL
        );
        """,
    ),
    # History is the busiest table (every play, written by the workers): keyed
    # by (user, time, id) without a rowid it is one B-tree written at a random
    # place per play instead of three (table, primary key, per-user index).
    # Replays keep their event's id and time, so the key still drops them.
    Migration(
        2,
        """
        CREATE TABLE history_by_user (
            user_id TEXT NOT NULL,
            played_at REAL NOT NULL,
            id TEXT NOT NULL,
            track_id TEXT NOT NULL,
            duration_listened_ms INTEGER NOT NULL,
            completed INTEGER NOT NULL,
            context TEXT,
            PRIMARY KEY (user_id, played_at, id)
        ) WITHOUT ROWID;
        INSERT OR IGNORE INTO history_by_user
            (user_id, played_at, id, track_id, duration_listened_ms, completed, context)
            SELECT user_id, played_at, id, track_id, duration_listened_ms, completed, context
            FROM history;
        DROP TABLE history;
        ALTER TABLE history_by_user RENAME TO history;
        CREATE INDEX history_age ON history (played_at);
        """,
    ),
]
