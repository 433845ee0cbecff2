"""Errors shared across Hanlin. Messages are bilingual: Chinese first, English key terms after."""


class HanlinError(Exception):
    """Base class for every error Hanlin raises on purpose (bad input, missing data, ...)."""


class DataMissingError(HanlinError):
    """A corpus, index or model that must be pulled or built is not there."""


class InvalidInputError(HanlinError, ValueError):
    """The caller passed something we cannot work with; the message says what and why."""


class IndexCorruptError(HanlinError):
    """A stored index is unreadable (half-written, truncated, foreign)."""


class BackendError(HanlinError):
    """A model backend failed: unreachable server, unsupported architecture, bad model directory."""
