"""Errors raised below the interface layer; the interface maps each kind to HTTP once."""

from __future__ import annotations


class AppError(Exception):
    """Base of every error the application raises on purpose."""

    title = "Application error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(AppError):
    title = "Not Found"


class Unauthorized(AppError):
    title = "Unauthorized"


class Forbidden(AppError):
    title = "Forbidden"


class Conflict(AppError):
    title = "Conflict"


class TooManyAttempts(AppError):
    """Refused for now after repeated failures; allowed again after `retry_after` seconds."""

    title = "Too Many Requests"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class PreconditionFailed(AppError):
    title = "Precondition Failed"


class InvalidInput(AppError):
    """A value broke a domain rule that the request schema could not express."""

    title = "Unprocessable Content"

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.field = field


class Unavailable(AppError):
    """A backing service (a database) cannot be reached."""

    title = "Service Unavailable"


class StaleConnection(Unavailable):
    """A pooled database connection turned out to be dead (the server restarted or
    dropped it). The pool has been refreshed meanwhile: a read can simply run again."""


class Contention(Unavailable):
    """The database refused the work because of concurrent work (deadlock, lock timeout).

    Running the whole transaction again is expected to succeed.
    """
