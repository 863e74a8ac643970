"""The contract every mail connector keeps, for every provider and stream (see README.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from importlib import import_module
from typing import Any

import pytest

from connectors.base import ConnectorError
from syncengine.core.records import CreateIntent
from tests.connectors.contract.sides import PROVIDERS, STREAMS, MailSide, edit, sample

pytestmark = pytest.mark.django_db


@pytest.fixture(params=sorted(PROVIDERS))
def side(request: pytest.FixtureRequest) -> MailSide:
    return import_module(PROVIDERS[request.param]).make_side(request)


def read(side: MailSide, connector: Any, stream: str, cursor: str = "") -> Any:
    window = side.window if stream == "events" else None
    return connector.read_changes(stream=stream, cursor=cursor, window=window)


def supported(side: MailSide, stream: str) -> bool:
    """A provider that cannot sync a stream says so with an error, never with an empty read."""
    if stream in side.streams:
        return True
    with pytest.raises(ConnectorError) as refused:
        read(side, side.connector(), stream)
    assert refused.value.code == "UNSUPPORTED_STREAM"
    assert refused.value.permanent
    return False


def subset(values: dict[str, Any], expected: dict[str, Any]) -> dict[str, Any]:
    return {key: values.get(key) for key in expected}


def connector_after_a_read(side: MailSide, stream: str) -> Any:
    """A connector that has read the stream once: a session always reads before it writes."""
    connector = side.connector()
    read(side, connector, stream)
    return connector


def made_and_read(side: MailSide, stream: str) -> tuple[str, str]:
    """The user makes a sample item, then a first read: the item's id and the read's cursor."""
    made = side.user_create(stream, sample(stream))
    return made, read(side, side.connector(), stream).next_cursor


@pytest.mark.parametrize("stream", STREAMS)
def test_it_reads_what_the_user_made_as_neutral_values(side: MailSide, stream: str):
    if not supported(side, stream):
        return
    made = side.user_create(stream, sample(stream))

    first = read(side, side.connector(), stream)

    assert first.full is True
    found = {change.id: change for change in first.changes}
    assert made in found
    assert subset(dict(found[made].values), sample(stream)) == sample(stream)
    assert found[made].version, "every item carries a version marker"
    assert found[made].label


@pytest.mark.parametrize("stream", STREAMS)
def test_it_reads_nothing_and_makes_one_call_when_nothing_changed(side: MailSide, stream: str):
    if not supported(side, stream):
        return
    _, cursor = made_and_read(side, stream)
    connector = side.connector()

    quiet = read(side, connector, stream, cursor)

    assert quiet.changes == []
    assert quiet.full is False
    assert connector.calls == 1


@pytest.mark.parametrize("stream", STREAMS)
def test_it_reads_only_the_users_edit_after_the_cursor(side: MailSide, stream: str):
    if not supported(side, stream):
        return
    edited = side.user_create(stream, sample(stream, 1))
    side.user_create(stream, sample(stream, 2))
    cursor = read(side, side.connector(), stream).next_cursor

    side.user_update(stream, edited, edit(stream))
    changes = read(side, side.connector(), stream, cursor)

    assert [change.id for change in changes.changes] == [edited]
    assert subset(dict(changes.changes[0].values), edit(stream)) == edit(stream)


@pytest.mark.parametrize("stream", STREAMS)
def test_it_reports_the_users_deletion(side: MailSide, stream: str):
    if not supported(side, stream):
        return
    gone, cursor = made_and_read(side, stream)

    side.user_delete(stream, gone)
    changes = read(side, side.connector(), stream, cursor)

    reported = {change.id: change for change in changes.changes}
    assert gone in reported
    assert reported[gone].removed or reported[gone].deleted
    assert side.connector().exists(stream=stream, ids=[gone]) == {gone: False}


@pytest.mark.parametrize("stream", STREAMS)
def test_it_writes_items_and_reads_them_back_unchanged(side: MailSide, stream: str):
    if not supported(side, stream):
        return
    connector = connector_after_a_read(side, stream)
    items = [sample(stream, n) for n in range(1, 4)]

    created = connector.create(stream=stream, items=items)
    assert all(result.ok and result.id for result in created), created
    ids = [result.id for result in created]
    updated = connector.update(stream=stream, items=[(ids[0], edit(stream))])
    assert updated[0].ok, updated
    deleted = connector.delete(stream=stream, ids=[ids[2]])
    assert deleted[0].ok, deleted

    after = {change.id: change for change in read(side, side.connector(), stream).changes}
    assert subset(dict(after[ids[0]].values), edit(stream)) == edit(stream)
    assert subset(dict(after[ids[1]].values), items[1]) == items[1]
    assert ids[2] not in after or after[ids[2]].removed or after[ids[2]].deleted
    assert side.connector().exists(stream=stream, ids=ids) == {ids[0]: True, ids[1]: True, ids[2]: False}


@pytest.mark.parametrize("stream", STREAMS)
def test_it_reads_in_full_when_the_provider_refuses_the_cursor(side: MailSide, stream: str):
    if not supported(side, stream):
        return
    kept, cursor = made_and_read(side, stream)

    side.invalidate_cursors()
    again = read(side, side.connector(), stream, cursor)

    assert again.full is True
    assert kept in {change.id for change in again.changes}


@pytest.mark.parametrize("stream", STREAMS)
def test_it_writes_many_items_in_a_few_calls(side: MailSide, stream: str):
    if not supported(side, stream):
        return
    connector = connector_after_a_read(side, stream)
    before = connector.calls

    results = connector.create(stream=stream, items=[sample(stream, n) for n in range(45)])

    assert all(result.ok for result in results)
    assert connector.calls - before <= 3, "writes are batched, never one call per item"


def test_it_refuses_a_stream_no_provider_has(side: MailSide):
    with pytest.raises(ConnectorError) as refused:
        side.connector().read_changes(stream="carrier-pigeons", cursor="", window=None)
    assert refused.value.code == "UNSUPPORTED_STREAM"


@pytest.mark.parametrize("stream", STREAMS)
def test_it_finds_the_items_it_created_by_their_sync_keys_in_one_batched_lookup(side: MailSide, stream: str):
    if not supported(side, stream):
        return
    connector = connector_after_a_read(side, stream)
    since = datetime.now(UTC) - timedelta(seconds=5)
    items = [sample(stream, n) for n in range(1, 4)]
    side.user_create(stream, sample(stream, 9))  # the user's own item: never an answer
    made = connector.create(stream=stream, items=items, sync_keys=["key-1", "key-2", "key-3"])
    assert all(result.ok for result in made), made
    intents = [
        CreateIntent("key-1", items[0], since),
        CreateIntent("key-3", items[2], since),
        CreateIntent("key-never-made", sample(stream, 7), since),
    ]
    finder = side.connector()

    found = finder.find_created(stream=stream, intents=intents)

    assert {key: change.id for key, change in found.items()} == {"key-1": made[0].id, "key-3": made[2].id}
    assert subset(dict(found["key-1"].values), items[0]) == items[0], "found as a read reports it"
    assert finder.calls <= 3, "one batched lookup, never one call per item"
    again = finder.find_created(stream=stream, intents=intents, paired={made[0].id})
    assert set(again) == {"key-3"}, "an item already paired is never an answer"


@pytest.mark.parametrize("stream", STREAMS)
def test_it_reads_stamped_items_with_the_same_values_as_unstamped_ones(side: MailSide, stream: str):
    if not supported(side, stream):
        return
    connector = side.connector()
    cursor = read(side, connector, stream).next_cursor
    plain, stamped = connector.create(stream=stream, items=[sample(stream, 1)] * 2, sync_keys=["", "key-1"])

    changes = {c.id: c for c in read(side, side.connector(), stream, cursor).changes}

    assert dict(changes[plain.id].values) == dict(changes[stamped.id].values)
