"""The counting store's tables.

* ``plays``: every raw playback event once (keyed by its event id, so a
  replay is a no-op), with the track's rights holders at the time and the
  verdict: ``counted`` or why not (``too_short``, ``duplicate`` with the
  stream it duplicates, ``flagged`` with the fraud rule, ``unknown_track``,
  ``unauthenticated``). This is the audit trail and the source of payouts.
  ``recording_id`` (migration 2) is the recording the played file is a copy
  of (the track id when no plugin groups it): the dedupe window works per
  recording, so copies of one song are one song.
* ``user_hour``, ``user_track_day``, ``device_day_users``: the fraud filters'
  counters (``user_track_day.track_id`` holds the recording id since
  migration 2).
* ``daily_counts``: counted streams per day for each track (keyed by
  recording id since migration 2), artist, album and label (unique listeners are counted from ``plays`` when asked: a row
  per listener and holder would cost more than the play itself).
"""

from __future__ import annotations

from segue.db.sqlite import Migration

MIGRATIONS = [
    Migration(
        1,
        """
        CREATE TABLE plays (
            event_id TEXT PRIMARY KEY,
            user_id TEXT NOT NULL,
            track_id TEXT NOT NULL,
            device_id TEXT NOT NULL,
            session_id TEXT NOT NULL,
            duration_listened_ms INTEGER NOT NULL,
            completed INTEGER NOT NULL,
            reported_at REAL NOT NULL,
            day TEXT NOT NULL,
            artist_id TEXT,
            artist_name TEXT,
            album_id TEXT,
            label TEXT,
            verdict TEXT NOT NULL,
            rule TEXT,
            reason TEXT NOT NULL,
            duplicate_of TEXT,
            counted_at REAL NOT NULL
        );
        CREATE INDEX plays_session ON plays (user_id, track_id, session_id, reported_at)
            WHERE verdict = 'counted';
        CREATE INDEX plays_counted ON plays (day, artist_id, artist_name, label)
            WHERE verdict = 'counted';
        CREATE INDEX plays_flagged ON plays (day) WHERE verdict = 'flagged';
        CREATE TABLE user_hour (
            user_id TEXT NOT NULL,
            hour INTEGER NOT NULL,
            plays INTEGER NOT NULL,
            PRIMARY KEY (user_id, hour)
        ) WITHOUT ROWID;
        CREATE TABLE user_track_day (
            user_id TEXT NOT NULL,
            track_id TEXT NOT NULL,
            day TEXT NOT NULL,
            plays INTEGER NOT NULL,
            PRIMARY KEY (user_id, track_id, day)
        ) WITHOUT ROWID;
        CREATE TABLE device_day_users (
            device_id TEXT NOT NULL,
            day TEXT NOT NULL,
            user_id TEXT NOT NULL,
            rank INTEGER NOT NULL,
            PRIMARY KEY (device_id, day, user_id)
        ) WITHOUT ROWID;
        CREATE TABLE daily_counts (
            day TEXT NOT NULL,
            kind TEXT NOT NULL,
            holder_id TEXT NOT NULL,
            holder TEXT NOT NULL,
            streams INTEGER NOT NULL,
            PRIMARY KEY (day, kind, holder_id)
        ) WITHOUT ROWID;
        """,
    ),
    Migration(
        2,
        """
        ALTER TABLE plays ADD COLUMN recording_id TEXT;
        UPDATE plays SET recording_id = track_id;
        DROP INDEX plays_session;
        CREATE INDEX plays_recording_session
            ON plays (user_id, recording_id, session_id, reported_at)
            WHERE verdict = 'counted';
        """,
    ),
]
