"""Removing a membership stops everything of that person's mailboxes in that organization: they are
suspended with the reason, a running session cannot commit, nothing is queued, leased or shown."""

from __future__ import annotations

import pytest

from syncengine.models import Mailbox, Membership
from syncengine.services.failures import USER_SUSPENDED
from syncengine.services.leases import Lease, LeaseLostError, lease_claim, lease_renew
from syncengine.services.mailboxes import mailbox_suspend
from syncengine.services.memberships import NOT_A_MEMBER
from syncengine.services.queue import sessions_enqueue_due
from tests.support.memberships import join_organization
from tests.support.pages import client_for, text_of, url
from tests.support.people import Person

pytestmark = pytest.mark.django_db


def _leave(person: Person) -> None:
    Membership.objects.get(user=person.user, organization=person.organization).delete()


def test_it_suspends_a_former_members_mailboxes_of_that_organization_only(
    alice: Person, make_person, sandboxes
):
    host = make_person("host")
    elsewhere = join_organization(alice, host, sandboxes)

    Membership.objects.get(user=alice.user, organization=host.organization).delete()

    left = Mailbox.objects.get(pk=elsewhere.mailbox.pk)
    assert left.suspended
    assert left.cause_code == NOT_A_MEMBER
    assert host.organization.name in left.suspended_reason
    assert not Mailbox.objects.get(pk=alice.mailbox.pk).suspended  # still a member of her own org


def test_it_suspends_them_when_memberships_are_deleted_in_bulk(alice: Person, teammate: Person):
    Membership.objects.filter(organization=alice.organization).delete()  # the admin's bulk action

    assert Mailbox.objects.filter(pk__in=[alice.mailbox.pk, teammate.mailbox.pk], suspended=True).count() == 2


def test_it_refuses_the_commit_of_a_session_running_when_the_membership_ends(alice: Person):
    token = lease_claim(mailbox_id=alice.mailbox.pk)
    assert token

    _leave(alice)

    with pytest.raises(LeaseLostError):
        lease_renew(lease=Lease(mailbox_id=alice.mailbox.pk, token=token))


def test_it_neither_queues_nor_leases_a_mailbox_whose_owner_is_no_member(alice: Person):
    _leave(alice)
    # Even resumed behind the engine's back (an operator's UPDATE), it does not sync.
    Mailbox.objects.filter(pk=alice.mailbox.pk).update(suspended=False, next_due_at="2000-01-01T00:00Z")

    assert sessions_enqueue_due() == 0
    assert lease_claim(mailbox_id=alice.mailbox.pk) is None


def test_it_hides_a_former_members_mailbox_from_their_pages(alice: Person):
    client = client_for(alice.user)
    _leave(alice)

    assert alice.mailbox.address not in text_of(client.get(url("home")))
    assert alice.mailbox.address not in text_of(client.get("/emails/"))
    assert client.post(url("force_sync", alice.mailbox.pk)).status_code == 404
    assert client.post(f"/emails/mailboxes/{alice.mailbox.pk}/auto-save/", {}).status_code == 404


def test_it_keeps_the_owners_own_suspension_and_its_reason(alice: Person):
    mailbox_suspend(mailbox=alice.mailbox, reason="On leave until March")
    token = "lease-of-a-session-running-now"
    Mailbox.objects.filter(pk=alice.mailbox.pk).update(lease_token=token)

    _leave(alice)

    kept = Mailbox.objects.get(pk=alice.mailbox.pk)
    assert kept.cause_code == USER_SUSPENDED
    assert "On leave until March" in kept.suspended_reason
    assert kept.lease_token == ""  # still no commit for a session running now
