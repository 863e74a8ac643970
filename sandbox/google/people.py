"""People v1: the user's contacts (connections), contact groups, sync tokens and deleted people."""

from __future__ import annotations

import copy
import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sandbox.base import HttpError, Request, Response, json_response
from sandbox.google.accounts import User
from sandbox.google.errors import bad_request, error_body, google_error, json_body, not_found
from sandbox.google.listing import paged
from sandbox.google.sync import SyncState, Tokens, page_size
from sandbox.google.times import now, stamp

COLLECTION = "people:connections"
PERSON_FIELDS = (
    "addresses",
    "biographies",
    "birthdays",
    "clientData",
    "emailAddresses",
    "memberships",
    "names",
    "nicknames",
    "organizations",
    "phoneNumbers",
    "relations",
    "urls",
    "userDefined",
)
READ_ONLY_FIELDS = ("metadata", "photos", "coverPhotos")
MY_CONTACTS = "contactGroups/myContacts"


def _name_part(person: Any, part: str) -> str:
    names = person.fields.get("names") or [{}]
    return str(names[0].get(part) or "").casefold()


# connections.list sortOrder: the contacts in the order each names (by last change: its sequence).
SORT_ORDERS: dict[str, Any] = {
    "LAST_MODIFIED_ASCENDING": lambda people: sorted(people, key=lambda p: p.seq),
    "LAST_MODIFIED_DESCENDING": lambda people: sorted(people, key=lambda p: -p.seq),
    "FIRST_NAME_ASCENDING": lambda people: sorted(people, key=lambda p: (_name_part(p, "givenName"), p.seq)),
    "LAST_NAME_ASCENDING": lambda people: sorted(people, key=lambda p: (_name_part(p, "familyName"), p.seq)),
}
SYSTEM_GROUPS = {"myContacts": "myContacts", "starred": "starred"}


@dataclass
class Person:
    id: str
    owner: str
    fields: dict[str, Any]
    groups: list[str] = field(default_factory=lambda: [MY_CONTACTS])
    deleted: bool = False
    etag: str = ""
    updated: datetime = field(default_factory=now)
    seq: int = 0


@dataclass
class Group:
    id: str
    owner: str
    name: str
    system: bool = False
    seq: int = 0


def _mask(raw: str, name: str, required: bool = True) -> list[str]:
    paths = [p.strip() for p in raw.split(",") if p.strip()]
    if not paths:
        if not required:
            return list(PERSON_FIELDS)
        raise bad_request(
            f"{name} mask is required. Please specify one or more valid paths. Valid paths are documented at "
            "https://developers.google.com/people/api/rest/v1/people/get."
        )
    for path in paths:
        if path not in PERSON_FIELDS and path not in READ_ONLY_FIELDS:
            raise bad_request(
                f'Invalid {name} mask path: "{path}". Valid paths are documented at '
                "https://developers.google.com/people/api/rest/v1/people/get."
            )
    return paths


class PeopleStore:
    def __init__(self, tokens: Tokens) -> None:
        self.tokens = tokens
        self.people: dict[str, Person] = {}
        self.groups: dict[str, Group] = {}

    def of(self, user: User) -> list[Person]:
        return sorted((p for p in self.people.values() if p.owner == user.id), key=lambda p: p.seq)

    def require(self, user: User, person_id: str) -> Person:
        person = self.people.get(person_id)
        if person is None or person.owner != user.id or person.deleted:
            raise not_found("Requested entity was not found.")
        return person

    def groups_of(self, user: User) -> list[Group]:
        for gid, name in SYSTEM_GROUPS.items():
            key = f"{user.id}:{gid}"
            if key not in self.groups:
                self.groups[key] = Group(gid, user.id, name, system=True, seq=self.tokens.next_seq())
        return [g for g in self.groups.values() if g.owner == user.id]

    def group(self, user: User, resource_name: str) -> Group:
        gid = resource_name.removeprefix("contactGroups/")
        for group in self.groups_of(user):
            if group.id == gid:
                return group
        raise not_found("Requested entity was not found.")

    def create_group(self, user: User, name: str) -> Group:
        if not name.strip():
            raise bad_request("Contact group name must not be empty.")
        if any(g.name.casefold() == name.casefold() for g in self.groups_of(user)):
            raise google_error(409, "Contact group name already exists.", "duplicate", "ALREADY_EXISTS")
        group = Group(secrets.token_hex(8), user.id, name, seq=self.tokens.next_seq())
        self.groups[f"{user.id}:{group.id}"] = group
        return group

    def write(self, user: User, person: Person, body: dict[str, Any], paths: list[str]) -> Person:
        for path in paths:
            if path in READ_ONLY_FIELDS:
                raise bad_request(f'Invalid updatePersonFields mask path: "{path}". Field is read-only.')
            value = body.get(path)
            if path == "memberships":
                groups = []
                for item in value or []:
                    name = str(
                        (item.get("contactGroupMembership") or {}).get("contactGroupResourceName") or ""
                    )
                    groups.append(f"contactGroups/{self.group(user, name).id}")
                person.groups = sorted(set(groups) | {MY_CONTACTS})
            elif value:
                if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
                    raise bad_request(f"Invalid value at 'person.{path}'")
                person.fields[path] = copy.deepcopy(value)
            else:
                person.fields.pop(path, None)
        person.etag = "%" + secrets.token_urlsafe(18)
        person.updated = now()
        person.seq = self.tokens.next_seq()
        return person

    def create(self, user: User, body: dict[str, Any]) -> Person:
        person = Person(id="c" + str(secrets.randbelow(10**19)), owner=user.id, fields={})
        paths = [p for p in PERSON_FIELDS if p in body]
        self.write(user, person, body, paths)
        self.people[person.id] = person
        return person

    def delete(self, user: User, person_id: str) -> None:
        person = self.require(user, person_id)
        person.deleted = True
        person.updated = now()
        person.etag = "%" + secrets.token_urlsafe(18)
        person.seq = self.tokens.next_seq()

    def render(self, person: Person, paths: list[str]) -> dict[str, Any]:
        source = {"type": "CONTACT", "id": person.id.removeprefix("c"), "etag": person.etag}
        metadata: dict[str, Any] = {"sources": [{**source, "updateTime": stamp(person.updated)}]}
        out: dict[str, Any] = {"resourceName": f"people/{person.id}", "etag": person.etag}
        if person.deleted:
            metadata["deleted"] = True
            return {**out, "metadata": metadata}
        metadata["objectType"] = "PERSON"
        out["metadata"] = metadata
        for path in paths:
            if path == "memberships":
                out["memberships"] = [
                    {
                        "metadata": {"source": {"type": "CONTACT", "id": source["id"]}},
                        "contactGroupMembership": {
                            "contactGroupId": g.removeprefix("contactGroups/"),
                            "contactGroupResourceName": g,
                        },
                    }
                    for g in person.groups
                ]
            elif path in person.fields:
                out[path] = [
                    {"metadata": {"primary": i == 0, "source": {"type": "CONTACT", "id": source["id"]}}, **v}
                    for i, v in enumerate(person.fields[path])
                ]
        return out

    def render_group(self, user: User, group: Group) -> dict[str, Any]:
        members = [p for p in self.of(user) if not p.deleted and f"contactGroups/{group.id}" in p.groups]
        return {
            "resourceName": f"contactGroups/{group.id}",
            "etag": f'"{group.seq}"',
            "metadata": {"updateTime": stamp(now())},
            "groupType": "SYSTEM_CONTACT_GROUP" if group.system else "USER_CONTACT_GROUP",
            "name": group.name,
            "formattedName": {"myContacts": "My Contacts", "starred": "Starred"}.get(group.name, group.name),
            "memberCount": len(members),
        }


class PeopleApi:
    def __init__(self, store: PeopleStore) -> None:
        self.store = store

    def connections(self, request: Request, user: User) -> Response:
        if request.params.get("who") != "me":
            raise google_error(403, "Only people/me is valid.", "forbidden", "PERMISSION_DENIED")
        q = request.query
        paths = _mask(q.get("personFields", ""), "personFields")
        since: int | None = None
        if q.get("syncToken"):
            state = self.store.tokens.sync_state(q["syncToken"], user.id, COLLECTION)
            if state is None:
                body = error_body(
                    400,
                    "Sync token is expired. Clear local cache and retry call without the sync token.",
                    "failedPrecondition",
                    "FAILED_PRECONDITION",
                )
                body["error"]["details"] = [
                    {
                        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                        "reason": "EXPIRED_SYNC_TOKEN",
                        "domain": "people.googleapis.com",
                    }
                ]
                raise HttpError(json_response(400, body))
            since = state.seq
        want_sync = q.get("requestSyncToken", "false").lower() == "true" or since is not None

        order = q.get("sortOrder", "LAST_MODIFIED_ASCENDING")
        if order not in SORT_ORDERS:
            raise bad_request(f"Invalid value at 'sort_order' ({order})")

        def items(state: Any) -> list[dict[str, Any]]:
            chosen = [
                p for p in self.store.of(user) if (p.seq > since if since is not None else not p.deleted)
            ]
            return [self.store.render(p, paths) for p in SORT_ORDERS[order](chosen)]

        page = paged(
            self.store.tokens,
            key=json.dumps({k: v for k, v in sorted(q.items()) if k not in ("pageToken",)}) + user.id,
            page_token=q.get("pageToken", ""),
            size=page_size(q.get("pageSize", ""), 100, 1000),
            sync=None,
            items=items,
            new_sync=(lambda seq: SyncState(user.id, COLLECTION, seq)) if want_sync else None,
            items_key="connections",
        )
        live = sum(1 for p in self.store.of(user) if not p.deleted)
        page.setdefault("connections", [])
        if not page["connections"]:
            del page["connections"]  # Google omits empty lists
        return json_response(200, {**page, "totalPeople": live, "totalItems": live})

    def get(self, request: Request, user: User) -> Response:
        person = self.store.require(user, request.params["person"])
        return json_response(
            200, self.store.render(person, _mask(request.query.get("personFields", ""), "personFields"))
        )

    def create(self, request: Request, user: User) -> Response:
        body = json_body(request)
        person = self.store.create(user, body)
        paths = _mask(request.query.get("personFields", ""), "personFields", required=False)
        return json_response(200, self.store.render(person, paths))

    def update(self, request: Request, user: User) -> Response:
        person = self.store.require(user, request.params["person"])
        body = json_body(request)
        paths = _mask(request.query.get("updatePersonFields", ""), "updatePersonFields")
        sent_etag = body.get("etag") or next(
            (s.get("etag") for s in (body.get("metadata") or {}).get("sources") or [] if s.get("etag")), ""
        )
        if not sent_etag:
            raise bad_request(
                "Request must set person.etag or person.metadata.sources.etag for the source that is "
                "being updated."
            )
        if sent_etag != person.etag:
            raise google_error(
                400,
                "Request person.etag is different than the current person.etag. Clear local cache and "
                "get the latest person.",
                "failedPrecondition",
                "FAILED_PRECONDITION",
            )
        self.store.write(user, person, body, paths)
        view = _mask(request.query.get("personFields", ""), "personFields", required=False)
        return json_response(200, self.store.render(person, view))

    def delete(self, request: Request, user: User) -> Response:
        self.store.delete(user, request.params["person"])
        return json_response(200, {})

    def groups(self, request: Request, user: User) -> Response:
        groups = [self.store.render_group(user, g) for g in self.store.groups_of(user)]
        return json_response(200, {"contactGroups": groups, "totalItems": len(groups)})

    def create_group(self, request: Request, user: User) -> Response:
        body = json_body(request)
        group = self.store.create_group(user, str((body.get("contactGroup") or {}).get("name") or ""))
        return json_response(200, self.store.render_group(user, group))

    def get_group(self, request: Request, user: User) -> Response:
        group = self.store.group(user, request.params["group"])
        out = self.store.render_group(user, group)
        limit = int(request.query.get("maxMembers") or 0)
        if limit:
            members = [
                p for p in self.store.of(user) if not p.deleted and f"contactGroups/{group.id}" in p.groups
            ]
            out["memberResourceNames"] = [f"people/{p.id}" for p in members[:limit]]
        return json_response(200, out)
