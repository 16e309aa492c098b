"""Segue's hook specifications: every way a plugin can extend Segue.

How results combine is part of each hook's contract and is said in its
docstring:

* ``register_*`` hooks are *collected*: every plugin's list is concatenated.
* ``extra_*`` hooks are *merged*: every plugin's dict is merged into one.
* notification hooks (``startup``, ``catalog_tracks_*``, ``playback_event``...)
  are called on every plugin; they may be plain functions or ``async def``.
  The core awaits the returned coroutines itself (one place, see
  ``segue.plugins.calls``), and an exception in one plugin is logged with the
  plugin's name without stopping the others.

No hook here is ``firstresult``: pluggy calls hooks synchronously, so an async
implementation returns a coroutine, which would count as an answer. Choices
that need one winner (which backend fills a slot) are made by configuration.
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from segue.markers import hookspec

if TYPE_CHECKING:
    import click
    from litestar.stores.base import NamespacedStore
    from litestar.types import ControllerRouterHandler

    from segue.api.media import StreamFormat
    from segue.context import SegueContext
    from segue.events.handlers import JobHandler
    from segue.models import PlaybackEvent, Track
    from segue.slots.registry import BackendSpec


@hookspec
def register_backends() -> Sequence[BackendSpec]:
    """Declare the slot backends this plugin can provide.

    Called once while the plugin manager is built, before any config is
    applied to slots. Results are collected: each returned ``BackendSpec``
    names a slot (``catalog``, ``search``, ``playlists``, ``presence``,
    ``events``, ``storage``), a backend name (what the admin writes in
    ``[<slot>] backend = "..."``) and a factory that builds the backend from
    the :class:`~segue.context.SegueContext`. Only the configured backend of
    each slot is ever built.
    """
    raise NotImplementedError


@hookspec
def register_routes(context: SegueContext) -> Sequence[ControllerRouterHandler]:
    """Add HTTP route handlers, controllers or routers to the app.

    Called once while the Litestar app is created, after the slots are
    resolved. Results are collected and mounted at the app root, so a plugin
    chooses its own paths (``/api/v1/...``). Handlers are authenticated unless
    they set ``opt={"public": True}``; use ``segue.auth.guards.admin_only``
    for admin endpoints.

    :param context: the running Segue: config, slots, plugin configs.
    """
    raise NotImplementedError


@hookspec
def register_websocket_handlers(context: SegueContext) -> Sequence[ControllerRouterHandler]:
    """Add WebSocket handlers (``litestar.websocket`` or ``websocket_listener``).

    Called once while the app is created, like ``register_routes``; results
    are collected and mounted at the app root. Kept apart from
    ``register_routes`` so that ``segue plugins`` shows who owns live push.

    :param context: the running Segue.
    """
    raise NotImplementedError


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add subcommands to the ``segue`` command line.

    Called once when ``segue`` starts, with the top-level click group; add
    commands with ``@cli.command()``. Nothing is returned. Commands that need
    the running Segue use ``segue.runtime.open_context`` to build it from
    ``--config``.

    :param cli: the top-level ``segue`` click group.
    """
    raise NotImplementedError


@hookspec
def register_stores(context: SegueContext) -> Sequence[NamespacedStore]:
    """Offer a key-value store that every Segue process shares.

    Called once while the Litestar app is created, before the slots start
    (decide from ``context.config``). Results are collected; the first store
    collected becomes the root of the app's
    :class:`~litestar.stores.registry.StoreRegistry` (if several plugins
    offer one, the others are logged and ignored): every store the app asks
    for by name (the login rate-limit counters, ``segue_login_rate_limit``,
    and any other Litestar store) is ``root.with_namespace(name)``. The app
    enters the root store's lifespan, so a store that owns its client closes
    it on shutdown. While the store is unreachable its reads find nothing
    and its writes are dropped (logged once): login rate limits pause
    instead of failing logins. When no plugin offers one, each name gets an in-process
    ``MemoryStore``: fine for one process, not for several behind a load
    balancer. Return nothing unless the shared engine is configured.

    :param context: the Segue being started (config and plugin configs; slots not built yet).
    """
    raise NotImplementedError


@hookspec
def register_jobs(context: SegueContext) -> Sequence[JobHandler]:
    """Declare consumers of the events slot (background jobs and event handlers).

    Called once when a process that runs consumers starts (``segue worker``,
    or ``segue serve`` when ``[events] run_consumers_in_server`` is true).
    Results are collected. Each :class:`~segue.events.handlers.JobHandler`
    names a topic, a consumer group and an async handler; every group sees
    every event of its topic, and within a group each event is handled once
    (at least once across crashes: handlers must be idempotent).

    :param context: the running Segue.
    """
    raise NotImplementedError


@hookspec
def startup(context: SegueContext) -> Awaitable[None] | None:
    """Run once the server or worker has started its slots, before requests.

    Every plugin is called; may be ``async``. Long-running work must not block
    start-up: start it with ``context.spawn(...)``.

    :param context: the running Segue.
    """
    raise NotImplementedError


@hookspec
def shutdown(context: SegueContext) -> Awaitable[None] | None:
    """Run once when the server or worker stops, before the slots are closed.

    Every plugin is called, in the reverse of the ``startup`` order, so that
    work started last (the core's consumers) stops before the plugins it uses
    close; may be ``async``. Exceptions are logged, not raised.

    :param context: the running Segue.
    """
    raise NotImplementedError


@hookspec
def catalog_tracks_added(context: SegueContext, tracks: Sequence[Track]) -> Awaitable[None] | None:
    """Tracks were added to the catalog (a scan found new files).

    Fires after the catalog slot stored them, once per scan batch. Every plugin
    is called; may be ``async``. Used by search indexing, transcoding and
    fingerprinting to follow the catalog without a full rebuild.

    :param context: the running Segue.
    :param tracks: the stored tracks, with their ids.
    """
    raise NotImplementedError


@hookspec
def catalog_tracks_changed(
    context: SegueContext, tracks: Sequence[Track]
) -> Awaitable[None] | None:
    """Tracks changed in the catalog: new tags, a new file at a path, or a move.

    Fires after the catalog slot stored them, once per scan batch. Ids never
    change here: a moved file keeps its track id. Every plugin is called; may
    be ``async``.

    :param context: the running Segue.
    :param tracks: the tracks as they are now stored.
    """
    raise NotImplementedError


@hookspec
def catalog_tracks_removed(
    context: SegueContext, track_ids: Sequence[str]
) -> Awaitable[None] | None:
    """Tracks' files are gone from the library.

    Fires after the catalog slot marked them missing, once per scan batch. The
    catalog keeps their records (play counts, playlist entries) so that a file
    coming back, or found moved, keeps its id. Every plugin is called; may be
    ``async``.

    :param context: the running Segue.
    :param track_ids: ids of the tracks now missing.
    """
    raise NotImplementedError


@hookspec
def playback_event(context: SegueContext, event: PlaybackEvent) -> Awaitable[None] | None:
    """A listener's player reported playback (started, progressed, finished).

    Fires for each report once it is durably recorded, in the process that
    consumes the ``playback`` topic of the events slot. Every plugin is
    called; may be ``async``. Events carry their own ids: the same event may
    be delivered twice after a crash, so implementations must be idempotent.

    :param context: the running Segue.
    :param event: the playback report.
    """
    raise NotImplementedError


@hookspec
def playback_events(
    context: SegueContext, events: Sequence[PlaybackEvent]
) -> Awaitable[None] | None:
    """A batch of playback reports, for plugins that write them in bulk.

    Fires once per batch the ``playback`` consumer claims (up to a few
    hundred reports, in stream order), before ``playback_event`` fires for
    each report of the same batch. Every plugin is called; may be
    ``async``. Implement this instead of ``playback_event`` when one write
    per batch is much cheaper than one per report, as it is for listening
    history. A batch may be delivered again after a crash, so
    implementations must be idempotent by event id.

    :param context: the running Segue.
    :param events: the reports of the batch, oldest first.
    """
    raise NotImplementedError


@hookspec
def extra_track_fields(context: SegueContext, track: Track) -> Mapping[str, Any] | None:
    """Add fields to a track's JSON in the HTTP API.

    Called for each track serialized by ``/api/v1`` endpoints. Results are
    merged into the track's ``extra`` object in registration order (core
    plugins, then installed plugins by entry point name), so on a clash the
    plugin registered last wins. Must be synchronous and cheap (no I/O): compute
    from the track and from state the plugin already holds.

    :param context: the running Segue.
    :param track: the track being serialized.
    """
    raise NotImplementedError


@hookspec
def extra_recording_ids(
    context: SegueContext, track_ids: Sequence[str]
) -> Mapping[str, str] | None:
    """Say which recording each track is: the same song in several files is one recording.

    Results are merged (like every ``extra_*`` hook): each plugin maps the
    track ids it knows to a recording id; a track missing from the merged
    mapping is its own recording, with its track id as recording id. Plugins
    that count by song rather than by file (play counts, playlists,
    royalties) call ``context.collect("extra_recording_ids", track_ids=...)``
    and merge the answers. Recording ids are stable: a file keeps its
    recording id when copies of it appear. Must be synchronous and cheap (no
    I/O): answer from state the plugin already holds.

    :param context: the running Segue.
    :param track_ids: the tracks to map.
    """
    raise NotImplementedError


@hookspec
def register_stream_formats(context: SegueContext) -> Sequence[StreamFormat]:
    """Serve more ``format`` values of ``GET /api/v1/tracks/{id}/stream``.

    Results are collected. Each :class:`~segue.api.media.StreamFormat` names a
    format (``ogg``, ``opus``...; ``raw``, the original file, is the core's)
    and an async ``serve(stream_request)`` that answers with a Litestar
    response: the rendition, with Range and validators (the helpers in
    ``segue.http`` do both), or an HTTP error. The core checks the track
    exists and its file is in the library before calling ``serve``; a format
    nobody declares is a 400 naming those that exist. If two plugins declare
    one name, the first registered wins. Called on every stream request, so
    it must be synchronous and cheap (no I/O). One format may set
    ``default=True``: it serves requests that give a ``quality`` but no
    ``format``.

    :param context: the running Segue.
    """
    raise NotImplementedError
