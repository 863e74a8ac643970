"""SalesforceSandbox: routes, bearer-token auth, API usage counting, and the in-process control API.

All orgs share one host; the bearer token tells which org and user is calling. Every REST answer
carries `Sforce-Limit-Info: api-usage=N/MAX`. Control endpoints under /_sandbox/ mirror the Python API.
"""

from __future__ import annotations

import base64
import logging
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sandbox.base import Fault, HttpError, Request, Response, SandboxApp, json_response
from sandbox.salesforce.authorize import WebServerFlow
from sandbox.salesforce.cdc import ChangeCapture
from sandbox.salesforce.errors import (
    INVALID_SESSION,
    NOT_FOUND_MESSAGE,
    SalesforceError,
    oauth_error,
    rest_error,
)
from sandbox.salesforce.ids import to18
from sandbox.salesforce.oauth import Grant, OAuth
from sandbox.salesforce.rest import Ctx, RestApi
from sandbox.salesforce.schema import custom_field
from sandbox.salesforce.store import Org, Record, Store
from sandbox.salesforce.values import format_datetime

V = r"/services/data/v(?P<version>\d+\.\d+)"
T = r"(?P<type>\w+)"
DEFAULT_API_LIMIT = 100_000
DEFAULT_PASSWORD = "sandbox-password"

_FAULTS = {
    400: ("BAD_REQUEST", "The request couldn't be understood."),
    401: INVALID_SESSION[1:],
    403: ("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."),
    404: ("NOT_FOUND", NOT_FOUND_MESSAGE),
    429: ("REQUEST_LIMIT_EXCEEDED", "ConcurrentPerOrgLongTxn Limit exceeded."),
    500: (
        "UNKNOWN_EXCEPTION",
        "An unexpected error occurred. Please include this ErrorId if you contact support: 1234567890-12345 "
        "(-1234567890)",
    ),
    502: ("SERVER_UNAVAILABLE", "Bad gateway"),
    503: ("SERVER_UNAVAILABLE", "Server is temporarily unavailable. Please try again later."),
}

ApiHandler = Callable[[Request, Ctx], Response]


log = logging.getLogger(__name__)


class SalesforceSandbox(SandboxApp):
    name = "salesforce"

    def __init__(self) -> None:
        super().__init__()
        self.store = Store()
        self.oauth = OAuth()
        self.rest = RestApi(self.store)
        self.cdc = ChangeCapture(self.store)
        # Woken when change events are published: the Pub/Sub server's subscriptions wait on it.
        self.changes_published = threading.Condition(self.lock)
        self.passwords: dict[str, str] = {}  # user id -> password
        self.usernames: dict[str, tuple[str, str]] = {}  # lower-cased username -> (org id, user id)
        self._routes_oauth()
        self._routes_rest()
        self._routes_control()

    # -- wiring -----------------------------------------------------------------------------------
    def _routes_oauth(self) -> None:
        self.web_server_flow = WebServerFlow.installed(self)  # authorize pages + code grant, first
        self.route("POST", r"/services/oauth2/token", self.locked(self._token))
        self.route("POST", r"/services/oauth2/revoke", self.locked(self._revoke))
        self.route("GET", r"/services/oauth2/userinfo", self._identity_route(userinfo=True))
        self.route("GET", r"/id/(?P<org>\w+)/(?P<user>\w+)/?", self._identity_route(userinfo=False))

    def _routes_rest(self) -> None:
        r = self.rest
        self.route("GET", r"/services/data/?", r.versions)
        api: list[tuple[str, str, ApiHandler]] = [
            ("GET", "/?", r.resources),
            ("GET", "/limits/?", r.limits),
            ("GET", "/sobjects/?", r.describe_global),
            ("GET", f"/sobjects/{T}/?", r.sobject_info),
            ("POST", f"/sobjects/{T}/?", r.create),
            ("GET", f"/sobjects/{T}/describe/?", r.describe),
            ("GET", f"/sobjects/{T}/updated/?", r.updated),
            ("GET", f"/sobjects/{T}/deleted/?", r.deleted),
            ("GET", f"/sobjects/{T}/(?P<id>[A-Za-z0-9]+)/?", r.get),
            ("PATCH", f"/sobjects/{T}/(?P<id>[A-Za-z0-9]+)/?", r.update),
            ("DELETE", f"/sobjects/{T}/(?P<id>[A-Za-z0-9]+)/?", r.delete),
            ("GET", f"/sobjects/{T}/(?P<id>[A-Za-z0-9]{{15,18}})/(?P<blob>VersionData|Body)/?", r.blob),
            ("GET", f"/sobjects/{T}/(?P<field>\\w+)/(?P<value>[^/]+)/?", r.get_by_external_id),
            ("PATCH", f"/sobjects/{T}/(?P<field>\\w+)/(?P<value>[^/]+)/?", r.upsert),
            ("GET", "/(?:query|queryAll)/?", r.query),
            ("GET", "/(?:query|queryAll)/(?P<locator>01g[A-Za-z0-9]+-\\d+)/?", r.query_more),
            ("POST", "/composite/sobjects/?", r.collection_create),
            ("PATCH", "/composite/sobjects/?", r.collection_update),
            ("DELETE", "/composite/sobjects/?", r.collection_delete),
            ("GET", f"/composite/sobjects/{T}/?", r.collection_retrieve),
            ("POST", f"/composite/sobjects/{T}/?", r.collection_retrieve),
            ("PATCH", f"/composite/sobjects/{T}/(?P<field>\\w+)/?", r.collection_upsert),
        ]
        for method, suffix, handler in api:
            self.route(method, V + suffix, self._api(handler))

    def _routes_control(self) -> None:
        c = "/_sandbox"
        org = r"(?P<org>\w+)"
        self.route("POST", f"{c}/clients", self._control(self._ctl_client))
        self.route("POST", f"{c}/orgs", self._control(self._ctl_org))
        self.route("POST", f"{c}/orgs/{org}/users", self._control(self._ctl_user))
        self.route(
            "POST", f"{c}/orgs/{org}/users/(?P<user>\\w+)/refresh-token", self._control(self._ctl_refresh)
        )
        self.route(
            "POST",
            f"{c}/orgs/{org}/users/(?P<user>\\w+)/revoke-refresh-tokens",
            self._control(self._ctl_revoke),
        )
        self.route("POST", f"{c}/orgs/{org}/fields", self._control(self._ctl_field))
        self.route("POST", f"{c}/orgs/{org}/person-accounts", self._control(self._ctl_person_accounts))
        self.route("POST", f"{c}/expire-tokens", self._control(self._ctl_expire))
        self.route("POST", f"{c}/orgs/{org}/api-limit", self._control(self._ctl_limit))
        self.route("POST", f"{c}/orgs/{org}/change-data-capture", self._control(self._ctl_cdc))
        self.route("GET", f"{c}/orgs/{org}/records/{T}", self._control(self._ctl_records))
        self.route("POST", f"{c}/orgs/{org}/records/{T}", self._control(self._ctl_create_record))

    def _api(self, handler: ApiHandler) -> Callable[[Request], Response]:
        def run(request: Request) -> Response:
            with self.lock:
                self.store.journal = []
                try:
                    ctx = self._authenticate(request, count=True)
                    response = handler(request, ctx)
                    if response.status < 400:  # one REST call, one transaction: its changes now
                        self._publish_changes(request.header("sforce-call-options"), ctx)
                except SalesforceError as error:
                    response = json_response(error.status, error.rest_body())
                except HttpError as error:
                    response = error.response
                finally:
                    self.store.journal = None
                self._limit_header(request, response)
                return response

        return run

    def _publish_changes(self, call_options: str, ctx: Ctx) -> None:
        """The call's writes as change events; changeOrigin names the API and the calling client
        (``Sforce-Call-Options: client=...``), empty when the client named none."""
        client = next(
            (p.strip()[7:] for p in call_options.split(",") if p.strip().lower().startswith("client=")), ""
        )
        origin = f"com/salesforce/api/rest/{ctx.version};client={client}" if client else ""
        try:
            published = self.cdc.commit(self.store.journal or [], origin, ctx.user_id)
        except Exception:  # the write stands: a change event the sandbox cannot make is its own bug
            log.exception("sandbox: change events of a committed write not published")
            published = 1  # some may be; subscribers look
        if published:
            self.changes_published.notify_all()

    def _control(self, handler: Callable[[Request], Any]) -> Callable[[Request], Response]:
        def run(request: Request) -> Response:
            try:
                return json_response(200, handler(request))
            except (KeyError, ValueError, TypeError) as error:
                return json_response(400, {"error": str(error)})

        return run

    # -- auth and usage ---------------------------------------------------------------------------
    def _grant(self, request: Request) -> Grant | None:
        header = request.header("authorization")
        scheme, _, token = header.partition(" ")
        if scheme.lower() not in {"bearer", "oauth"} or not token.strip():
            return None
        with self.lock:
            return self.oauth.resolve(token.strip())

    def _authenticate(self, request: Request, count: bool) -> Ctx:
        grant = self._grant(request)
        if grant is None or grant.org_id not in self.store.orgs:
            raise rest_error(*INVALID_SESSION)
        org = self.store.orgs[grant.org_id]
        request.tenant, request.user = grant.org_id, grant.user_id
        if count:
            if org.api_used >= org.api_max:
                raise rest_error(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
            org.api_used += 1
        return Ctx(org, grant.user_id, request.params.get("version", "62.0"))

    def _limit_header(self, request: Request, response: Response) -> None:
        org = self.store.orgs.get(request.tenant)
        if org is not None:
            response.headers["Sforce-Limit-Info"] = f"api-usage={org.api_used}/{org.api_max}"

    def request_kind(self, request: Request) -> str:
        return "token" if request.path.startswith(("/services/oauth2/", "/id/")) else "api"

    def fault_response(self, request: Request, fault: Fault) -> Response:
        status = fault.status or 500
        if self.request_kind(request) == "token":
            if status == 400:
                return json_response(
                    400, {"error": "invalid_grant", "error_description": "authentication failure"}
                )
            return json_response(
                status, {"error": "unknown_error", "error_description": "retry your request"}
            )
        grant = self._grant(request)
        if grant is not None:
            request.tenant, request.user = grant.org_id, grant.user_id
        code, message = _FAULTS.get(status, ("UNKNOWN_EXCEPTION", f"HTTP {status}"))
        response = json_response(status, [{"message": message, "errorCode": code}])
        with self.lock:
            self._limit_header(request, response)
        return response

    def not_found(self, request: Request) -> Response:
        return json_response(404, [{"errorCode": "NOT_FOUND", "message": NOT_FOUND_MESSAGE}])

    # -- OAuth endpoints -----------------------------------------------------------------------------
    def _token(self, request: Request) -> Response:
        form = request.form()
        client_id, secret = form.get("client_id", ""), form.get("client_secret")
        basic = request.header("authorization")
        if basic.lower().startswith("basic "):
            client_id, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
        grant_type = form.get("grant_type", "")
        if grant_type not in {"refresh_token", "password"}:
            raise oauth_error("unsupported_grant_type", "grant type not supported")
        self.oauth.check_client(client_id, secret or "")
        if grant_type == "refresh_token":
            token = form.get("refresh_token", "")
            grant = self.oauth.refresh_tokens.get(token)
            if (
                grant is None
                or grant.client_id != client_id
                or grant.org_id not in self.store.orgs
                or self.oauth.refresh_token_expired(token, grant)
            ):
                raise oauth_error("invalid_grant", "expired access/refresh token")
        else:
            found = self.usernames.get(form.get("username", "").lower())
            if found is None or self.passwords.get(found[1]) != form.get("password"):
                raise oauth_error("invalid_grant", "authentication failure")
            grant = Grant(found[0], found[1], client_id)
        user = self.store.table(self.store.orgs[grant.org_id], "User").get(grant.user_id)
        if user is None or not user.get("IsActive"):
            raise oauth_error("invalid_grant", "inactive user")
        return json_response(200, self.oauth.token_response(grant, request.base_url))

    def _revoke(self, request: Request) -> Response:
        token = request.form().get("token") or request.query.get("token", "")
        if not self.oauth.revoke(token):
            raise oauth_error("invalid_token", "invalid token")
        return Response(200)

    def _identity_route(self, userinfo: bool) -> Callable[[Request], Response]:
        def run(request: Request) -> Response:
            with self.lock:
                try:
                    ctx = self._authenticate(request, count=False)
                except HttpError as error:
                    return error.response
                if not userinfo and (
                    to18(request.params["org"]) != ctx.org.id or to18(request.params["user"]) != ctx.user_id
                ):
                    return json_response(403, {"error": "Bad_Id"})
                user = self.store.table(ctx.org, "User")[ctx.user_id]
                identity = f"{request.base_url}/id/{ctx.org.id}/{ctx.user_id}"
                base = {
                    "user_id": ctx.user_id,
                    "organization_id": ctx.org.id,
                    "email": user["Email"],
                    "active": user["IsActive"],
                    "user_type": "STANDARD",
                    "language": "en_US",
                    "locale": "en_US",
                    "utcOffset": 0,
                }
                if userinfo:
                    payload = {
                        "sub": identity,
                        "preferred_username": user["Username"],
                        "name": user["Name"],
                        "given_name": user["FirstName"],
                        "family_name": user["LastName"],
                        **base,
                    }
                else:
                    payload = {
                        "id": identity,
                        "asserted_user": True,
                        "username": user["Username"],
                        "nick_name": user["Alias"],
                        "display_name": user["Name"],
                        "first_name": user["FirstName"],
                        "last_name": user["LastName"],
                        **base,
                        "urls": {
                            "rest": f"{request.base_url}/services/data/v{{version}}/",
                            "sobjects": f"{request.base_url}/services/data/v{{version}}/sobjects/",
                            "query": f"{request.base_url}/services/data/v{{version}}/query/",
                        },
                    }
                return json_response(200, payload)

        return run

    # -- Python API -------------------------------------------------------------------------------
    def _org(self, org_id: str) -> Org:
        return self.store.org(org_id)

    def register_client(self, client_id: str, client_secret: str) -> None:
        with self.lock:
            self.oauth.register_client(client_id, client_secret)

    def create_org(self, name: str, org_id: str | None = None) -> dict[str, Any]:
        with self.lock:
            org = self.store.create_org(name, org_id)
            org.api_max = DEFAULT_API_LIMIT
            return {"id": org.id, "name": org.name}

    def create_user(
        self, org_id: str, username: str, email: str, name: str, password: str = DEFAULT_PASSWORD
    ) -> dict[str, Any]:
        with self.lock:
            org = self._org(org_id)
            if username.lower() in self.usernames:
                raise ValueError(f"username {username} is taken")
            first, _, last = name.rpartition(" ")
            otype = self.store.sobject_or_error(org, "User")
            data = {
                "Username": username,
                "Email": email,
                "FirstName": first or None,
                "LastName": last or name,
            }
            data["Alias"] = (first[:1] + last)[:8].lower() or None
            user_id = self.store.create(org, otype, data, user_id="")
            record = self.store.table(org, "User")[user_id]
            record["CreatedById"] = record["LastModifiedById"] = user_id
            self.passwords[user_id] = password
            self.usernames[username.lower()] = (org.id, user_id)
            return {
                "id": user_id,
                "org_id": org.id,
                "username": username,
                "email": email,
                "name": record["Name"],
            }

    def issue_refresh_token(self, org_id: str, user_id: str, client_id: str) -> str:
        with self.lock:
            org = self._org(org_id)
            if client_id not in self.oauth.clients:
                raise ValueError(f"unknown client {client_id}")
            if to18(user_id) not in self.store.table(org, "User"):
                raise ValueError(f"no user {user_id} in org {org.id}")
            return self.oauth.issue_refresh_token(org.id, to18(user_id), client_id)

    def issue_access_token(self, org_id: str, user_id: str, client_id: str = "") -> str:
        """A ready access token, skipping the token endpoint (for tests and seeding)."""
        with self.lock:
            org = self._org(org_id)
            if to18(user_id) not in self.store.table(org, "User"):
                raise ValueError(f"no user {user_id} in org {org.id}")
            return self.oauth.issue_access_token(org.id, to18(user_id), client_id)

    def add_field(
        self,
        org_id: str,
        sobject: str,
        name: str,
        type: str,  # noqa: A002 - Salesforce's own name for it
        length: int | None = None,
        external_id: bool = False,
        unique: bool = False,
        required: bool = False,
        picklist_values: list[str] | None = None,
        default: Any = None,
    ) -> dict[str, Any]:
        definition = custom_field(name, type, length, external_id, unique, required, picklist_values, default)
        with self.lock:
            self.store.add_field(self._org(org_id), sobject, definition)
        return definition.describe()

    def expire_tokens(self, org_id: str | None = None) -> int:
        with self.lock:
            return self.oauth.expire_access_tokens(self._org(org_id).id if org_id else None)

    def set_refresh_token_policy(self, client_id: str, expire_after_days: float | None) -> None:
        """The connected app's "Expire refresh token after N days" (None: valid until revoked)."""
        with self.lock:
            if expire_after_days:
                self.oauth.refresh_lifetimes[client_id] = expire_after_days * 86400
            else:
                self.oauth.refresh_lifetimes.pop(client_id, None)

    def age_refresh_tokens(self, org_id: str, user_id: str, days: float) -> None:
        """As if the user's refresh tokens had been issued ``days`` earlier."""
        with self.lock:
            self.oauth.age_refresh_tokens(self._org(org_id).id, to18(user_id), days * 86400)

    def revoke_refresh_tokens(self, org_id: str, user_id: str) -> int:
        with self.lock:
            return self.oauth.revoke_refresh_tokens(self._org(org_id).id, to18(user_id))

    def set_api_limit(self, org_id: str, max_calls: int) -> None:
        with self.lock:
            self._org(org_id).api_max = int(max_calls)

    def api_usage(self, org_id: str) -> int:
        with self.lock:
            return self._org(org_id).api_used

    def records(self, org_id: str, sobject: str) -> list[Record]:
        with self.lock:
            org = self._org(org_id)
            otype = self.store.sobject_or_error(org, sobject)
            return [dict(r) for r in self.store.table(org, otype.name).values()]

    def deleted_records(self, org_id: str, sobject: str) -> list[Record]:
        with self.lock:
            org = self._org(org_id)
            otype = self.store.sobject_or_error(org, sobject)
            return [dict(r) for r in self.store.graveyard(org, otype.name).values()]

    def create_record(
        self, org_id: str, sobject: str, fields: dict[str, Any], user_id: str | None = None
    ) -> str:
        """Seed a record in-process, validated like a REST create; owner defaults to the org's first user."""
        with self.lock:
            org = self._org(org_id)
            users = list(self.store.table(org, "User"))
            owner = to18(user_id) if user_id else (users[0] if users else "")
            if not owner:
                raise ValueError("create a user first: records need an owner")
            return self.store.create(org, self.store.sobject_or_error(org, sobject), fields, owner)

    def enable_person_accounts(self, org_id: str) -> str:
        """Turn Person Accounts on for the org; returns the Person Account record type's id."""
        with self.lock:
            org = self._org(org_id)
            users = list(self.store.table(org, "User"))
            return self.store.enable_person_accounts(org, users[0] if users else "")

    def convert_lead(
        self, org_id: str, lead_id: str, contact_id: str, account_id: str, opportunity_id: str | None = None
    ) -> None:
        """Mark a Lead converted into these records, as Lead conversion in Salesforce does."""
        with self.lock:
            org = self._org(org_id)
            lead = self.store.get_typed(org, self.store.sobject_or_error(org, "Lead"), lead_id)
            stamp = self.store.clock.stamp()
            lead.update(
                IsConverted=True,
                Status="Closed - Converted",
                ConvertedDate=stamp.date().isoformat(),
                ConvertedContactId=to18(contact_id),
                ConvertedAccountId=to18(account_id),
                ConvertedOpportunityId=to18(opportunity_id) if opportunity_id else None,
                LastModifiedDate=format_datetime(stamp),
                SystemModstamp=format_datetime(stamp),
            )

    def undelete_record(self, org_id: str, record_id: str, user_id: str | None = None) -> str:
        """Restore a record from the Recycle Bin (Salesforce's REST API has no undelete: Apex and the
        UI do it); its UNDELETE change event has no changeOrigin."""
        with self.lock:
            org = self._org(org_id)
            users = list(self.store.table(org, "User"))
            user = to18(user_id) if user_id else (users[0] if users else "")
            self.store.journal = []
            try:
                rid = self.store.undelete(org, record_id, user)
                if self.cdc.commit(self.store.journal, "", user):
                    self.changes_published.notify_all()
            finally:
                self.store.journal = None
            return rid

    def enable_change_data_capture(self, org_id: str, objects: list[str] | tuple[str, ...]) -> list[str]:
        """Select objects for Change Data Capture (Setup > Change Data Capture): until then the org's
        change event topics are not there for Pub/Sub API. Returns every selected object."""
        with self.lock:
            return self.cdc.enable(self._org(org_id), objects)

    def inject_change_gap(
        self,
        org_id: str,
        sobject: str,
        change_type: str = "GAP_OVERFLOW",
        record_ids: list[str] | None = None,
    ) -> bytes:
        """Publish a gap event (GAP_CREATE, GAP_UPDATE, ..., GAP_OVERFLOW): what Salesforce sends when a
        change was too big or too many to describe. Returns its replay id."""
        with self.lock:
            replay = self.cdc.inject_gap(self._org(org_id), sobject, change_type, record_ids)
            self.changes_published.notify_all()
            return replay

    def advance_clock(self, seconds: float) -> None:
        """Shift the sandbox's idea of now (record stamps, updated/deleted windows)."""
        with self.lock:
            self.store.clock.offset += timedelta(seconds=seconds)
            if seconds < 0:  # turning the clock back: stamps follow it (a test undoing its shift)
                self.store.clock.rewind()

    # -- control endpoints ------------------------------------------------------------------------
    def _ctl_client(self, request: Request) -> Any:
        body = request.json() or {}
        self.register_client(body["client_id"], body["client_secret"])
        return {"client_id": body["client_id"]}

    def _ctl_org(self, request: Request) -> Any:
        body = request.json() or {}
        return self.create_org(body["name"], body.get("org_id"))

    def _ctl_user(self, request: Request) -> Any:
        body = request.json() or {}
        return self.create_user(
            request.params["org"],
            body["username"],
            body["email"],
            body["name"],
            body.get("password", DEFAULT_PASSWORD),
        )

    def _ctl_refresh(self, request: Request) -> Any:
        body = request.json() or {}
        token = self.issue_refresh_token(request.params["org"], request.params["user"], body["client_id"])
        return {"refresh_token": token}

    def _ctl_revoke(self, request: Request) -> Any:
        return {"revoked": self.revoke_refresh_tokens(request.params["org"], request.params["user"])}

    def _ctl_field(self, request: Request) -> Any:
        body = dict(request.json() or {})
        return self.add_field(
            request.params["org"], body.pop("sobject"), body.pop("name"), body.pop("type"), **body
        )

    def _ctl_person_accounts(self, request: Request) -> Any:
        return {"record_type_id": self.enable_person_accounts(request.params["org"])}

    def _ctl_expire(self, request: Request) -> Any:
        body = request.json() or {}
        return {"expired": self.expire_tokens(body.get("org_id"))}

    def _ctl_limit(self, request: Request) -> Any:
        body = request.json() or {}
        self.set_api_limit(request.params["org"], int(body["max_calls"]))
        return {"max_calls": int(body["max_calls"])}

    def _ctl_cdc(self, request: Request) -> Any:
        body = request.json() or {}
        return {"objects": self.enable_change_data_capture(request.params["org"], list(body["objects"]))}

    def _ctl_records(self, request: Request) -> Any:
        deleted = request.query.get("deleted", "").lower() in {"1", "true"}
        getter = self.deleted_records if deleted else self.records
        return {"records": getter(request.params["org"], request.params["type"])}

    def _ctl_create_record(self, request: Request) -> Any:
        body = dict(request.json() or {})
        user_id = body.pop("_user_id", None)
        try:
            return {"id": self.create_record(request.params["org"], request.params["type"], body, user_id)}
        except SalesforceError as error:
            raise ValueError(error.message) from None
