"""Running one sync session for one mailbox, start to finish, and recording what happened."""

from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from connectors.base import ConnectorError, MailSide
from connectors.salesforce.connector import SalesforceConnector
from syncengine.extensions import SessionEnded, SessionStep, StepContext, session_observers, session_steps
from syncengine.models import (
    ConnectionStatus,
    Mailbox,
    MailboxStatus,
    Outcome,
    SalesforceConnection,
    SyncIssue,
    SyncSession,
    Trigger,
)
from syncengine.selectors import salesforce_connection_for
from syncengine.services.connectors import mail_connector_for, salesforce_for
from syncengine.services.failures import (
    INTERNAL_ERROR,
    SALESFORCE_SIGN_IN_CODES,
    SESSION_WIDE_CODES,
    SUSPENDING_CODES,
    failure_backoff,
)
from syncengine.services.issues import issue_record
from syncengine.services.leases import Lease, LeaseLostError, lease_claim, lease_release, lease_renew
from syncengine.services.mailboxes import mailbox_suspend
from syncengine.services.session_log import session_log_capture
from syncengine.services.streams import stream_specs
from syncengine.stream.context import StreamContext
from syncengine.stream.run import stream_run

log = logging.getLogger(__name__)


def session_run(*, mailbox_id: int, trigger: str = Trigger.SCHEDULE) -> SyncSession | None:
    """Run a session if this worker wins the mailbox's lease; None when another one holds it."""
    token = lease_claim(mailbox_id=mailbox_id)
    if token is None:
        log.info("mailbox %s: session skipped, another worker holds the lease or it is suspended", mailbox_id)
        return None
    mailbox = Mailbox.objects.select_related("owner", "organization").get(pk=mailbox_id)
    session = SyncSession.objects.create(mailbox=mailbox, trigger=trigger)
    try:
        with session_log_capture() as lines:
            _run(mailbox, session, Lease(mailbox_id=mailbox_id, token=token))
        session.log = lines.text()
        SyncSession.objects.filter(pk=session.pk).update(log=session.log)
    finally:
        lease_release(mailbox_id=mailbox_id, token=token)
    return session


def _run(mailbox: Mailbox, session: SyncSession, lease: Lease) -> None:
    now = timezone.now()
    mail = crm = None
    failure: ConnectorError | None = None
    lost = False
    try:
        # The mailbox's own organization's Salesforce: never one its owner connected for another one.
        connection = salesforce_connection_for(mailbox=mailbox)
        if connection is None:
            raise ConnectorError(
                f"Connect Salesforce for {mailbox.organization} to start syncing this mailbox.",
                permanent=True,
                code="SALESFORCE_NOT_CONNECTED",
            )
        crm = salesforce_for(connection)
        mail = mail_connector_for(mailbox)
        session.counts, troubled, halted = _sync_streams(mailbox, session, mail, crm, now, lease)
        # A halted stream waits for a person: the session did not simply succeed.
        session.outcome = Outcome.HALTED if halted else Outcome.PARTIAL if troubled else Outcome.SUCCEEDED
        _mark_connection(connection, ok=True, usage=crm.api_usage)
    except ConnectorError as error:
        failure = error
        session.outcome = Outcome.FAILED
        session.error = error.message
        session.error_code = error.code or ""
    except LeaseLostError as error:
        # Another session owns the mailbox now: its schedule and status are that session's to set.
        lost = True
        log.warning("%s", error)
        session.outcome = Outcome.FAILED
        session.error = (
            "This session ran longer than its lease and another session took over the mailbox; this "
            "one stopped without committing, and the other carries on from the last commit."
        )
    except Exception as error:  # a bug must not kill the worker or hide the mailbox's state
        log.exception("mailbox %s: session %s crashed", mailbox.pk, session.pk)
        session.outcome = Outcome.FAILED
        session.error = (
            f"Internal error ({type(error).__name__}); the support team can see the details in the logs."
        )
    finally:
        session.finished_at = timezone.now()
        session.api_calls = {
            "mail": mail.calls if mail else 0,
            "crm": crm.calls if crm else 0,
            "mail_login": mail.token_calls if mail else 0,
            "crm_login": crm.token_calls if crm else 0,
        }
        session.save()
    if not lost:
        _after_session(mailbox, session, failure)
        _tell_observers(mailbox.pk, session)


def _tell_observers(mailbox_id: int, session: SyncSession) -> None:
    """What feature apps do once a session's outcome is stored (notifications): never its loss."""
    mailbox = Mailbox.objects.select_related("owner", "organization").get(pk=mailbox_id)
    for observer in session_observers():
        try:
            observer(SessionEnded(mailbox=mailbox, session=session))
        except Exception:
            log.exception("mailbox %s: a session observer failed after session %s", mailbox_id, session.pk)


def _sync_streams(
    mailbox: Mailbox,
    session: SyncSession,
    mail: MailSide,
    crm: SalesforceConnector,
    now: datetime,
    lease: Lease,
) -> tuple[dict[str, object], bool, bool]:
    """Each enabled stream in turn; one stream's trouble does not hold the others back.
    Returns the counts, whether anything went wrong, and whether a stream was halted."""
    counts: dict[str, object] = {}
    troubled = halted = False
    # A stream the provider cannot sync is left out here and named on the dashboard instead.
    specs = [
        spec
        for spec in stream_specs(mailbox.organization, mailbox)
        if spec.mail_side_stream in mail.SUPPORTED_STREAMS
    ]
    failed = 0
    for spec in specs:
        lease_renew(lease=lease)  # a long session keeps its mailbox; one that lost it stops here
        try:
            report = stream_run(StreamContext(mailbox, lease, session, spec, mail, crm, now))
        except ConnectorError as error:
            if error.code in SESSION_WIDE_CODES:
                raise  # nothing else would work in this session either
            failed += 1
            troubled = True
            issue_record(
                mailbox=mailbox,
                session=session,
                stream=spec.stream,
                code="STREAM_FAILED",
                message=f"{spec.stream.title()} were not synced this time; the next session retries. "
                f"{error.message}",
            )
            continue
        counts[spec.stream] = report.as_dict()
        troubled = troubled or bool(report.issues or report.halted)
        halted = halted or report.halted
    for step in session_steps():  # what feature apps add (emails: saved one way, once)
        lease_renew(lease=lease)
        report, trouble = _run_step(step, StepContext(mailbox, lease, session, mail, crm, now))
        if report is not None:
            counts[step.stream] = report.as_dict()
        troubled = troubled or trouble or bool(report is not None and report.issues)
    if specs and failed == len(specs):
        raise ConnectorError(
            "No stream could be synced; see the issues.", permanent=False, code="ALL_STREAMS_FAILED"
        )
    return counts, troubled, halted


def _run_step(step: SessionStep, ctx: StepContext) -> tuple[Any, bool]:
    """A session step, guarded like a stream: its trouble is an issue, never the other streams' loss.
    Returns its report (None: nothing to do) and whether it failed."""
    try:
        return step.run(ctx), False
    except LeaseLostError:
        raise
    except ConnectorError as error:
        if error.code in SESSION_WIDE_CODES:
            raise
        message = f"{step.title}; the next session retries. {error.message}"
    except Exception as error:  # a bug in a step must not lose the streams' work
        log.exception("mailbox %s: the %s step crashed", ctx.mailbox.pk, step.stream)
        message = (
            f"{step.title} (internal error {type(error).__name__}); the support team can see the details "
            "in the logs, and the next session retries."
        )
    issue_record(
        mailbox=ctx.mailbox, session=ctx.session, stream=step.stream, code="STREAM_FAILED", message=message
    )
    return None, True


def _mark_connection(
    connection: SalesforceConnection, *, ok: bool, usage: str = "", message: str = ""
) -> None:
    SalesforceConnection.objects.filter(pk=connection.pk).update(
        status=ConnectionStatus.CONNECTED if ok else ConnectionStatus.REVOKED,
        status_message=message[:500],
        api_usage=usage or connection.api_usage,
    )


def _has_open_issues(mailbox: Mailbox) -> bool:
    return SyncIssue.objects.filter(mailbox=mailbox, resolved=False).exists()


def _after_session(mailbox: Mailbox, session: SyncSession, failure: ConnectorError | None) -> None:
    finished = session.finished_at or timezone.now()
    interval = timedelta(minutes=mailbox.sync_interval_minutes)
    jitter = timedelta(seconds=random.uniform(-1, 1) * settings.SYNC_JITTER_SECONDS)
    fields: dict[str, Any] = {"last_synced_at": finished}
    if session.outcome == Outcome.FAILED:
        failures = mailbox.consecutive_failures + 1
        code = (failure.code or "UNKNOWN") if failure is not None else INTERNAL_ERROR
        backoff = failure_backoff(
            interval=interval,
            failures=failures,
            cap=timedelta(minutes=settings.SYNC_MAX_BACKOFF_MINUTES),
            retry_after=failure.retry_after if failure is not None else None,
        )
        fields.update(
            consecutive_failures=failures,
            status=MailboxStatus.ERROR,
            status_message=session.error[:500],
            cause_code=code[:60],
            next_due_at=finished + backoff + jitter,
        )
        Mailbox.objects.filter(pk=mailbox.pk).update(**fields)
        # Only a cause no retry can fix suspends; a transient one (however long) backs off and keeps
        # probing, so a provider down for a weekend is picked up again once it is back.
        if failure is not None and failure.code in SUSPENDING_CODES:
            if failure.code in SALESFORCE_SIGN_IN_CODES:
                connection = salesforce_connection_for(mailbox=mailbox)
                if connection is not None:
                    _mark_connection(connection, ok=False, message=failure.message)
            mailbox_suspend(mailbox=mailbox, reason=failure.message, automatic=True, code=failure.code)
        return
    fields.update(
        consecutive_failures=0,
        cause_code="",
        status=MailboxStatus.WARNING
        if session.outcome in (Outcome.PARTIAL, Outcome.HALTED) or _has_open_issues(mailbox)
        else MailboxStatus.OK,
        status_message="",
        next_due_at=finished + interval + jitter,
    )
    Mailbox.objects.filter(pk=mailbox.pk).update(**fields)
