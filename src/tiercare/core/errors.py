"""Errors that cross layers. Each carries one human-readable line and, for the API,
the FHIR OperationOutcome issue code and HTTP status it maps to.

The API turns any TierCareError into an OperationOutcome in one place
(tiercare.api.errors); the CLI prints ``error: <message>`` and exits non-zero.
Messages must never contain PHI (names, ID numbers, phone numbers).
"""

from __future__ import annotations


class TierCareError(Exception):
    """Base of every error TierCare raises on purpose."""

    status: int = 400
    code: str = "invalid"  # FHIR IssueType

    def __init__(self, message: str, *, expression: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.expression = expression or []


class ConfigError(TierCareError):
    """A setting is wrong or the environment does not allow what it asks."""

    status = 500
    code = "exception"


class DatabaseUnavailable(TierCareError):
    """The database cannot be reached or started."""

    status = 503
    code = "transient"


class MigrationError(TierCareError):
    """A schema migration failed; the database is left at the previous version."""

    status = 500
    code = "exception"


class InvalidInput(TierCareError):
    """Input that breaks a rule: malformed JSON, an invalid resource, a bad parameter."""

    status = 400
    code = "invalid"


class Unprocessable(TierCareError):
    """Well-formed input that fails validation (FHIR: 422)."""

    status = 422
    code = "processing"


class NotFound(TierCareError):
    status = 404
    code = "not-found"


class Gone(TierCareError):
    status = 410
    code = "deleted"


class Conflict(TierCareError):
    status = 409
    code = "conflict"


class PreconditionFailed(TierCareError):
    status = 412
    code = "conflict"


class Unauthorized(TierCareError):
    status = 401
    code = "login"


class Forbidden(TierCareError):
    status = 403
    code = "forbidden"


class NotSupported(TierCareError):
    status = 400
    code = "not-supported"


class TooLarge(TierCareError):
    status = 413
    code = "too-costly"
