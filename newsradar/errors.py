"""The project's exception types. The library raises these; only the CLI and web edges turn them
into messages for a person."""


class NewsradarError(Exception):
    """Base class for every error newsradar raises on purpose."""


class InputError(NewsradarError):
    """An input (file, URL, stream) could not be read or holds nothing usable.

    The message names the input and the reason, on one line."""

    def __init__(self, source: str, reason: str):
        self.source = source
        self.reason = reason
        super().__init__(source, reason)  # both in args, so the error survives pickling

    def __str__(self) -> str:
        return f"{self.source}: {self.reason}"


class SettingsError(NewsradarError):
    """A setting or environment variable has a value newsradar cannot use."""


class StoreError(NewsradarError):
    """The store could not be opened, migrated or written."""


class QueryError(NewsradarError):
    """A query, filter or page cursor cannot be used (the message says which and why)."""


class NotFound(NewsradarError):
    """The thing asked for (an article, story, feed or topic) does not exist."""
