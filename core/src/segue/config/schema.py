"""The core's config sections. Every field's docstring feeds docs/config.md."""

from __future__ import annotations

from typing import Any, Literal

import msgspec


class _Section(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    pass


class ServerConfig(_Section):
    host: str = "127.0.0.1"
    """Address to listen on. Use "0.0.0.0" to accept connections from other machines."""
    port: int = 8090
    """TCP port to listen on."""
    data_dir: str = "data"
    """Where Segue keeps its databases, caches and indexes. Relative paths are
    resolved against the directory of the config file (or the current
    directory when there is no file)."""
    public_url: str = ""
    """The URL users reach Segue at (behind a proxy). Empty: derived from host and port."""
    forwarded_allow_ips: list[str] = []
    """Addresses of the reverse proxies or load balancers whose X-Forwarded-For and
    X-Forwarded-Proto headers are believed (e.g. ["10.0.0.2"], or ["*"] when only the
    proxy can reach Segue). The login rate limit counts attempts per client address: a
    proxy missing here makes every client look like the proxy. Empty: the
    FORWARDED_ALLOW_IPS environment variable, else 127.0.0.1 only."""


class LibraryConfig(_Section):
    paths: list[str] = []
    """Folders holding music. Relative paths are resolved like data_dir."""
    scan_on_startup: bool = True
    """Scan the library in the background when the server starts."""
    scan_workers: int = 0
    """Processes reading tags in parallel; 0 means one per CPU core."""


class AuthConfig(_Section):
    admin_user: str = "admin"
    """Name of the admin account created on first run."""
    admin_password: str = ""
    """Password of that first admin. Empty: a random one is generated and printed once."""
    token_ttl_days: float = 30.0
    """How long a login token stays valid."""
    login_attempts_per_minute: int = 10
    """Login requests allowed per client address per minute; more get 429."""


class LoggingConfig(_Section):
    level: Literal["debug", "info", "warning", "error"] = "info"
    """Least severe level written."""
    format: Literal["console", "json"] = "console"
    """"console" for people, "json" for log collectors."""


class SlotConfig(_Section):
    backend: str
    """Name of the backend filling this slot (see `segue plugins`)."""


def _slot(default: str) -> Any:
    return msgspec.field(default_factory=lambda: SlotConfig(backend=default))


class EventsSlotConfig(SlotConfig):
    run_consumers_in_server: bool = True
    """Let `segue serve` run the background consumers itself (one box). Set to
    false when `segue worker` processes do that work."""


class SegueConfig(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The whole configuration after validation."""

    server: ServerConfig = msgspec.field(default_factory=ServerConfig)
    library: LibraryConfig = msgspec.field(default_factory=LibraryConfig)
    auth: AuthConfig = msgspec.field(default_factory=AuthConfig)
    logging: LoggingConfig = msgspec.field(default_factory=LoggingConfig)
    catalog: SlotConfig = _slot("sqlite")
    """The catalog + users slot."""
    search: SlotConfig = _slot("embedded")
    """The search slot: "embedded" (Tantivy in the data dir, the default),
    "meilisearch" or "typesense" (extras), or "none" to turn search off."""
    playlists: SlotConfig = _slot("sqlite")
    """Playlists, library, history and queue: "sqlite" (the default, in the data
    dir), "mongodb" (the `mongodb` extra), or "none" to turn them off."""
    presence: SlotConfig = _slot("memory")
    """Now playing, live push and devices: "memory" (the default, one process),
    "valkey" (the `valkey` extra, shared by several processes), or "none"."""
    events: EventsSlotConfig = msgspec.field(
        default_factory=lambda: EventsSlotConfig(backend="sqlite")
    )
    """Durable events and background jobs."""
    storage: SlotConfig = _slot("local")
    """Where media files are read from."""
    plugins: dict[str, dict[str, Any]] = {}
    """Raw per-plugin sections, validated against each plugin's own schema."""
    source: str = "<defaults>"
    """The file this configuration came from (set by the loader)."""
    base_dir: str = "."
    """Directory relative paths are resolved against (set by the loader)."""


class PluginConfig(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Base class for a plugin's config section ``[plugins.<name>]``.

    A plugin module declares ``Config = MyConfig`` (a subclass) to get its
    section validated; fields need defaults so that an absent section works.
    """

    enabled: bool = True
    """Load this plugin. A disabled plugin is not even imported."""
