"""Exceptions raised by boardingpass.

One base class, :class:`BoardingpassError`, and one subclass per core error
kind (``code``). Each carries the HTTP facts core knows (``status``,
``retry_after`` in seconds, ``request_id``, ``api_code``) and has the Rust
error, then its source chain, as ``__cause__``. Messages never contain a
secret. Exceptions pickle with their attributes (not their causes).
"""

from __future__ import annotations

import builtins

# `typing` is imported for type checkers only: `import boardingpass` stays fast.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import ClassVar, Dict, List, Optional, Sequence, Tuple, Type

__all__ = [
    "BoardingpassError",
    "NetworkError",
    "TimeoutError",
    "ApiError",
    "RateLimitedError",
    "TermsNotAcceptedError",
    "PowRefusedError",
    "PassExpiredError",
    "PassRevokedError",
    "PolicyViolationError",
    "InvalidInputError",
    "ProtocolError",
    "VerificationError",
    "IoError",
    "CancelledError",
    "BundleError",
    "SqlError",
    "RustCause",
]


class BoardingpassError(Exception):
    """Base class of every error boardingpass raises."""

    code: ClassVar[str] = "boardingpass"

    def __init__(
        self,
        message: str,
        *,
        status: Optional[int] = None,
        retry_after: Optional[float] = None,
        request_id: Optional[str] = None,
        api_code: Optional[int] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        #: HTTP status of the response that caused the error.
        self.status = status
        #: Seconds the server asked us to wait (429 ``Retry-After``).
        self.retry_after = retry_after
        #: ``cf-ray`` / request id of the failing response, for support requests.
        self.request_id = request_id
        #: Cloudflare's ``errors[0].code``.
        self.api_code = api_code

    def __str__(self) -> str:
        return self.message


class NetworkError(BoardingpassError):
    """The API could not be reached."""

    code = "network"


class TimeoutError(BoardingpassError, builtins.TimeoutError):
    """A request did not answer in time (also a builtin ``TimeoutError``)."""

    code = "timeout"


class ApiError(BoardingpassError):
    """The API answered with an error."""

    code = "api"


class RateLimitedError(BoardingpassError):
    """HTTP 429; ``retry_after`` says how long to wait."""

    code = "rate_limited"


class TermsNotAcceptedError(BoardingpassError):
    """``Client(accept_terms=True)`` is required before provisioning."""

    code = "terms_not_accepted"


class PowRefusedError(BoardingpassError):
    """The server's proof-of-work challenge was refused (e.g. above ``pow_work_cap``)."""

    code = "pow_refused"


class PassExpiredError(BoardingpassError):
    """The boarding pass's window has passed; provision a new one."""

    code = "pass_expired"


class PassRevokedError(BoardingpassError):
    """Teardown revoked the boarding pass's token; provision a new one."""

    code = "pass_revoked"


class PolicyViolationError(BoardingpassError):
    """The client's policy forbids the call; nothing was sent."""

    code = "policy_violation"

    def __init__(self, message: str, *, violations: Sequence[Tuple[str, str]] = (), **facts: object) -> None:
        super().__init__(message, **facts)  # type: ignore[arg-type]
        #: ``(rule, message)`` of every broken rule.
        self.violations: List[Tuple[str, str]] = [(str(r), str(m)) for r, m in violations]


class InvalidInputError(BoardingpassError, ValueError):
    """An argument was rejected before anything was sent (also a ``ValueError``)."""

    code = "invalid_input"

    def __init__(self, message: str, *, field: Optional[str] = None, **facts: object) -> None:
        super().__init__(message, **facts)  # type: ignore[arg-type]
        #: Which input was wrong.
        self.field = field


class ProtocolError(BoardingpassError):
    """The server's answer did not make sense (malformed or missing fields)."""

    code = "protocol"


class VerificationError(BoardingpassError):
    """The live URL did not answer as expected in time."""

    code = "verification"


class IoError(BoardingpassError, OSError):
    """A local file could not be read or written (also an ``OSError``)."""

    code = "io"


class CancelledError(BoardingpassError):
    """The operation was cancelled by ``Client.close()``.

    Cancelling the asyncio task raises ``asyncio.CancelledError`` as usual.
    """

    code = "cancelled"


class BundleError(BoardingpassError):
    """The project could not be bundled or its TypeScript compiled; raised
    before any request. ``file``, ``line`` and ``column`` (1-based) say where."""

    code = "bundle"

    def __init__(
        self,
        message: str,
        *,
        file: Optional[str] = None,
        line: Optional[int] = None,
        column: Optional[int] = None,
        **facts: object,
    ) -> None:
        super().__init__(message, **facts)  # type: ignore[arg-type]
        #: The file the bundler stopped at, relative to the project.
        self.file = file
        self.line = line
        self.column = column


class SqlError(BoardingpassError):
    """The D1 database refused a statement; the message is SQLite's and
    nothing of the call was kept. ``migration`` names the migration file
    that failed, when one did."""

    code = "sql"

    def __init__(self, message: str, *, migration: Optional[str] = None, **facts: object) -> None:
        super().__init__(message, **facts)  # type: ignore[arg-type]
        #: The migration file that failed (``0002_add.sql``), or ``None``.
        self.migration = migration


class RustCause(Exception):
    """One link of the Rust error chain, set as ``__cause__``."""


_BY_CODE: Dict[str, Type[BoardingpassError]] = {
    cls.code: cls for cls in BoardingpassError.__subclasses__()
}


def _from_native(code: str, message: str, facts: Dict[str, object], causes: List[str]) -> BoardingpassError:
    """Builds the exception for a core error (called from Rust)."""
    exc = _BY_CODE.get(code, BoardingpassError)(message, **facts)  # type: ignore[arg-type]
    cause: Optional[BaseException] = None
    for text in reversed(causes):
        link = RustCause(text)
        link.__cause__ = cause
        cause = link
    exc.__cause__ = cause
    return exc
