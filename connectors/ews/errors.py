"""Translate exchangelib exceptions into ConnectorError."""

from __future__ import annotations

import requests
from exchangelib import errors as ews

from connectors.base import ConnectorError, CursorInvalidError
from connectors.ews.transport import LastResponse

# Errors a later attempt can get past (Exchange throttling, an overloaded or restarting server).
TRANSIENT = (
    ews.ErrorServerBusy,
    ews.ErrorInternalServerTransientError,
    ews.ErrorTimeoutExpired,
    ews.ErrorTooManyObjectsOpened,
    ews.ErrorMailboxStoreUnavailable,
    ews.ErrorMailboxMoveInProgress,
    ews.ErrorConnectionFailed,
    ews.ErrorExceededConnectionCount,
    ews.ErrorInternalServerError,
    ews.ErrorBatchProcessingStopped,
)
AUTH = (
    ews.UnauthorizedError,
    ews.ErrorNonExistentMailbox,
    ews.ErrorImpersonateUserDenied,
)


def from_exception(error: BaseException, last: LastResponse | None = None) -> ConnectorError:
    if isinstance(error, ConnectorError):
        return error
    name = type(error).__name__
    text = str(error).split("\n")[0][:300]
    if isinstance(error, ews.ErrorInvalidSyncStateData):
        return CursorInvalidError(f"Exchange no longer accepts the sync state: {text}")
    if isinstance(error, ews.ErrorAccessDenied):
        # Usually one folder or item the account may not open, not a lost sign-in: fail that, keep syncing.
        return ConnectorError(
            "Exchange denied access to this folder or item (the account lacks permission on it; the "
            f"mailbox's sign-in still works). Ask the Exchange admin to grant access. ({name}: {text})",
            permanent=True,
            code="MAIL_ACCESS_DENIED",
        )
    if isinstance(error, AUTH):
        return ConnectorError(
            "Exchange no longer accepts this mailbox's sign-in (wrong or changed password, revoked token or "
            f"no access to the mailbox): reconnect the mailbox. ({name}: {text})",
            permanent=True,
            code="MAIL_AUTH_REVOKED",
            status=401 if isinstance(error, ews.UnauthorizedError) else None,
        )
    if isinstance(error, TRANSIENT):
        return ConnectorError(
            f"Exchange is busy or unavailable ({name}: {text})",
            permanent=False,
            code=name,
            status=last.status if last and last.status != 200 else None,
            retry_after=_retry_after(error, last),
        )
    if isinstance(error, requests.exceptions.SSLError) or "CERTIFICATE_VERIFY_FAILED" in text:
        return ConnectorError(
            f"Exchange's TLS certificate is not trusted: {text}", permanent=True, code="TLS_UNTRUSTED"
        )
    if isinstance(error, ews.ResponseMessageError):  # Exchange answered, with an error code of its own
        return ConnectorError(f"Exchange refused the request ({name}: {text})", permanent=True, code=name)
    if isinstance(error, ews.TransportError | requests.RequestException | ews.MalformedResponseError):
        return ConnectorError(f"Exchange unreachable ({name}: {text})", permanent=False, code="NETWORK")
    if isinstance(error, ews.EWSError):
        return ConnectorError(f"Exchange refused the request ({name}: {text})", permanent=True, code=name)
    return ConnectorError(f"Exchange call failed: {error!r}", permanent=False, code="UNKNOWN")


def _retry_after(error: BaseException, last: LastResponse | None) -> float | None:
    """The wait the server asked for: BackOffMilliseconds in a busy fault, else Retry-After on 503."""
    if last is not None and last.status not in (0, 200) and last.retry_after is not None:
        return last.retry_after
    if last is not None and last.status in (500, 502, 503, 504) and not last.soap:
        return None  # exchangelib's own guess (10 s) is not the server's word: our policy decides
    back_off = getattr(error, "back_off", None)
    return float(back_off) if back_off else None


def item_error(error: BaseException) -> tuple[str, str, bool]:
    """(code, message, permanent) of one item's failure in a batch answer: the EWS response code."""
    name = type(error).__name__
    text = str(error).split("\n")[0][:300]
    return name, f"Exchange refused the item ({name}: {text})", not isinstance(error, TRANSIENT)
