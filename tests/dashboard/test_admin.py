"""Django admin for support staff: every model opens, secrets never shown."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from mapping.models import FieldMapping
from syncengine.models import CalendarSource, HeldDeletion
from syncengine.services.sessions import session_run
from tests.support.calendar import in_days
from tests.support.pages import client_for
from tests.support.people import Person, event_body
from tests.support.records import raw_credentials

pytestmark = pytest.mark.django_db
MODELS = list(apps.get_app_config("syncengine").get_models())


@pytest.fixture
def admin_client_(db: None) -> Client:
    user = User.objects.create_superuser("support", "support@example.com", "pw-for-tests-only")
    return client_for(user)


@pytest.fixture
def synced_alice(alice: Person) -> Person:
    """alice with one session behind her, so every model has at least one row."""
    CalendarSource.objects.create(
        organization=alice.organization,
        crm_object="Task",
        category="Salesforce Task",
        subject_field="Subject",
        date_field="ActivityDate",
    )
    alice.outlook.create_event(**event_body("A" * 300, in_days(1), in_days(1, 11)))
    attendees = [{"emailAddress": {"address": "ana@globex.example"}, "type": "required"}]
    alice.salesforce.Contact.create({"LastName": "Ito", "Email": "ana@globex.example"})
    alice.outlook.create_event(**event_body("Globex", in_days(2), in_days(2, 11), attendees=attendees))
    session_run(mailbox_id=alice.mailbox.pk)
    HeldDeletion.objects.create(mailbox=alice.mailbox, stream="events", sync_key="k1", side="crm")
    alice.mailbox.refresh_from_db()
    alice.connection.refresh_from_db()
    return alice


def _secrets(credentials: dict) -> list[str]:
    return [value for value in credentials.values() if isinstance(value, str) and len(value) >= 8]


def test_it_registers_every_syncengine_model():
    models = set(apps.get_app_config("syncengine").get_models())

    assert models <= set(admin.site._registry)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_it_opens_the_changelist_of_every_model(admin_client_: Client, synced_alice: Person, model):
    response = admin_client_.get(reverse(f"admin:syncengine_{model._meta.model_name}_changelist"))

    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_it_opens_the_change_page_of_every_model(admin_client_: Client, synced_alice: Person, model):
    obj = model.objects.first()

    response = admin_client_.get(reverse(f"admin:syncengine_{model._meta.model_name}_change", args=[obj.pk]))

    assert response.status_code == 200


def _assert_credentials_never_shown(client: Client, record: Any, views: list[str]) -> None:
    """The record's credentials, raw or any secret in them, appear on none of its admin pages."""
    raw = raw_credentials(record._meta.db_table, record.pk)
    secrets = _secrets(record.credentials)
    assert record.credentials["refresh_token"] in secrets

    admin_name = f"admin:{record._meta.app_label}_{record._meta.model_name}"
    pages = [
        client.get(reverse(f"{admin_name}_{view}", args=[] if view == "changelist" else [record.pk]))
        for view in views
    ]

    for page in pages:
        assert page.status_code == 200
        html = page.content.decode()
        assert 'name="credentials"' not in html
        assert raw not in html
        for secret in secrets:
            assert secret not in html


def test_it_never_shows_the_mailbox_credentials(admin_client_: Client, synced_alice: Person):
    _assert_credentials_never_shown(admin_client_, synced_alice.mailbox, ["change", "changelist", "history"])


def test_it_never_shows_the_salesforce_credentials(admin_client_: Client, synced_alice: Person):
    _assert_credentials_never_shown(admin_client_, synced_alice.connection, ["change", "changelist"])


def test_it_keeps_the_credentials_when_support_saves_the_mailbox(admin_client_: Client, synced_alice: Person):
    mailbox = synced_alice.mailbox
    change_url = reverse("admin:syncengine_mailbox_change", args=[mailbox.pk])
    form = admin_client_.get(change_url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data["sync_interval_minutes"] = 45
    if "next_due_at" in data:
        due = mailbox.next_due_at
        data.pop("next_due_at")
        data["next_due_at_0"] = due.strftime("%Y-%m-%d")
        data["next_due_at_1"] = due.strftime("%H:%M:%S")
    for name in ("suspended_at", "last_synced_at", "created_at"):
        value = getattr(mailbox, name)
        data.pop(name, None)
        data[f"{name}_0"] = value.strftime("%Y-%m-%d") if value else ""
        data[f"{name}_1"] = value.strftime("%H:%M:%S") if value else ""
    data = {k: v for k, v in data.items() if not isinstance(v, bool) or v}

    response = admin_client_.post(change_url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    before = mailbox.credentials
    mailbox.refresh_from_db()
    assert mailbox.sync_interval_minutes == 45
    assert mailbox.credentials == before


@pytest.mark.parametrize(("app", "model"), [("syncengine", "calendarsource"), ("mapping", "fieldmapping")])
def test_it_lets_support_read_but_not_write_what_is_checked_against_describe(
    admin_client_: Client, synced_alice: Person, app: str, model: str
):
    FieldMapping.objects.create(organization=synced_alice.organization, stream="events", mail_field="subject")
    obj = apps.get_model(app, model).objects.get()
    change_url = reverse(f"admin:{app}_{model}_change", args=[obj.pk])

    add = admin_client_.get(reverse(f"admin:{app}_{model}_add"))
    change = admin_client_.post(change_url, {"crm_object": "Account", "crm_field": "MailSync_Key__c"})

    assert add.status_code == 403
    assert change.status_code == 403
    assert admin_client_.get(change_url).status_code == 200  # still readable
    assert CalendarSource.objects.get().crm_object == "Task"
    assert FieldMapping.objects.get().crm_field == ""
