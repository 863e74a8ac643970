"""Who gets a new Salesforce record, of which kind and on which Account, per setting and mode; who never
does (blocklisted, free email, rooms, no-reply senders, lists); one record per address."""

from __future__ import annotations

from autoresolve.plan import Facts, KnownAccount, Participant, Rules, account_key, person_key, plan_people
from autoresolve.signatures import SignedEmail, read_signature

ORG = 7
NOBODY_BLOCKED = lambda address: False  # noqa: E731


def signed(address: str) -> Participant:
    email = SignedEmail(
        text=(
            "Hi,\n\nsee you Tuesday.\n\nBest regards,\nNina North\nHead of Procurement\n"
            "Northwind Traders Inc.\nT +1 415 555 0134 | M +1 415 555 0199\n"
        ),
        from_name="Nina North",
        from_address=address,
    )
    return Participant(address, "Nina North", read_signature(email), source="email 'Tuesday'")


def test_it_makes_a_lead_from_the_signature_with_the_company_it_names():
    plan = plan_people(
        [signed("nina@northwind.example")],
        organization_id=ORG,
        rules=Rules(mode="leads"),
        facts=Facts(),
        blocked=NOBODY_BLOCKED,
    )

    (lead,) = plan.people
    assert lead.kind == "Lead" and not plan.accounts
    assert dict(lead.fields) == {
        "Email": "nina@northwind.example",
        "FirstName": "Nina",
        "LastName": "North",
        "Title": "Head of Procurement",
        "Company": "Northwind Traders Inc.",
        "Phone": "+14155550134",
        "MobilePhone": "+14155550199",
    }
    assert lead.sync_key == person_key(ORG, "Nina@Northwind.example")
    assert "title" in lead.signature_fields and "phones" in lead.signature_fields


def test_it_makes_a_contact_on_a_new_account_named_from_the_domain_when_none_has_that_website():
    plan = plan_people(
        [Participant("omar@acme-corp.example")],
        organization_id=ORG,
        rules=Rules(mode="contacts"),
        facts=Facts(),
        blocked=NOBODY_BLOCKED,
    )

    (contact,) = plan.people
    (account,) = plan.accounts
    assert contact.kind == "Contact" and contact.new_account_key == account.sync_key
    assert account.sync_key == account_key(ORG, "acme-corp.example")
    assert dict(account.fields) == {"Name": "Acme Corp", "Website": "acme-corp.example"}
    assert contact.fields["LastName"] == "omar"  # nothing better known: the address's name part


def test_it_links_a_new_contact_to_the_account_whose_website_matches():
    facts = Facts({"acme-corp.example": KnownAccount("001A", "Acme Corporation", has_contacts=False)})

    plan = plan_people(
        [Participant("omar@eu.acme-corp.example")],
        organization_id=ORG,
        rules=Rules(mode="contacts"),
        facts=facts,
        blocked=NOBODY_BLOCKED,
    )

    assert plan.people[0].account_id == "001A" and not plan.accounts


def test_it_links_every_new_contact_to_the_account_the_admin_picked():
    facts = Facts({"acme-corp.example": KnownAccount("001A", "Acme", has_contacts=True)})
    rules = Rules(mode="contacts", fixed_account_id="001FIXED")

    plan = plan_people(
        [Participant("omar@acme-corp.example"), Participant("lee@other.example")],
        organization_id=ORG,
        rules=rules,
        facts=facts,
        blocked=NOBODY_BLOCKED,
    )

    assert [p.account_id for p in plan.people] == ["001FIXED", "001FIXED"] and not plan.accounts


def test_it_makes_no_account_when_auto_create_is_off():
    plan = plan_people(
        [Participant("omar@acme-corp.example")],
        organization_id=ORG,
        rules=Rules(mode="contacts", auto_create_accounts=False),
        facts=Facts(),
        blocked=NOBODY_BLOCKED,
    )

    assert plan.people[0].account_id == "" and plan.people[0].new_account_key == "" and not plan.accounts


def test_it_smart_creates_a_contact_where_the_account_has_contacts_and_a_lead_elsewhere():
    facts = Facts(
        {
            "acme-corp.example": KnownAccount("001A", "Acme", has_contacts=True),
            "quiet.example": KnownAccount("001Q", "Quiet", has_contacts=False),
        }
    )

    plan = plan_people(
        [
            Participant("omar@acme-corp.example"),
            Participant("ann@quiet.example"),
            Participant("li@new.example"),
        ],
        organization_id=ORG,
        rules=Rules(mode="leads", smart_create=True),
        facts=facts,
        blocked=NOBODY_BLOCKED,
    )

    assert [(p.kind, p.account_id) for p in plan.people] == [("Contact", "001A"), ("Lead", ""), ("Lead", "")]


def test_it_makes_person_accounts_only_where_the_org_has_them():
    people = [Participant("omar@acme-corp.example")]
    with_them = Rules(mode="person_accounts", person_accounts_available=True)
    without = Rules(mode="person_accounts", person_accounts_available=False)

    made = plan_people(people, organization_id=ORG, rules=with_them, facts=Facts(), blocked=NOBODY_BLOCKED)
    fallback = plan_people(people, organization_id=ORG, rules=without, facts=Facts(), blocked=NOBODY_BLOCKED)

    assert (
        made.people[0].kind == "PersonAccount"
        and made.people[0].fields["PersonEmail"] == "omar@acme-corp.example"
    )
    assert fallback.people[0].kind == "Contact"


def test_it_never_makes_records_for_blocked_free_email_rooms_service_senders_or_lists():
    people = [
        Participant("boss@ourcompany.example"),
        Participant("someone@gmail.com"),
        Participant("room-4@acme-corp.example", resource=True),
        Participant("no-reply@acme-corp.example"),
        Participant("notifications+x@acme-corp.example"),
        Participant("team@lists.acme-corp.example", mailing_list=True),
    ]

    plan = plan_people(
        people,
        organization_id=ORG,
        rules=Rules(mode="contacts"),
        facts=Facts(),
        blocked=lambda address: address.endswith("@ourcompany.example"),
        free_email_domains=frozenset({"gmail.com"}),
    )

    assert plan.people == () and plan.accounts == ()
    assert [why.reason for why in plan.left_out] == [
        "blocked",
        "free_email",
        "resource",
        "service_sender",
        "service_sender",
        "mailing_list",
    ]


def test_it_plans_one_record_for_one_person_met_twice_and_prefers_the_signed_mention():
    plan = plan_people(
        [Participant("NINA@northwind.example"), signed("nina@northwind.example")],
        organization_id=ORG,
        rules=Rules(mode="leads"),
        facts=Facts(),
        blocked=NOBODY_BLOCKED,
    )

    (lead,) = plan.people
    assert lead.fields["FirstName"] == "Nina"


def test_it_makes_nothing_when_autoresolving_is_off():
    plan = plan_people(
        [Participant("omar@acme-corp.example")],
        organization_id=ORG,
        rules=Rules(),
        facts=Facts(),
        blocked=NOBODY_BLOCKED,
    )

    assert plan.people == () and plan.left_out[0].reason == "off"
