"""Changes people make on the product's own pages to an organization's settings, mapping tables,
blocklist and calendar sources, recorded like the staff admin's (who, when, before -> after).

The pages save these models as any code does, so the record is taken at the model: the request's
signed-in person is known here through ``acting_for`` (set by ``PageActorMiddleware``). A save with
no person acting (the engine, a migration, a management command) and the staff admin's own saves
(which audit themselves) are not recorded here. Bulk writes (``bulk_create``, ``update()``) send no
signals and are not seen: the pages that reset a table say so in their own entry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.apps import apps
from django.db.models import Model
from django.db.models.signals import post_delete, post_save, pre_save
from django.http import HttpRequest, HttpResponse

from audit.models import AuditAction
from audit.services import audit_record, changes_between, snapshot

# The models the org pages edit, each with the organization it belongs to.
AUDITED_ON_PAGES = (
    "syncengine.SyncSettings",
    "syncengine.CalendarSource",
    "mapping.FieldMapping",
    "blocklists.BlocklistSettings",
    "blocklists.OrgBlocklistEntry",
    "blocklists.FreeDomainChange",
    "emails.EmailSettings",
    "autoresolve.AutoresolveSettings",
    "instant.InstantSettings",
)
_actor: ContextVar[Any] = ContextVar("page_actor", default=None)
Snapshots = dict[tuple[str, object], dict[str, object]]  # (model, pk) -> the row before its save
_before: ContextVar[Snapshots | None] = ContextVar("page_before", default=None)


@contextmanager
def acting_for(user: Any) -> Iterator[None]:
    token, before = _actor.set(user), _before.set({})
    try:
        yield
    finally:
        _actor.reset(token)
        _before.reset(before)


class PageActorMiddleware:
    """Who is acting, for the requests of signed-in people outside the staff admin."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or request.path.startswith("/admin/"):
            return self.get_response(request)
        with acting_for(user):
            return self.get_response(request)


def _organization_id(obj: Any) -> int | None:
    return getattr(obj, "organization_id", None)


def _remember(sender: type[Model], instance: Model, **kwargs: Any) -> None:
    before = _before.get()
    if _actor.get() is None or before is None or instance.pk is None:
        return
    stored = sender._default_manager.filter(pk=instance.pk).first()
    if stored is not None:
        before[(sender._meta.label_lower, instance.pk)] = snapshot(stored)


def _saved(sender: type[Model], instance: Model, created: bool, **kwargs: Any) -> None:
    actor, before = _actor.get(), _before.get()
    if actor is None or before is None:
        return
    earlier = {} if created else before.pop((sender._meta.label_lower, instance.pk), {})
    changes = changes_between(earlier, snapshot(instance))
    changes.pop("updated_at", None)
    if changes:
        audit_record(
            actor=actor,
            organization_id=_organization_id(instance),
            action=AuditAction.ADD if created else AuditAction.CHANGE,
            obj=instance,
            changes=changes,
            source="pages",
        )


def _deleted(sender: type[Model], instance: Model, **kwargs: Any) -> None:
    actor = _actor.get()
    if actor is None:
        return
    audit_record(
        actor=actor,
        organization_id=_organization_id(instance),
        action=AuditAction.DELETE,
        obj=instance,
        changes={name: [value, None] for name, value in snapshot(instance).items()},
        source="pages",
    )


def connect() -> None:
    for label in AUDITED_ON_PAGES:
        model = apps.get_model(label)
        uid = f"audit-pages-{label}"
        pre_save.connect(_remember, sender=model, dispatch_uid=uid)
        post_save.connect(_saved, sender=model, dispatch_uid=uid)
        post_delete.connect(_deleted, sender=model, dispatch_uid=uid)
