"""Person Accounts in the Salesforce sandbox, as an org with them enabled behaves: the person fields and
the record types appear, an Account of the person type is named after its person and has a Contact
Salesforce keeps in step with it (what activities link to), and it goes with its Account."""

from __future__ import annotations

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest

from tests.support.sandbox import Tenant


def _field_names(tenant: Tenant, sobject: str) -> set[str]:
    return {f["name"] for f in tenant.sf().restful(f"sobjects/{sobject}/describe/")["fields"]}


def test_it_describes_person_fields_only_once_person_accounts_are_enabled(tenant: Tenant) -> None:
    assert "IsPersonAccount" not in _field_names(tenant, "Account")

    person_type = tenant.app.enable_person_accounts(tenant.org_id)

    assert {"IsPersonAccount", "PersonEmail", "PersonContactId", "RecordTypeId"} <= _field_names(
        tenant, "Account"
    )
    types = tenant.sf().query("SELECT Id, Name FROM RecordType WHERE IsPersonType = true")["records"]
    assert [(t["Id"], t["Name"]) for t in types] == [(person_type, "Person Account")]


def test_it_makes_a_person_accounts_contact_and_keeps_it_in_step(tenant: Tenant) -> None:
    person_type = tenant.app.enable_person_accounts(tenant.org_id)
    sf = tenant.sf()

    account = sf.Account.create(
        {
            "RecordTypeId": person_type,
            "FirstName": "Omar",
            "LastName": "Haddad",
            "PersonEmail": "omar@fab.example",
        }
    )["id"]
    sf.Account.update(account, {"PersonTitle": "VP Operations"})

    (row,) = sf.query(f"SELECT Name, IsPersonAccount, PersonContactId FROM Account WHERE Id = '{account}'")[
        "records"
    ]
    (contact,) = sf.query("SELECT Id, Email, Title, AccountId, IsPersonAccount FROM Contact")["records"]
    assert (row["Name"], row["IsPersonAccount"], row["PersonContactId"]) == (
        "Omar Haddad",
        True,
        contact["Id"],
    )
    assert (contact["Email"], contact["Title"], contact["AccountId"]) == (
        "omar@fab.example",
        "VP Operations",
        account,
    )
    assert contact["IsPersonAccount"] is True
    business = sf.Account.create({"Name": "Fabrikam"})["id"]
    assert sf.Account.get(business)["IsPersonAccount"] is False

    sf.Account.delete(account)
    assert sf.query("SELECT Id FROM Contact")["records"] == [], "its Contact goes with it"


def test_it_refuses_a_person_account_without_a_last_name(tenant: Tenant) -> None:
    person_type = tenant.app.enable_person_accounts(tenant.org_id)

    with pytest.raises(SalesforceMalformedRequest) as refused:
        tenant.sf().Account.create({"RecordTypeId": person_type, "FirstName": "Omar"})

    assert refused.value.content[0]["errorCode"] == "REQUIRED_FIELD_MISSING"
