"""The Salesforce sandbox's email, file, case and conversion objects, through simple-salesforce over TLS."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

import pytest
from simple_salesforce.exceptions import SalesforceError, SalesforceMalformedRequest

from tests.support.sandbox import Tenant, error_body

KEY = "MailSync_Key__c"


def _email(**extra: Any) -> dict[str, Any]:
    return {
        "Subject": "Renewal",
        "TextBody": "Hello",
        "FromAddress": "ann@acme.example",
        "FromName": "Ann",
        "ToAddress": "rep@example.com",
        "MessageDate": "2026-11-20T10:00:00Z",
        "Incoming": True,
        "MessageIdentifier": "<m1@acme.example>",
        **extra,
    }


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_it_stores_email_messages_and_refuses_edits_once_sent(tenant: Tenant) -> None:
    tenant.app.add_field(
        tenant.org_id, "EmailMessage", KEY, "string", length=80, external_id=True, unique=True
    )
    sf = tenant.sf()
    account = sf.Account.create({"Name": "Acme"})["id"]

    created = sf.EmailMessage.upsert(f"{KEY}/k1", _email(RelatedToId=account, Status="3"))
    assert created == 201
    row = sf.query(
        "SELECT Id, Subject, Status, Incoming, HasAttachment, RelatedToId FROM EmailMessage "
        f"WHERE {KEY} = 'k1'"
    )
    email = row["records"][0]
    assert (email["Subject"], email["Status"], email["Incoming"], email["HasAttachment"]) == (
        "Renewal", "3", True, False
    )  # fmt: skip
    assert email["RelatedToId"] == account

    # A sent email keeps its content: only IsExternallyVisible and custom fields may change.
    with pytest.raises(SalesforceMalformedRequest) as refused:
        sf.EmailMessage.upsert(f"{KEY}/k1", {"Subject": "Changed"})
    assert error_body(refused)["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    assert sf.EmailMessage.upsert(f"{KEY}/k1", {"IsExternallyVisible": True}) == 200
    assert sf.EmailMessage.get(email["Id"])["Subject"] == "Renewal"

    draft = sf.EmailMessage.create(_email(Status="5"))["id"]
    sf.EmailMessage.update(draft, {"Subject": "Draft v2"})
    assert sf.EmailMessage.get(draft)["Subject"] == "Draft v2"

    with pytest.raises(SalesforceMalformedRequest) as bad_status:
        sf.EmailMessage.create(_email(Status="Sent"))
    assert error_body(bad_status)["errorCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    with pytest.raises(SalesforceMalformedRequest) as read_only:
        sf.EmailMessage.create(_email(HasAttachment=True))
    assert error_body(read_only)["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"


def test_it_relates_emails_to_people_and_fills_their_address(tenant: Tenant) -> None:
    sf = tenant.sf()
    contact = sf.Contact.create({"LastName": "Lee", "Email": "ann@acme.example"})["id"]
    email = sf.EmailMessage.create(_email())["id"]

    by_id = sf.EmailMessageRelation.create(
        {"EmailMessageId": email, "RelationId": contact, "RelationType": "FromAddress"}
    )["id"]
    by_address = sf.EmailMessageRelation.create(
        {"EmailMessageId": email, "RelationAddress": "someone@else.example", "RelationType": "CcAddress"}
    )["id"]

    rows = {
        r["Id"]: r
        for r in sf.query(
            "SELECT Id, RelationId, RelationAddress, RelationObjectType, RelationType, EmailMessage.Subject "
            f"FROM EmailMessageRelation WHERE EmailMessageId = '{email}'"
        )["records"]
    }
    assert rows[by_id]["RelationAddress"] == "ann@acme.example"
    assert rows[by_id]["RelationObjectType"] == "Contact"
    assert rows[by_id]["EmailMessage"]["Subject"] == "Renewal"
    assert rows[by_address]["RelationId"] is None

    with pytest.raises(SalesforceMalformedRequest) as neither:
        sf.EmailMessageRelation.create({"EmailMessageId": email, "RelationType": "ToAddress"})
    assert error_body(neither)["errorCode"] == "REQUIRED_FIELD_MISSING"
    with pytest.raises(SalesforceMalformedRequest) as bad_type:
        sf.EmailMessageRelation.create({"EmailMessageId": email, "RelationId": contact, "RelationType": "To"})
    assert error_body(bad_type)["errorCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"

    sf.EmailMessage.delete(email)  # relations go with their email
    assert sf.query("SELECT COUNT() FROM EmailMessageRelation")["totalSize"] == 0


def test_it_turns_a_content_version_into_a_shared_file(tenant: Tenant) -> None:
    sf = tenant.sf()
    email = sf.EmailMessage.create(_email())["id"]
    content = b"%PDF-1.7 quote"

    version_id = sf.ContentVersion.create(
        {"PathOnClient": "Quote Q4.pdf", "VersionData": _b64(content), "FirstPublishLocationId": email}
    )["id"]

    version = sf.ContentVersion.get(version_id)
    assert version["Title"] == "Quote Q4"
    assert (version["ContentSize"], version["FileExtension"], version["IsLatest"]) == (
        len(content),
        "pdf",
        True,
    )
    assert version["VersionData"] == f"/services/data/v62.0/sobjects/ContentVersion/{version_id}/VersionData"
    links = sf.query(
        "SELECT ContentDocumentId, LinkedEntityId, ShareType, Visibility, ContentDocument.Title "
        f"FROM ContentDocumentLink WHERE LinkedEntityId = '{email}'"
    )["records"]
    assert len(links) == 1
    assert links[0]["ContentDocumentId"] == version["ContentDocumentId"]
    assert links[0]["ContentDocument"]["Title"] == "Quote Q4"
    assert (links[0]["ShareType"], links[0]["Visibility"]) == ("V", "AllUsers")
    owner_link = sf.query(
        f"SELECT ShareType FROM ContentDocumentLink WHERE LinkedEntityId = '{tenant.user_id}'"
    )["records"]
    assert [r["ShareType"] for r in owner_link] == ["I"]
    blob = tenant.session.get(
        f"{tenant.url}{version['VersionData']}", headers={"Authorization": f"Bearer {sf.session_id}"}
    )
    assert blob.status_code == 200 and blob.content == content

    with pytest.raises(SalesforceMalformedRequest) as unfiltered:
        sf.query("SELECT Id FROM ContentDocumentLink")
    assert "Implementation restriction" in error_body(unfiltered)["message"]
    with pytest.raises(SalesforceMalformedRequest) as bad_data:
        sf.ContentVersion.create({"PathOnClient": "a.txt", "VersionData": "not base64!"})
    assert error_body(bad_data)["errorCode"] == "JSON_PARSER_ERROR"
    with pytest.raises(SalesforceMalformedRequest) as no_path:
        sf.ContentVersion.create({"Title": "x", "VersionData": _b64(b"x")})
    assert error_body(no_path)["errorCode"] == "REQUIRED_FIELD_MISSING"


def test_it_uploads_files_in_a_collection(tenant: Tenant) -> None:
    sf = tenant.sf()
    email = sf.EmailMessage.create(_email())["id"]
    records = [
        {
            "attributes": {"type": "ContentVersion"},
            "PathOnClient": f"f{i}.txt",
            "VersionData": _b64(f"file {i}".encode()),
            "FirstPublishLocationId": email,
        }
        for i in range(3)
    ]
    results = sf.restful("composite/sobjects", method="POST", json={"allOrNone": False, "records": records})
    assert all(r["success"] for r in results)
    docs = sf.query(f"SELECT ContentDocumentId FROM ContentDocumentLink WHERE LinkedEntityId = '{email}'")
    assert docs["totalSize"] == 3


def test_it_numbers_cases_and_follows_their_status(tenant: Tenant) -> None:
    sf = tenant.sf()
    first = sf.Case.create({"Subject": "Broken"})["id"]
    second = sf.Case.create({"Subject": "Also broken", "Status": "Working"})["id"]

    one, two = sf.Case.get(first), sf.Case.get(second)
    assert one["CaseNumber"] == "00001001" and two["CaseNumber"] == "00001002"
    assert (one["Status"], one["IsClosed"], one["ClosedDate"]) == ("New", False, None)
    sf.Case.update(first, {"Status": "Closed"})
    closed = sf.Case.get(first)
    assert closed["IsClosed"] is True and closed["ClosedDate"]
    with pytest.raises(SalesforceMalformedRequest) as read_only:
        sf.Case.update(first, {"CaseNumber": "1"})
    assert error_body(read_only)["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    found = sf.query("SELECT Id FROM Case WHERE CaseNumber IN ('00001002', '00009999')")["records"]
    assert [r["Id"] for r in found] == [second]


def test_it_derives_opportunity_state_from_the_stage(tenant: Tenant) -> None:
    sf = tenant.sf()
    account = sf.Account.create({"Name": "Acme", "Website": "https://www.acme.example"})["id"]
    base = {"AccountId": account, "CloseDate": "2026-12-31"}
    won = sf.Opportunity.create({"Name": "Won", "StageName": "Closed Won", **base})["id"]
    lost = sf.Opportunity.create({"Name": "Lost", "StageName": "Closed Lost", **base})["id"]
    open_ = sf.Opportunity.create({"Name": "Open", "StageName": "Prospecting", **base})["id"]

    rows = sf.query(
        "SELECT Id, IsClosed, IsWon, Account.Website FROM Opportunity "
        f"WHERE OwnerId = '{tenant.user_id}' AND AccountId IN ('{account}') ORDER BY LastModifiedDate DESC"
    )["records"]
    state = {r["Id"]: (r["IsClosed"], r["IsWon"]) for r in rows}
    assert state == {won: (True, True), lost: (True, False), open_: (False, False)}
    assert [r["Id"] for r in rows] == [open_, lost, won]
    assert rows[0]["Account"]["Website"] == "https://www.acme.example"
    by_domain = sf.query("SELECT Id FROM Account WHERE Website LIKE '%acme.example%'")["records"]
    assert [r["Id"] for r in by_domain] == [account]


def test_it_converts_leads_and_tags_email_tasks(tenant: Tenant) -> None:
    sf = tenant.sf()
    lead = sf.Lead.create({"LastName": "Ng", "Company": "Beta", "Email": "ng@beta.example"})["id"]
    account = sf.Account.create({"Name": "Beta"})["id"]
    contact = sf.Contact.create({"LastName": "Ng", "Email": "ng@beta.example", "AccountId": account})["id"]

    tenant.app.convert_lead(tenant.org_id, lead, contact, account)

    row = sf.Lead.get(lead)
    assert (row["IsConverted"], row["ConvertedContactId"], row["Status"]) == (
        True,
        contact,
        "Closed - Converted",
    )
    assert sf.query("SELECT COUNT() FROM Lead WHERE IsConverted = false")["totalSize"] == 0
    with pytest.raises(SalesforceMalformedRequest):
        sf.Lead.update(lead, {"ConvertedContactId": contact})

    task = sf.Task.create(
        {"Subject": "Email: Hi", "Status": "Completed", "TaskSubtype": "Email", "WhoId": contact}
    )
    assert sf.Task.get(task["id"])["TaskSubtype"] == "Email"
    with pytest.raises(SalesforceMalformedRequest) as fixed:
        sf.Task.update(task["id"], {"TaskSubtype": "Call"})
    assert error_body(fixed)["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"


def test_it_refuses_query_uris_over_the_limit(tenant: Tenant) -> None:
    sf = tenant.sf()
    addresses = ", ".join(f"'person{i}@some-long-domain.example'" for i in range(600))
    with pytest.raises(SalesforceError) as too_long:
        sf.query(f"SELECT Id FROM Contact WHERE Email IN ({addresses})")
    assert too_long.value.status == 414
    assert sf.query("SELECT Id FROM Contact WHERE Email IN ('a@b.example')")["totalSize"] == 0
    assert datetime.now(UTC)  # the clock is real: stamps above came from it


def test_it_pages_queries_of_long_text_fields_by_200(tenant: Tenant) -> None:
    sf = tenant.sf()
    records = [{"attributes": {"type": "EmailMessage"}, **_email(Subject=f"m{i}")} for i in range(200)]
    for _ in range(2):
        sf.restful("composite/sobjects", method="POST", json={"allOrNone": True, "records": records})

    page = sf.query("SELECT Id, TextBody, HtmlBody FROM EmailMessage")
    assert (page["totalSize"], len(page["records"]), page["done"]) == (400, 200, False)
    assert len(sf.query("SELECT Id, TextBody FROM EmailMessage")["records"]) == 400
    assert len(sf.query_all("SELECT Id, TextBody, HtmlBody FROM EmailMessage")["records"]) == 400
