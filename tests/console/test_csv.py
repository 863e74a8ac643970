"""CSV downloads are safe to open in a spreadsheet: what anyone could type is never a formula."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from console.csv_export import safe_cell
from syncengine.models import SyncIssue
from tests.support.people import Person


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x")', "+1+1", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_it_keeps_a_cell_that_would_be_a_formula_as_text(text: str):
    assert safe_cell(text) == "'" + text


def test_it_leaves_ordinary_cells_alone():
    assert [safe_cell(v) for v in ("Quarterly review", 3, None, "a=b")] == [
        "Quarterly review",
        "3",
        "",
        "a=b",
    ]


@pytest.mark.django_db
def test_it_exports_the_filtered_issues_as_csv(person: Person, org_admin: Client):
    for code, label in (("UNABLE_TO_LOCK_ROW", "=cmd|' /C calc'!A0"), ("FIELD_INTEGRITY", "Other")):
        SyncIssue.objects.create(
            mailbox=person.mailbox, stream="events", code=code, message="m", item_label=label
        )

    response = org_admin.get(
        reverse("console:issues", args=[person.organization.pk]),
        {"code": "UNABLE_TO_LOCK_ROW", "format": "csv"},
    )

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert response["Content-Type"].startswith("text/csv")
    assert [r[3] for r in rows[1:]] == ["'=cmd|' /C calc'!A0"]


@pytest.mark.django_db
def test_it_exports_people_with_each_mailboxs_health(person: Person, org_admin: Client):
    response = org_admin.get(reverse("console:people", args=[person.organization.pk]), {"format": "csv"})

    lines = list(csv.DictReader(io.StringIO(response.content.decode())))
    by_user = {line["username"]: line for line in lines}
    assert by_user[person.user.username]["mailbox"] == person.mailbox.address
    assert by_user[person.user.username]["health"] == "Never synced"
    assert by_user["olga"]["mailbox"] == ""  # the admin has no mailbox: listed all the same
