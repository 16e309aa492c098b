"""Exceptions with messages meant for people (admins and API users)."""


class SegueError(Exception):
    """Base class: the message says what was wrong and what would be right."""


class ConfigError(SegueError):
    """The configuration cannot be used. ``problems`` lists every finding."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class PluginLoadError(SegueError):
    """A plugin needed by the configuration could not be loaded."""


class NotFound(SegueError):
    pass


class Conflict(SegueError):
    pass


class OutsideLibrary(SegueError):
    """A path resolves outside every configured library root."""


class InvalidInput(SegueError):
    """A request or argument is malformed; the message says what would be valid."""
