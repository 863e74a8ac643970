"""The Salesforce sandbox, driven through the real simple-salesforce library over TLS."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceMalformedRequest,
    SalesforceMoreThanOneRecord,
    SalesforceRefusedRequest,
    SalesforceResourceNotFound,
)

from sandbox.base import SandboxServer
from sandbox.tls import SandboxCA
from tests.support.sandbox import Tenant, error_body, salesforce_numbers


def _event(
    subject: str = "Call", start: str = "2026-03-02T09:00:00Z", minutes: int = 30, **extra: Any
) -> dict:
    return {"Subject": subject, "StartDateTime": start, "DurationInMinutes": minutes, **extra}


# -- OAuth -------------------------------------------------------------------------------------------
def test_it_grants_tokens_for_refresh_token_and_password(tenant: Tenant) -> None:
    token = tenant.token()
    assert token["instance_url"] == tenant.url
    assert token["token_type"] == "Bearer"
    assert token["id"].endswith(f"/id/{tenant.org_id}/{tenant.user_id}")
    assert {"access_token", "issued_at", "signature", "scope"} <= token.keys()

    by_password = tenant.token_request(
        "password", username=tenant.app.records(tenant.org_id, "User")[0]["Username"], password="pw-123"
    )
    assert by_password.status_code == 200
    sf = Salesforce(
        instance_url=tenant.url,
        session_id=by_password.json()["access_token"],
        session=tenant.session,
        version="62.0",
    )
    assert sf.query("SELECT Id, Name FROM User")["records"][0]["Name"] == "Rita Rep"
    assert tenant.app.requests(tenant=tenant.org_id, kind="api")


def test_it_rejects_bad_grants(tenant: Tenant) -> None:
    url = f"{tenant.url}/services/oauth2/token"
    base = {
        "grant_type": "refresh_token",
        "client_id": tenant.client_id,
        "client_secret": tenant.client_secret,
    }

    def post(**fields: str) -> dict[str, Any]:
        response = tenant.session.post(url, data={**base, **fields})
        assert response.status_code == 400
        return response.json()

    assert post(refresh_token="nope") == {
        "error": "invalid_grant",
        "error_description": "expired access/refresh token",
    }
    assert post(refresh_token=tenant.refresh_token, client_secret="wrong")["error"] == "invalid_client"
    assert post(refresh_token=tenant.refresh_token, client_id="who")["error"] == "invalid_client_id"
    bad_password = post(grant_type="password", username="rep@example.com", password="x")
    assert bad_password == {"error": "invalid_grant", "error_description": "authentication failure"}
    assert post(grant_type="client_magic")["error"] == "unsupported_grant_type"

    tenant.app.revoke_refresh_tokens(tenant.org_id, tenant.user_id)
    assert post(refresh_token=tenant.refresh_token)["error"] == "invalid_grant"


def test_it_expires_access_tokens_but_keeps_refresh_tokens(tenant: Tenant) -> None:
    sf = tenant.sf()
    sf.Event.create(_event())
    tenant.app.expire_tokens(tenant.org_id)
    with pytest.raises(SalesforceExpiredSession) as exc:
        sf.query("SELECT Id FROM Event")
    assert exc.value.content == [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
    assert tenant.sf().query("SELECT Id FROM Event")["totalSize"] == 1


def test_it_rejects_missing_or_unknown_bearer_tokens(tenant: Tenant) -> None:
    response = tenant.session.get(f"{tenant.url}/services/data/v62.0/sobjects/")
    assert response.status_code == 401
    assert response.json()[0]["errorCode"] == "INVALID_SESSION_ID"
    sf = Salesforce(instance_url=tenant.url, session_id="00Dbogus!token", session=tenant.session)
    with pytest.raises(SalesforceExpiredSession):
        sf.describe()


# -- rows --------------------------------------------------------------------------------------------
def test_it_creates_reads_updates_and_deletes_records(tenant: Tenant) -> None:
    sf = tenant.sf()
    created = sf.Contact.create({"FirstName": "Ada", "LastName": "Lovelace", "Email": "ada@example.com"})
    assert created["success"] is True and created["errors"] == []
    contact_id = created["id"]
    assert contact_id.startswith("003") and len(contact_id) == 18

    record = sf.Contact.get(contact_id)
    assert record["attributes"] == {
        "type": "Contact",
        "url": f"/services/data/v62.0/sobjects/Contact/{contact_id}",
    }
    assert record["Name"] == "Ada Lovelace"
    assert record["OwnerId"] == record["CreatedById"] == tenant.user_id
    assert record["CreatedDate"].endswith("+0000") and record["IsDeleted"] is False
    assert sf.Contact.get(contact_id[:15])["Id"] == contact_id

    assert sf.Contact.update(contact_id, {"title": "Countess"}) == 204
    again = sf.restful(f"sobjects/Contact/{contact_id}", params={"fields": "Title,LastModifiedDate"})
    assert set(again) == {"attributes", "Title", "LastModifiedDate"}
    assert again["Title"] == "Countess"
    assert again["LastModifiedDate"] > record["LastModifiedDate"]

    assert sf.Contact.delete(contact_id) == 204
    with pytest.raises(SalesforceResourceNotFound):
        sf.Contact.get(contact_id)
    assert tenant.app.records(tenant.org_id, "Contact") == []
    assert tenant.app.deleted_records(tenant.org_id, "Contact")[0]["Id"] == contact_id


def test_it_upserts_by_external_id(tenant: Tenant) -> None:
    tenant.app.add_field(
        tenant.org_id, "Event", "MailSync_Key__c", "string", 80, external_id=True, unique=True
    )
    sf = tenant.sf()
    first = sf.Event.upsert("MailSync_Key__c/msg-1", _event("Kickoff"), raw_response=True)
    assert first.status_code == 201
    assert first.json()["created"] is True and first.json()["id"].startswith("00U")
    second = sf.Event.upsert("MailSync_Key__c/msg-1", {"Subject": "Kickoff v2"}, raw_response=True)
    assert second.status_code == 200
    assert second.json() == {"id": first.json()["id"], "success": True, "errors": [], "created": False}
    assert sf.Event.get_by_custom_id("MailSync_Key__c", "msg-1")["Subject"] == "Kickoff v2"

    tenant.app.add_field(tenant.org_id, "Event", "Loose_Key__c", "string", 80, external_id=True)
    sf.Event.create(_event(Loose_Key__c="dup"))
    sf.Event.create(_event(Loose_Key__c="dup"))
    with pytest.raises(SalesforceMoreThanOneRecord):
        sf.Event.upsert("Loose_Key__c/dup", {"Subject": "x"})

    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.Event.create(_event(MailSync_Key__c="msg-1"))
    assert error_body(exc)["errorCode"] == "DUPLICATE_VALUE"


@pytest.mark.parametrize(
    ("sobject", "data", "code", "fields"),
    [
        ("Event", _event(Colour="red"), "INVALID_FIELD", []),
        ("Event", _event("x" * 256), "STRING_TOO_LONG", ["Subject"]),
        ("Contact", {"FirstName": "No"}, "REQUIRED_FIELD_MISSING", ["LastName"]),
        ("Event", {"Subject": "no times"}, "REQUIRED_FIELD_MISSING", ["ActivityDateTime"]),
        (
            "Event",
            {"Subject": "no end", "StartDateTime": "2026-01-01T00:00:00Z"},
            "REQUIRED_FIELD_MISSING",
            None,
        ),
        ("Event", _event(ShowAs="Sleeping"), "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", ["ShowAs"]),
        ("Event", _event(start="tomorrow"), "JSON_PARSER_ERROR", []),
        ("Event", _event(WhoId="001000000000000AAA"), "MALFORMED_ID", ["WhoId"]),
        (
            "Event",
            _event(CreatedDate="2026-01-01T00:00:00Z"),
            "INVALID_FIELD_FOR_INSERT_UPDATE",
            ["CreatedDate"],
        ),
    ],
)
def test_it_validates_single_record_writes(
    tenant: Tenant, sobject: str, data: dict, code: str, fields: list[str] | None
) -> None:
    with pytest.raises(SalesforceMalformedRequest) as exc:
        getattr(tenant.sf(), sobject).create(data)
    error = error_body(exc)
    assert error["errorCode"] == code
    if fields is not None:
        assert error["fields"] == fields
    if code == "STRING_TOO_LONG":
        assert error["message"].startswith("Subject: data value too large: xxx")
        assert error["message"].endswith("(max length=255)")
    if code == "REQUIRED_FIELD_MISSING" and sobject == "Contact":
        assert error["message"] == "Required fields are missing: [LastName]"


def test_it_keeps_event_times_consistent_and_applies_defaults(tenant: Tenant) -> None:
    sf = tenant.sf()
    event_id = sf.Event.create(_event(start="2026-03-02T09:00:00+01:00", minutes=45))["id"]
    event = sf.Event.get(event_id)
    assert event["StartDateTime"] == event["ActivityDateTime"] == "2026-03-02T08:00:00.000+0000"
    assert event["EndDateTime"] == "2026-03-02T08:45:00.000+0000"
    assert event["ActivityDate"] == "2026-03-02" and event["ShowAs"] == "Busy"
    sf.Event.update(event_id, {"EndDateTime": "2026-03-02T10:00:00.000+0000"})
    assert sf.Event.get(event_id)["DurationInMinutes"] == 120
    sf.Event.update(event_id, {"StartDateTime": "2026-03-03T08:00:00Z"})
    moved = sf.Event.get(event_id)
    assert (moved["EndDateTime"], moved["DurationInMinutes"]) == ("2026-03-03T10:00:00.000+0000", 120)

    task = sf.Task.get(sf.Task.create({"Subject": "Follow up"})["id"])
    assert (task["Status"], task["Priority"]) == ("Not Started", "Normal")
    lead = sf.Lead.get(sf.Lead.create({"LastName": "Lin", "Company": "Acme"})["id"])
    assert lead["Status"] == "Open - Not Contacted"


# -- collections -------------------------------------------------------------------------------------
def test_it_creates_collections_with_per_item_errors(tenant: Tenant) -> None:
    sf = tenant.sf()
    records = [
        {"attributes": {"type": "Event"}, **_event("ok")},
        {"attributes": {"type": "Event"}, **_event("y" * 300)},
        {"attributes": {"type": "Contact"}, "FirstName": "NoLast"},
        {"attributes": {"type": "Contact"}, "LastName": "Fine"},
    ]
    results = sf.restful("composite/sobjects", method="POST", json={"allOrNone": False, "records": records})
    assert [r["success"] for r in results] == [True, False, False, True]
    assert results[0]["id"].startswith("00U") and results[3]["id"].startswith("003")
    assert results[1]["errors"][0]["statusCode"] == "STRING_TOO_LONG"
    assert results[1]["errors"][0]["fields"] == ["Subject"]
    assert results[2]["errors"] == [
        {"statusCode": "REQUIRED_FIELD_MISSING", "message": "Required fields are missing: [LastName]",
         "fields": ["LastName"]}
    ]  # fmt: skip
    assert len(tenant.app.records(tenant.org_id, "Event")) == 1
    assert len(tenant.api_calls()) == 1  # one collection call is one API call


def test_it_rejects_collections_over_200_records(tenant: Tenant) -> None:
    sf = tenant.sf()
    records = [{"attributes": {"type": "Event"}, **_event(f"e{i}")} for i in range(201)]
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.restful("composite/sobjects", method="POST", json={"records": records})
    assert error_body(exc)["errorCode"] == "EXCEEDED_ID_LIMIT"
    assert "200" in error_body(exc)["message"]
    results = sf.restful("composite/sobjects", method="POST", json={"records": records[:200]})
    assert len(results) == 200 and all(r["success"] for r in results)


def test_it_rolls_back_all_or_none_collections(tenant: Tenant) -> None:
    sf = tenant.sf()
    keep = sf.Event.create(_event("before"))["id"]
    records = [
        {"attributes": {"type": "Event"}, **_event("a")},
        {"attributes": {"type": "Event"}, "Subject": "no times"},
    ]
    results = sf.restful("composite/sobjects", method="POST", json={"allOrNone": True, "records": records})
    assert results[0]["success"] is False
    assert results[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert results[1]["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"
    updates = [
        {"attributes": {"type": "Event"}, "id": keep, "Subject": "changed"},
        {"attributes": {"type": "Event"}, "id": keep, "ShowAs": "Nope"},
    ]
    results = sf.restful("composite/sobjects", method="PATCH", json={"allOrNone": True, "records": updates})
    assert results[0] == {
        "id": keep,
        "success": False,
        "errors": [
            {
                "statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
                "message": "Record rolled back because not all records were valid and the request was using "
                "AllOrNone header",
                "fields": [],
            }
        ],
    }
    assert [r["Subject"] for r in tenant.app.records(tenant.org_id, "Event")] == ["before"]


def test_it_updates_upserts_retrieves_and_deletes_collections(tenant: Tenant) -> None:
    tenant.app.add_field(
        tenant.org_id, "Event", "MailSync_Key__c", "string", 80, external_id=True, unique=True
    )
    sf = tenant.sf()
    upserts = [
        {"attributes": {"type": "Event"}, "MailSync_Key__c": f"k{i}", **_event(f"s{i}")} for i in range(3)
    ]
    first = sf.restful("composite/sobjects/Event/MailSync_Key__c", method="PATCH", json={"records": upserts})
    assert [r["created"] for r in first] == [True, True, True]
    upserts[0]["Subject"] = "renamed"
    second = sf.restful("composite/sobjects/Event/MailSync_Key__c", method="PATCH", json={"records": upserts})
    assert [r["created"] for r in second] == [False, False, False]
    ids = [r["id"] for r in first]

    updates = [{"attributes": {"type": "Event"}, "id": ids[1], "Location": "Room 1"}]
    updates.append({"attributes": {"type": "Event"}, "id": "00U000000000000AAA", "Location": "x"})
    results = sf.restful("composite/sobjects", method="PATCH", json={"allOrNone": False, "records": updates})
    assert results[0] == {"id": ids[1], "success": True, "errors": []}
    assert results[1]["errors"][0]["statusCode"] == "INVALID_CROSS_REFERENCE_KEY"

    fetched = sf.restful(
        "composite/sobjects/Event",
        params={"ids": ",".join([*ids, "00U000000000000AAA"]), "fields": "Subject,Location"},
    )
    assert [f and f["Subject"] for f in fetched] == ["renamed", "s1", "s2", None]
    assert fetched[1]["Location"] == "Room 1"
    posted = sf.restful(
        "composite/sobjects/Event", method="POST", json={"ids": ids[:1], "fields": ["Subject"]}
    )
    assert posted[0]["Subject"] == "renamed"

    deleted = sf.restful("composite/sobjects", method="DELETE", params={"ids": f"{ids[0]},{ids[1]}"})
    assert [d["success"] for d in deleted] == [True, True]
    again = sf.restful("composite/sobjects", method="DELETE", params={"ids": ids[0], "allOrNone": "false"})
    assert again[0]["errors"][0]["statusCode"] == "ENTITY_IS_DELETED"
    assert [r["Id"] for r in tenant.app.records(tenant.org_id, "Event")] == [ids[2]]


# -- query -------------------------------------------------------------------------------------------
def test_it_queries_with_where_order_by_and_limit(tenant: Tenant) -> None:
    sf = tenant.sf()
    for i, (subject, location) in enumerate(
        [("Demo", "HQ"), ("demo call", None), ("Lunch", "Cafe"), ("Retro", "HQ")]
    ):
        sf.Event.create(_event(subject, start=f"2026-03-0{i + 1}T09:00:00Z", Location=location))
    result = sf.query(
        "SELECT Subject, location FROM Event WHERE (Subject LIKE 'demo%' OR Location = 'hq') "
        "AND StartDateTime >= 2026-03-01T00:00:00Z ORDER BY Location DESC NULLS LAST, Subject LIMIT 3"
    )
    assert result["totalSize"] == 3 and result["done"] is True
    assert [(r["Subject"], r["Location"]) for r in result["records"]] == [
        ("Demo", "HQ"),
        ("Retro", "HQ"),
        ("demo call", None),
    ]
    assert result["records"][0]["attributes"]["type"] == "Event"
    assert set(result["records"][0]) == {"attributes", "Subject", "Location"}

    def subjects(soql: str) -> list[str]:
        return [r["Subject"] for r in sf.query(soql)["records"]]

    assert subjects("SELECT Subject FROM Event WHERE Location IN ('Cafe') ORDER BY Subject") == ["Lunch"]
    assert subjects("SELECT Subject FROM Event WHERE NOT Location = null ORDER BY Subject DESC OFFSET 1") == [
        "Lunch",
        "Demo",
    ]
    assert subjects("SELECT Subject FROM Event WHERE Location NOT IN ('HQ','Cafe') AND Subject != 'x'") == [
        "demo call"
    ]
    assert subjects("SELECT Subject FROM Event WHERE ActivityDate = 2026-03-03 AND IsPrivate = false") == [
        "Lunch"
    ]
    assert subjects("SELECT Subject FROM Event WHERE Subject = 'it\\'s' OR DurationInMinutes > 30") == []
    assert sf.query("SELECT COUNT() FROM Event WHERE CreatedDate = TODAY")["totalSize"] == 4


def test_it_follows_parent_relationships_in_queries(tenant: Tenant) -> None:
    sf = tenant.sf()
    account_id = sf.Account.create({"Name": "Acme"})["id"]
    contact_id = sf.Contact.create({"LastName": "Ng", "AccountId": account_id})["id"]
    sf.Event.create(_event(WhoId=contact_id))
    record = sf.query("SELECT Who.Name, Owner.Name FROM Event WHERE Who.Name = 'Ng'")["records"][0]
    assert record["Who"]["Name"] == "Ng" and record["Who"]["attributes"]["type"] == "Contact"
    assert record["Owner"]["Name"] == "Rita Rep"
    assert sf.query("SELECT Account.Name FROM Contact")["records"][0]["Account"]["Name"] == "Acme"


def test_it_pages_large_queries(tenant: Tenant) -> None:
    for i in range(2100):
        tenant.app.create_record(tenant.org_id, "Task", {"Subject": f"t{i:04d}"})
    sf = tenant.sf()
    result = sf.query_all("SELECT Id, Subject FROM Task ORDER BY Subject")
    assert result["totalSize"] == 2100 and len(result["records"]) == 2100
    assert result["records"][-1]["Subject"] == "t2099"
    assert len(tenant.api_calls()) == 2

    first = sf.query("SELECT Id FROM Task", headers={"Sforce-Query-Options": "batchSize=500"})
    assert len(first["records"]) == 500 and first["done"] is False
    assert first["nextRecordsUrl"].startswith("/services/data/v62.0/query/01g")
    assert first["nextRecordsUrl"].endswith("-500")
    more = sf.query_more(first["nextRecordsUrl"], identifier_is_url=True)
    assert len(more["records"]) == 500


def test_it_reports_soql_errors(tenant: Tenant) -> None:
    sf = tenant.sf()
    cases = {
        "SELECT Id FORM Event": "MALFORMED_QUERY",
        "SELECT Foo FROM Event": "INVALID_FIELD",
        "SELECT Id FROM Meeting": "INVALID_TYPE",
        "SELECT Id FROM Event WHERE StartDateTime > '2026-01-01'": "INVALID_FIELD",
    }
    for soql, code in cases.items():
        with pytest.raises(SalesforceMalformedRequest) as exc:
            sf.query(soql)
        assert error_body(exc)["errorCode"] == code, soql
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.query("SELECT Foo FROM Event")
    assert "No such column 'Foo' on entity 'Event'" in error_body(exc)["message"]


def test_it_includes_deleted_rows_in_query_all(tenant: Tenant) -> None:
    sf = tenant.sf()
    gone = sf.Event.create(_event("gone"))["id"]
    sf.Event.create(_event("kept"))
    sf.Event.delete(gone)
    assert sf.query("SELECT Subject FROM Event")["totalSize"] == 1
    rows = sf.query_all("SELECT Id, IsDeleted FROM Event ORDER BY Subject", include_deleted=True)["records"]
    assert [r["IsDeleted"] for r in rows] == [True, False]
    assert rows[0]["Id"] == gone


# -- describe, limits, usage ---------------------------------------------------------------------------
def test_it_describes_objects_and_custom_fields(tenant: Tenant) -> None:
    tenant.app.add_field(
        tenant.org_id, "Event", "MailSync_Key__c", "string", 80, external_id=True, unique=True
    )
    sf = tenant.sf()
    names = {o["name"]: o for o in sf.describe()["sobjects"]}
    assert {
        "Account",
        "Contact",
        "Lead",
        "Opportunity",
        "Event",
        "Task",
        "EventRelation",
        "EmailMessage",
    } <= set(names)
    assert names["Event"]["keyPrefix"] == "00U"
    fields = {f["name"]: f for f in sf.Event.describe()["fields"]}
    assert fields["Subject"]["type"] == "combobox" and fields["Subject"]["length"] == 255
    assert fields["Description"]["length"] == 32000
    assert [v["value"] for v in fields["ShowAs"]["picklistValues"]] == ["Busy", "OutOfOffice", "Free"]
    assert fields["WhoId"]["referenceTo"] == ["Contact", "Lead"]
    key = fields["MailSync_Key__c"]
    assert (key["externalId"], key["unique"], key["length"], key["custom"]) == (True, True, 80, True)
    assert fields["CreatedDate"]["createable"] is False
    assert {f["name"] for f in sf.Lead.describe()["fields"] if not f["nillable"]} >= {"LastName", "Company"}
    other = tenant.app.create_org("Another")  # custom fields belong to one org
    user = tenant.app.create_user(
        other["id"], f"a{next(salesforce_numbers)}@example.com", "a@example.com", "Al Another"
    )
    token = tenant.app.issue_access_token(other["id"], user["id"])
    other_sf = Salesforce(instance_url=tenant.url, session_id=token, session=tenant.session)
    assert "MailSync_Key__c" not in {f["name"] for f in other_sf.Event.describe()["fields"]}


def test_it_reports_and_enforces_api_usage(tenant: Tenant) -> None:
    sf = tenant.sf()
    response = sf.restful("limits/")
    assert response["DailyApiRequests"]["Max"] == 100_000
    raw = tenant.session.get(
        f"{tenant.url}/services/data/v62.0/sobjects/", headers={"Authorization": f"Bearer {sf.session_id}"}
    )
    assert raw.headers["Sforce-Limit-Info"] == "api-usage=2/100000"
    tenant.app.set_api_limit(tenant.org_id, 3)
    sf.describe()
    assert sf.api_usage["api-usage"].used == 3
    with pytest.raises(SalesforceRefusedRequest) as exc:
        sf.describe()
    assert error_body(exc) == {
        "message": "TotalRequests Limit exceeded.",
        "errorCode": "REQUEST_LIMIT_EXCEEDED",
    }


def test_it_logs_requests_per_tenant(
    tenant: Tenant, salesforce_server: SandboxServer, sandbox_ca: SandboxCA
) -> None:
    other = tenant.app.create_org("Other")
    user = tenant.app.create_user(
        other["id"], f"o{next(salesforce_numbers)}@example.com", "o@example.com", "Oz Other"
    )
    other_sf = Salesforce(
        instance_url=tenant.url,
        session_id=tenant.app.issue_access_token(other["id"], user["id"]),
        session=tenant.session,
    )
    sf = tenant.sf()
    sf.query("SELECT Id FROM Event")
    sf.Event.create(_event())
    other_sf.query("SELECT Id FROM Event")
    assert [e["path"].rsplit("/", 2)[-2] for e in tenant.api_calls()] == ["query", "Event"]
    assert len(tenant.app.requests(tenant=other["id"], kind="api")) == 1
    assert (
        len(tenant.app.requests(tenant=tenant.org_id, kind="token")) == 0
    )  # token calls come before a tenant
    assert tenant.app.requests(kind="token")[-1]["path"] == "/services/oauth2/token"


def test_it_answers_injected_faults_in_salesforce_shape(tenant: Tenant) -> None:
    sf = tenant.sf()
    tenant.app.add_fault(status=503, retry_after=7, path=r"/query")
    raw = tenant.session.get(
        f"{tenant.url}/services/data/v62.0/query/",
        params={"q": "SELECT Id FROM Event"},
        headers={"Authorization": f"Bearer {sf.session_id}"},
    )
    assert raw.status_code == 503 and raw.headers["Retry-After"] == "7"
    assert raw.json()[0]["errorCode"] == "SERVER_UNAVAILABLE"
    tenant.app.add_fault(status=500, path=r"/sobjects/Event")
    with pytest.raises(SalesforceGeneralError) as exc:
        sf.Event.create(_event())
    assert error_body(exc)["errorCode"] == "UNKNOWN_EXCEPTION"
    assert sf.Event.create(_event())["success"] is True  # the fault was used up
    statuses = [e["status"] for e in tenant.api_calls()]
    assert statuses == [503, 500, 201]


# -- replication ---------------------------------------------------------------------------------------
def test_it_lists_updated_and_deleted_records(tenant: Tenant) -> None:
    sf = tenant.sf()
    start = datetime.now(UTC) - timedelta(minutes=1)
    a = sf.Event.create(_event("a"))["id"]
    b = sf.Event.create(_event("b"))["id"]
    sf.Event.delete(a)
    end = datetime.now(UTC) + timedelta(minutes=1)
    updated = sf.Event.updated(start, end)
    assert updated["ids"] == [b] and "latestDateCovered" in updated
    deleted = sf.Event.deleted(start, end)
    assert [d["id"] for d in deleted["deletedRecords"]] == [a]
    assert deleted["deletedRecords"][0]["deletedDate"].endswith("+0000")
    assert {"earliestDateAvailable", "latestDateCovered"} <= deleted.keys()
    assert sf.Event.updated(end, end + timedelta(minutes=1))["ids"] == []

    stamps = [r["SystemModstamp"] for r in tenant.app.records(tenant.org_id, "Event")]
    sf.Event.update(b, {"Subject": "b2"})
    assert tenant.app.records(tenant.org_id, "Event")[0]["SystemModstamp"] > stamps[0]


def test_it_serves_control_endpoints(salesforce_server: SandboxServer, sandbox_ca: SandboxCA) -> None:
    session = requests.Session()
    session.trust_env = False
    session.verify = str(sandbox_ca.ca_path)
    base = f"{salesforce_server.url}/_sandbox"
    n = next(salesforce_numbers)
    assert session.post(f"{base}/clients", json={"client_id": f"c{n}", "client_secret": "x"}).ok
    org = session.post(f"{base}/orgs", json={"name": "Via HTTP"}).json()
    assert org["id"].startswith("00D")
    user = session.post(
        f"{base}/orgs/{org['id']}/users",
        json={"username": f"h{n}@example.com", "email": "h@example.com", "name": "H"},
    ).json()
    assert user["id"].startswith("005")
    refresh = session.post(
        f"{base}/orgs/{org['id']}/users/{user['id']}/refresh-token", json={"client_id": f"c{n}"}
    )
    field = {"sobject": "Event", "name": "Key__c", "type": "string", "length": 40, "external_id": True}
    assert session.post(f"{base}/orgs/{org['id']}/fields", json=field).json()["externalId"] is True
    assert session.post(f"{base}/orgs/{org['id']}/api-limit", json={"max_calls": 5}).ok
    token = session.post(
        f"{salesforce_server.url}/services/oauth2/token",
        data={
            "grant_type": "refresh_token",
            "client_id": f"c{n}",
            "client_secret": "x",
            "refresh_token": refresh.json()["refresh_token"],
        },
    ).json()
    sf = Salesforce(instance_url=token["instance_url"], session_id=token["access_token"], session=session)
    events = sf.Event
    events.create(_event(Key__c="k"))
    assert events.api_usage["api-usage"].total == 5
    assert session.post(f"{base}/expire-tokens", json={"org_id": org["id"]}).json() == {"expired": 1}
    with pytest.raises(SalesforceExpiredSession):
        sf.Event.create(_event())
    assert session.get(f"{base}/orgs/{org['id']}/records/Event").json()["records"][0]["Key__c"] == "k"


def test_it_serves_identity_and_revokes_tokens(tenant: Tenant) -> None:
    token = tenant.token()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    identity = tenant.session.get(token["id"], headers=headers).json()
    assert (identity["user_id"], identity["organization_id"]) == (tenant.user_id, tenant.org_id)
    assert identity["display_name"] == "Rita Rep"
    userinfo = tenant.session.get(f"{tenant.url}/services/oauth2/userinfo", headers=headers).json()
    assert userinfo["preferred_username"].startswith("rep")

    revoked = tenant.session.post(
        f"{tenant.url}/services/oauth2/revoke", data={"token": tenant.refresh_token}
    )
    assert revoked.status_code == 200
    assert tenant.session.get(token["id"], headers=headers).status_code == 401
    refused = tenant.token_request("refresh_token", refresh_token=tenant.refresh_token)
    assert refused.json()["error"] == "invalid_grant"


def test_it_types_soql_literals_strictly_like_salesforce(tenant: Tenant) -> None:
    """A literal's form must fit its field's type: a quoted date on a date field, an unquoted date on
    a text field or a date on a date/time field is refused, as Salesforce refuses them."""
    sf = tenant.sf()
    refused = [
        "SELECT Id FROM Event WHERE Subject = 2030-01-15",
        "SELECT Id FROM Event WHERE ActivityDate = '2030-01-15'",
        "SELECT Id FROM Event WHERE StartDateTime = 2030-01-15",
        "SELECT Id FROM Event WHERE ActivityDate = 2030-01-15T10:00:00Z",
        "SELECT Id FROM Event WHERE IsPrivate = 'true'",
        "SELECT Id FROM Event WHERE DurationInMinutes = '30'",
        "SELECT Id FROM Event WHERE Subject IN ('a', 2030-01-15)",
    ]
    for soql in refused:
        with pytest.raises(SalesforceMalformedRequest) as exc:
            sf.query(soql)
        assert error_body(exc)["errorCode"] == "INVALID_FIELD", soql
    sf.Event.create(
        {"Subject": "2030-01-15", "StartDateTime": "2030-01-15T10:00:00Z", "DurationInMinutes": 30}
    )
    accepted = [
        "SELECT Id FROM Event WHERE Subject = '2030-01-15'",
        "SELECT Id FROM Event WHERE ActivityDate = 2030-01-15",
        "SELECT Id FROM Event WHERE StartDateTime = 2030-01-15T10:00:00Z",
    ]
    for soql in accepted:
        assert sf.query(soql)["totalSize"] == 1, soql


def test_it_describes_which_fields_a_new_record_needs_as_salesforce_does(tenant: Tenant) -> None:
    """Required on create = createable, not nillable, not defaultedOnCreate (the mapping check reads it)."""
    sf = tenant.sf()
    tenant.app.add_field(
        tenant.org_id, "Task", "Tier__c", "picklist", required=True, picklist_values=["A", "B"], default="B"
    )
    tenant.app.add_field(tenant.org_id, "Task", "Region__c", "string", length=40, required=True)

    def flags(sobject: str) -> dict[str, tuple[bool, bool, bool]]:
        fields = getattr(sf, sobject).describe()["fields"]
        return {f["name"]: (f["createable"], f["nillable"], f["defaultedOnCreate"]) for f in fields}

    task, event, contact = flags("Task"), flags("Event"), flags("Contact")
    assert task["Status"] == task["Priority"] == (True, False, True)  # picklist defaults
    assert task["Tier__c"] == (True, False, True) and task["Region__c"] == (True, False, False)
    assert task["OwnerId"] == (True, False, True) and task["Id"] == (False, False, False)
    assert contact["LastName"] == (True, False, False)
    assert event["IsAllDayEvent"] == (True, False, True)  # a checkbox is never null
    assert event["StartDateTime"][1] and event["DurationInMinutes"][1]  # required only by the times rule
    # Salesforce fills the defaulted field in, and refuses a record without the other one.
    with pytest.raises(SalesforceMalformedRequest) as missing:
        sf.Task.create({"Subject": "Call"})
    assert (
        error_body(missing)["errorCode"] == "REQUIRED_FIELD_MISSING"
        and "Region__c" in error_body(missing)["message"]
    )
    made = sf.Task.create({"Subject": "Call", "Region__c": "EMEA"})
    assert sf.Task.get(made["id"])["Tier__c"] == "B"
