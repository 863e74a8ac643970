"""The Django admin is no way around the rules: staff see only the organizations they support, cannot
repoint where secrets go or move data between owners, cannot edit cursors or worker code, and every
change they make is in an audit log the organization's admins read."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth.models import Group, Permission, User
from django.core.exceptions import PermissionDenied
from django.test import Client
from django_q.models import Schedule

from audit.models import AuditEntry
from blocklists.models import OrgBlocklistEntry
from syncengine.models import (
    Mailbox,
    Membership,
    Organization,
    Role,
    SalesforceConnection,
    SyncCursor,
    SyncSettings,
)
from tests.support.pages import client_for, text_of
from tests.support.people import Person

pytestmark = pytest.mark.django_db


def _staff(name: str, *, supports: Person | None = None, superuser: bool = False) -> Client:
    user = User.objects.create_user(name, f"{name}@operator.example", "pw-for-tests-only", is_staff=True)
    if superuser:
        user.is_superuser = True
        user.save()
    user.user_permissions.set(Permission.objects.all())  # every model permission: the rules still hold
    if supports is not None:
        Membership.objects.create(user=user, organization=supports.organization, role=Role.SUPPORT)
    return client_for(user)


def test_it_shows_support_staff_only_the_organizations_they_support(alice: Person, outsider: Person):
    staff = _staff("sam", supports=alice)

    listing = text_of(staff.get("/admin/syncengine/mailbox/"))

    assert alice.mailbox.address in listing
    assert outsider.mailbox.address not in listing
    assert staff.get(f"/admin/syncengine/mailbox/{outsider.mailbox.pk}/change/").status_code in (302, 404)


def test_it_keeps_where_a_token_is_sent_read_only_even_for_a_superuser(alice: Person):
    staff = _staff("root", superuser=True)
    before = SalesforceConnection.objects.get(pk=alice.connection.pk).instance_url

    answer = staff.post(
        f"/admin/syncengine/salesforceconnection/{alice.connection.pk}/change/",
        {
            "instance_url": "https://attacker.example",
            "user": alice.user.pk,
            "organization": alice.organization.pk,
        },
    )

    assert answer.status_code == 403
    assert SalesforceConnection.objects.get(pk=alice.connection.pk).instance_url == before


def test_it_keeps_a_mailboxs_owner_organization_and_endpoint_read_only(alice: Person, outsider: Person):
    staff = _staff("root", superuser=True)
    page = f"/admin/syncengine/mailbox/{alice.mailbox.pk}/change/"

    staff.post(
        page,
        {
            "owner": outsider.user.pk,
            "organization": outsider.organization.pk,
            "provider_account": '{"service_endpoint": "https://attacker.example/EWS/Exchange.asmx"}',
            "sync_interval_minutes": 15,
            "next_due_at_0": "2030-01-01",
            "next_due_at_1": "00:00:00",
        },
    )

    alice.mailbox.refresh_from_db()
    assert alice.mailbox.owner_id == alice.user.pk
    assert alice.mailbox.organization_id == alice.organization.pk
    assert "service_endpoint" not in alice.mailbox.provider_account
    assert alice.mailbox.sync_interval_minutes == 15  # what is editable still saves, audited below
    entry = AuditEntry.objects.get(object_type="syncengine.mailbox", object_id=str(alice.mailbox.pk))
    assert entry.changes["sync_interval_minutes"] == ["30", "15"]
    assert entry.actor_name == "root"
    assert entry.organization_id == alice.organization.pk


def test_it_lets_nobody_edit_a_cursor(alice: Person):
    cursor = SyncCursor.objects.create(mailbox=alice.mailbox, stream="events", side="mail", value="x")
    staff = _staff("root", superuser=True)

    staff.post(f"/admin/syncengine/synccursor/{cursor.pk}/change/", {"value": "https://attacker.example/"})

    assert SyncCursor.objects.get(pk=cursor.pk).value == "x"


def test_it_lets_only_superusers_change_what_workers_run(db: None):
    schedule = Schedule.objects.create(
        func="syncengine.tasks.enqueue_due_sessions", schedule_type=Schedule.MINUTES
    )
    staff = _staff("sam")

    staff.post(
        f"/admin/django_q/schedule/{schedule.pk}/change/",
        {"func": "os.system", "schedule_type": Schedule.MINUTES, "repeats": -1},
    )

    assert Schedule.objects.get(pk=schedule.pk).func == "syncengine.tasks.enqueue_due_sessions"


def test_it_lets_only_superusers_change_memberships(alice: Person):
    staff = _staff("sam", supports=alice)
    membership = Membership.objects.get(user=alice.user, organization=alice.organization)

    staff.post(
        f"/admin/syncengine/membership/{membership.pk}/change/",
        {"user": alice.user.pk, "organization": alice.organization.pk, "role": Role.ORG_ADMIN},
    )

    assert Membership.objects.get(pk=membership.pk).role == Role.USER


def test_it_shows_the_org_admin_every_staff_change_to_their_organization(make_person, alice: Person):
    admin = make_person("boss", organization=alice.organization, role=Role.ORG_ADMIN)
    settings_row, _ = SyncSettings.objects.get_or_create(organization=alice.organization)
    staff = _staff("sam", supports=alice)
    form = staff.get(f"/admin/syncengine/syncsettings/{settings_row.pk}/change/").context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, (list, dict))}
    data["sync_tasks"] = "" if settings_row.sync_tasks else "on"
    for name, value in list(data.items()):
        if value is True:
            data[name] = "on"
        elif value is False:
            data.pop(name)
    staff.post(f"/admin/syncengine/syncsettings/{settings_row.pk}/change/", data)
    assert AuditEntry.objects.filter(organization=alice.organization).exists()

    page = client_for(admin.user)
    text = text_of(page.get(f"/org/{alice.organization.pk}/audit/"))

    assert "sam" in text
    assert "sync_tasks" in text


def test_it_hides_the_audit_log_from_anyone_but_the_organizations_admins(alice: Person):
    client = client_for(alice.user)

    assert client.get(f"/org/{alice.organization.pk}/audit/").status_code == 404


def test_it_never_writes_a_secret_into_the_audit_log(alice: Person):
    staff = _staff("root", superuser=True)
    secret = alice.connection.credentials["refresh_token"]

    staff.post(f"/admin/syncengine/salesforceconnection/{alice.connection.pk}/delete/", {"post": "yes"})

    entry = AuditEntry.objects.get(object_type="syncengine.salesforceconnection")
    assert entry.action == "delete"
    assert secret not in str(entry.changes)
    assert entry.changes["credentials"] == ["<secret>", None]


def test_it_lets_support_staff_attach_a_row_only_to_an_organization_they_support(
    alice: Person, outsider: Person
):
    staff = _staff("sam", supports=alice)
    page = "/admin/blocklists/orgblocklistentry/add/"
    choices = staff.get(page).context["adminform"].form.fields["organization"].queryset

    staff.post(
        page,
        {
            "value": "rival.example",
            "organization": outsider.organization.pk,
            "added_at_0": "2026-01-01",
            "added_at_1": "00:00:00",
        },
    )

    assert list(choices) == [alice.organization]
    assert not OrgBlocklistEntry.objects.filter(organization=outsider.organization).exists()


def test_it_refuses_to_save_a_row_of_an_organization_the_staff_member_does_not_support(
    alice: Person, outsider: Person, rf
):
    staff_user = User.objects.create_user("sam", "sam@operator.example", "pw-for-tests-only", is_staff=True)
    Membership.objects.create(user=staff_user, organization=alice.organization, role=Role.SUPPORT)
    request = rf.post("/admin/")
    request.user = staff_user
    entry = OrgBlocklistEntry(organization=outsider.organization, value="rival.example")

    with pytest.raises(PermissionDenied):
        admin.site._registry[OrgBlocklistEntry].save_model(request, entry, form=None, change=False)

    assert not OrgBlocklistEntry.objects.exists()


def test_it_lets_only_superusers_lift_a_signin_lockout_and_audits_it(db: None):
    attempt = AccessAttempt.objects.create(
        username="alice",
        ip_address="198.51.100.7",
        failures_since_start=9,
        user_agent="x",
        get_data="",
        post_data="",
    )
    page = f"/admin/axes/accessattempt/{attempt.pk}/delete/"

    _staff("sam").post(page, {"post": "yes"})
    assert AccessAttempt.objects.filter(pk=attempt.pk).exists()

    _staff("root", superuser=True).post(page, {"post": "yes"})
    assert not AccessAttempt.objects.filter(pk=attempt.pk).exists()
    assert AuditEntry.objects.get(object_type="axes.accessattempt").actor_name == "root"


def test_it_audits_a_change_of_a_users_groups(alice: Person):
    admins = Group.objects.create(name="operators")
    root = _staff("root", superuser=True)
    page = f"/admin/auth/user/{alice.user.pk}/change/"
    form = root.get(page).context["adminform"].form
    data = _posted(form)
    data["groups"] = [admins.pk]

    root.post(page, data)

    assert list(alice.user.groups.all()) == [admins]
    entries = AuditEntry.objects.filter(object_type="auth.user", object_id=str(alice.user.pk))
    assert [e.changes["groups"] for e in entries if "groups" in e.changes] == [[[], ["operators"]]]


def test_it_keeps_who_added_a_mailbox_read_only(alice: Person, outsider: Person):
    root = _staff("root", superuser=True)
    page = f"/admin/syncengine/mailbox/{alice.mailbox.pk}/change/"
    data = _posted(root.get(page).context["adminform"].form)
    data["added_by"] = outsider.user.pk

    root.post(page, data)

    alice.mailbox.refresh_from_db()
    assert alice.mailbox.added_by_id is None


def test_it_lets_only_superusers_delete_an_organization_or_a_mailbox(alice: Person):
    staff = _staff("sam", supports=alice)

    staff.post(f"/admin/syncengine/mailbox/{alice.mailbox.pk}/delete/", {"post": "yes"})
    staff.post(f"/admin/syncengine/organization/{alice.organization.pk}/delete/", {"post": "yes"})

    assert Mailbox.objects.filter(pk=alice.mailbox.pk).exists()
    assert Organization.objects.filter(pk=alice.organization.pk).exists()


def test_it_keeps_whose_audit_entries_they_were_when_an_organization_is_deleted(alice: Person):
    root = _staff("root", superuser=True)
    organization_id, name = alice.organization.pk, alice.organization.name

    root.post(f"/admin/syncengine/organization/{organization_id}/delete/", {"post": "yes"})

    assert not Organization.objects.filter(pk=organization_id).exists()
    entry = AuditEntry.objects.get(object_type="syncengine.organization", action="delete")
    assert entry.organization_id == organization_id
    assert entry.organization_name == name
    assert root.get("/admin/audit/auditentry/").status_code == 200


def _posted(form) -> dict[str, object]:
    """What a browser would post back for an unchanged admin form (split date-times included)."""
    data: dict[str, object] = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if hasattr(field, "fields") and value is not None:  # SplitDateTimeField
            data[f"{name}_0"], data[f"{name}_1"] = f"{value:%Y-%m-%d}", f"{value:%H:%M:%S}"
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        elif isinstance(value, list):
            data[name] = [getattr(v, "pk", v) for v in value]
        elif value is not None:
            data[name] = getattr(value, "pk", value)
    return data
