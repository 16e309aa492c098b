"""The catalog database schema, as versioned migrations (tracked in ``PRAGMA user_version``).

Never edit a migration that has shipped: add the next one instead.
"""

from segue.db.sqlite import Migration

_V1_CATALOG = """
CREATE TABLE tracks (
    id TEXT PRIMARY KEY,
    root TEXT NOT NULL,
    relpath TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    content_key TEXT NOT NULL,
    codec TEXT NOT NULL,
    duration_ms INTEGER NOT NULL,
    bitrate INTEGER,
    sample_rate INTEGER,
    channels INTEGER,
    title TEXT NOT NULL,
    artists TEXT NOT NULL,                 -- JSON array of names
    album TEXT,
    album_artist TEXT,
    compilation INTEGER NOT NULL,
    track_number INTEGER,
    disc_number INTEGER,
    year INTEGER,
    genres TEXT NOT NULL,                  -- JSON array; searchable copy in track_genres
    label TEXT,
    musicbrainz_recording_id TEXT,
    musicbrainz_track_id TEXT,
    musicbrainz_album_id TEXT,
    musicbrainz_artist_id TEXT,
    musicbrainz_album_artist_id TEXT,
    replaygain_track_gain REAL,
    replaygain_track_peak REAL,
    replaygain_album_gain REAL,
    replaygain_album_peak REAL,
    has_embedded_cover INTEGER NOT NULL,
    folder_cover TEXT,
    -- derived by segue.catalog.identity when the facts are written
    artist_id TEXT NOT NULL,
    artist_name TEXT NOT NULL,
    primary_artist_name TEXT NOT NULL,     -- the name behind artist_id (first artist)
    album_artist_id TEXT NOT NULL,
    album_artist_name TEXT NOT NULL,
    album_artist_mbid TEXT,
    album_id TEXT,
    -- folded (case- and accent-insensitive) sort keys
    title_key TEXT NOT NULL,
    artist_key TEXT NOT NULL,
    album_key TEXT,
    -- the catalog's own state, kept across rescans
    play_count INTEGER NOT NULL DEFAULT 0,
    added_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    missing INTEGER NOT NULL DEFAULT 0
);
-- Not unique: a missing track keeps the path it was last seen at, even once
-- another file lives there.
CREATE INDEX tracks_path ON tracks (root, relpath);
CREATE INDEX tracks_album ON tracks (album_id, disc_number, track_number);
CREATE INDEX tracks_artist ON tracks (artist_id);
CREATE INDEX tracks_album_artist ON tracks (album_artist_id);
CREATE INDEX tracks_title ON tracks (title_key);

CREATE TABLE track_genres (
    track_id TEXT NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    genre_key TEXT NOT NULL,               -- casefolded, for exact case-insensitive match
    genre TEXT NOT NULL,                   -- as tagged, for display
    PRIMARY KEY (track_id, genre_key)
) WITHOUT ROWID;
CREATE INDEX track_genres_genre ON track_genres (genre_key, track_id);

-- Aggregates over present tracks, recomputed for the albums and artists a
-- scan batch touches. A row exists only while the album/artist has a present track.
CREATE TABLE albums (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    artist_id TEXT NOT NULL,
    artist_name TEXT NOT NULL,
    compilation INTEGER NOT NULL,
    year INTEGER,
    genres TEXT NOT NULL,                  -- JSON array
    musicbrainz_id TEXT,
    track_count INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    cover_track_id TEXT,
    added_at REAL NOT NULL,
    title_key TEXT NOT NULL,
    artist_key TEXT NOT NULL
);
CREATE INDEX albums_title ON albums (title_key);
CREATE INDEX albums_artist ON albums (artist_id);

CREATE TABLE album_genres (
    album_id TEXT NOT NULL REFERENCES albums (id) ON DELETE CASCADE,
    genre_key TEXT NOT NULL,
    PRIMARY KEY (album_id, genre_key)
) WITHOUT ROWID;
CREATE INDEX album_genres_genre ON album_genres (genre_key, album_id);

CREATE TABLE artists (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    musicbrainz_id TEXT,
    album_count INTEGER NOT NULL,
    track_count INTEGER NOT NULL,
    name_key TEXT NOT NULL
);
CREATE INDEX artists_name ON artists (name_key);

CREATE TABLE scan_problems (
    root TEXT NOT NULL,
    relpath TEXT NOT NULL,
    reason TEXT NOT NULL,
    seen_at REAL NOT NULL,
    PRIMARY KEY (root, relpath)
) WITHOUT ROWID;

-- The latest scan report only, as msgspec JSON.
CREATE TABLE scan_report (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    report TEXT NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL UNIQUE,         -- casefolded: names are unique case-insensitively
    password_hash TEXT NOT NULL,
    is_admin INTEGER NOT NULL,
    created_at REAL NOT NULL
);

CREATE TABLE credentials (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at REAL NOT NULL,
    expires_at REAL,
    last_used_at REAL
);
CREATE INDEX credentials_user ON credentials (user_id);
"""

# The social graph: mutual friendships (one row per direction, so a user's
# friends are one index range), pending requests, blocks, privacy settings.
_V2_SOCIAL = """
CREATE TABLE friendships (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    friend_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    since REAL NOT NULL,
    PRIMARY KEY (user_id, friend_id)
) WITHOUT ROWID;

CREATE TABLE friend_requests (
    id TEXT PRIMARY KEY,
    from_user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    to_user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at REAL NOT NULL,
    UNIQUE (from_user_id, to_user_id)
);
CREATE INDEX friend_requests_to ON friend_requests (to_user_id);

CREATE TABLE blocks (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    blocked_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    blocked_at REAL NOT NULL,
    PRIMARY KEY (user_id, blocked_id)
) WITHOUT ROWID;
CREATE INDEX blocks_blocked ON blocks (blocked_id);

CREATE TABLE privacy (
    user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    private_session INTEGER NOT NULL,
    private_until REAL,
    publish_activity INTEGER NOT NULL
);
"""

# Opaque per-user values kept for plugins (a Subsonic app password, encrypted by
# the plugin); they go with their user.
_V3_USER_SECRETS = """
CREATE TABLE user_secrets (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (user_id, name)
) WITHOUT ROWID;
"""

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, _V1_CATALOG),
    Migration(2, _V2_SOCIAL),
    Migration(3, _V3_USER_SECRETS),
)
"""Every schema step, oldest first; ``user_version`` equals the last one applied."""
