"""The login authority msal talks to: OpenID discovery, the token endpoint, a sign-in page."""

from __future__ import annotations

import base64
import html
import time
import uuid
from collections.abc import Callable
from urllib.parse import unquote_plus, urlencode

from sandbox.base import HttpError, Request, Response, json_response, text_response
from sandbox.graph.errors import aad_error
from sandbox.graph.identity import (
    GRAPH_RESOURCE,
    REFRESH_INACTIVITY_SECONDS,
    App,
    Directory,
    Tenant,
    TokenSet,
    pkce_matches,
)

DOT_DEFAULT = "/.default"


class Authority:
    def __init__(self, directory: Directory) -> None:
        self.directory = directory
        self.admins: set[tuple[str, str]] = set()  # (tenant id, user id) of global administrators
        # (tenant id, client id) -> the scopes an admin granted org-wide, through /adminconsent
        self.admin_consents: dict[tuple[str, str], list[str]] = {}
        # Tenants where app-only (client credentials) access needs that admin consent, as in Entra ID.
        # Opt-in per tenant: tenants made before consent was modelled keep their app tokens.
        self.consent_required: set[str] = set()
        self.disabled_apps: set[tuple[str, str]] = set()  # (tenant id, client id): sign-in disabled

    def consent_routes(self) -> list[tuple[str, str, Callable[[Request], Response]]]:
        """(method, path pattern, handler) of the admin consent endpoint, v1 and v2.0 paths.

        The app routes them under its lock like the other identity routes (see ``_routes_identity``).
        """
        pattern = r"/(?P<tenant>[^/_][^/]*)(?:/v2\.0)?/adminconsent"
        return [("GET", pattern, self.admin_consent), ("POST", pattern, self.admin_consent)]

    def make_admin(self, tenant_id: str, user_id: str) -> None:
        tenant = self.directory.require_tenant(tenant_id)
        self.admins.add((tenant.id, tenant.users[user_id].id))

    def has_admin_consent(self, tenant_id: str, client_id: str) -> bool:
        return (self.directory.require_tenant(tenant_id).id, client_id) in self.admin_consents

    def require_admin_consent(self, tenant_id: str) -> None:
        """From now on, app-only tokens of this tenant need an admin's consent for the app."""
        self.consent_required.add(self.directory.require_tenant(tenant_id).id)

    def grant_admin_consent(
        self, tenant_id: str, client_id: str, scopes: tuple[str, ...] = (GRAPH_RESOURCE + DOT_DEFAULT,)
    ) -> None:
        """As if an admin had consented on the /adminconsent page (the tests' and demo's shortcut)."""
        self.admin_consents[(self.directory.require_tenant(tenant_id).id, client_id)] = list(scopes)

    def revoke_admin_consent(self, tenant_id: str, client_id: str) -> None:
        """The admin removes the app's permissions: new app tokens are refused, held ones stop working."""
        tenant = self.directory.require_tenant(tenant_id)
        self.admin_consents.pop((tenant.id, client_id), None)
        self.consent_required.add(tenant.id)

    def disable_app(self, tenant_id: str, client_id: str) -> None:
        """The admin turns off "Enabled for users to sign in" on the app's enterprise application."""
        self.disabled_apps.add((self.directory.require_tenant(tenant_id).id, client_id))

    def app_only_allowed(self, tenant_id: str, client_id: str) -> bool:
        """May the app act on its own (no user) in this tenant?"""
        if (tenant_id, client_id) in self.disabled_apps:
            return False
        return tenant_id not in self.consent_required or (tenant_id, client_id) in self.admin_consents

    # -- discovery ---------------------------------------------------------------------------------
    def openid_configuration(self, request: Request) -> Response:
        tenant = self._tenant(request)
        base = f"{request.base_url}/{tenant.id}"
        return json_response(
            200,
            {
                "issuer": f"{base}/v2.0",
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "token_endpoint": f"{base}/oauth2/v2.0/token",
                "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
                "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
                "jwks_uri": f"{base}/discovery/v2.0/keys",
                "userinfo_endpoint": f"{request.base_url}/oidc/userinfo",
                "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
                "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
                "response_modes_supported": ["query", "fragment", "form_post"],
                "scopes_supported": ["openid", "profile", "email", "offline_access"],
                "subject_types_supported": ["pairwise"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["plain", "S256"],
                "claims_supported": [
                    "sub",
                    "iss",
                    "aud",
                    "exp",
                    "iat",
                    "nonce",
                    "name",
                    "oid",
                    "tid",
                    "preferred_username",
                ],
                "tenant_region_scope": "EU",
                "cloud_instance_name": "microsoftonline.com",
                "request_uri_parameter_supported": False,
            },
        )

    def user_realm(self, request: Request) -> Response:
        """msal's ROPC pre-flight: every account here is a managed (non-federated) one."""
        username = unquote_plus(request.params["username"])
        domain = username.rsplit("@", 1)[-1]
        return json_response(
            200,
            {
                "ver": "1.0",
                "account_type": "Managed",
                "domain_name": domain,
                "cloud_instance_name": "microsoftonline.com",
                "cloud_audience_urn": "urn:federation:MicrosoftOnline",
            },
        )

    # -- token endpoint ----------------------------------------------------------------------------
    def token(self, request: Request) -> Response:
        tenant = self._tenant(request)
        form = request.form()
        app = self._client(tenant, form, request)
        if (tenant.id, app.client_id) in self.disabled_apps:
            raise aad_error(
                400,
                "unauthorized_client",
                7000112,
                f"Application '{app.client_id}' is disabled.",
            )
        grant_type = form.get("grant_type", "")
        scopes = form.get("scope", "").split()
        if grant_type == "client_credentials":
            tokens = self._client_credentials(request, tenant, app, scopes)
        elif grant_type == "refresh_token":
            tokens = self._refresh(request, tenant, app, form, scopes)
        elif grant_type == "password":
            tokens = self._password(request, tenant, app, form, scopes)
        elif grant_type == "authorization_code":
            tokens = self._authorization_code(request, tenant, app, form, scopes)
        else:
            raise aad_error(
                400,
                "unsupported_grant_type",
                70003,
                f"The app requested an unsupported grant type '{grant_type}'.",
            )
        return json_response(
            200, tokens.as_response(), {"Cache-Control": "no-store, no-cache", "Pragma": "no-cache"}
        )

    def _client_credentials(self, request: Request, tenant: Tenant, app: App, scopes: list[str]) -> TokenSet:
        if not scopes or not all(s.endswith(DOT_DEFAULT) for s in scopes):
            raise aad_error(
                400,
                "invalid_scope",
                1002012,
                f"The provided value for scope {' '.join(scopes)} is not valid. Client credential "
                "flows must have a scope value with /.default suffixed to the resource identifier "
                "(application ID URI).",
            )
        if not self.app_only_allowed(tenant.id, app.client_id):
            raise aad_error(
                400,
                "unauthorized_client",
                700016,
                f"Application with identifier '{app.client_id}' was not found in the directory "
                f"'{tenant.domain}'. This can happen if the application has not been installed by the "
                "administrator of the tenant or consented to by any user in the tenant.",
            )
        token = self.directory.mint_access_token(request.base_url, tenant, app, None, scopes)
        return TokenSet(access_token=token, scopes=[])

    def _refresh(
        self, request: Request, tenant: Tenant, app: App, form: dict[str, str], scopes: list[str]
    ) -> TokenSet:
        grant = self.directory.refresh_tokens.get(form.get("refresh_token", ""))
        if grant is None:
            raise aad_error(
                400, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid."
            )
        if grant.tenant_id != tenant.id or grant.client_id != app.client_id:
            raise aad_error(
                400,
                "invalid_grant",
                700005,
                "Provided Authorization Code is intended to use against other tenant or client.",
            )
        user = tenant.users[grant.user_id]
        request.user = user.id
        if grant.generation != user.grant_generation:
            issued = time.strftime("%m/%d/%Y %H:%M:%S", time.gmtime(grant.issued_at))
            valid_from = time.strftime("%m/%d/%Y %H:%M:%S", time.gmtime(user.tokens_valid_from))
            raise aad_error(
                400,
                "invalid_grant",
                50173,
                "The provided grant has expired due to it being revoked, a fresh auth token is "
                "needed. The user might have changed or reset their password. The grant was issued "
                f"on '{issued}' and the TokensValidFrom date (before which tokens are not valid) "
                f"for this user is '{valid_from}'.",
            )
        if time.time() - grant.issued_at > REFRESH_INACTIVITY_SECONDS:
            issued = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(grant.issued_at))
            raise aad_error(
                400,
                "invalid_grant",
                700082,
                f"The refresh token has expired due to inactivity. The token was issued on {issued} "
                "and was inactive for 90.00:00:00.",
            )
        return self.directory.delegated_token_set(request.base_url, tenant, app, user, scopes or grant.scopes)

    def _password(
        self, request: Request, tenant: Tenant, app: App, form: dict[str, str], scopes: list[str]
    ) -> TokenSet:
        user = tenant.find_user(form.get("username", ""))
        if user is None:
            raise aad_error(
                400,
                "invalid_grant",
                50034,
                f"The user account {{EUII Hidden}} does not exist in the {tenant.id} directory. "
                "To sign into this application, the account must be added to the directory.",
            )
        request.user = user.id
        if form.get("password", "") != user.password:
            raise aad_error(
                400,
                "invalid_grant",
                50126,
                "Error validating credentials due to invalid username or password.",
            )
        return self.directory.delegated_token_set(request.base_url, tenant, app, user, scopes)

    def _authorization_code(
        self, request: Request, tenant: Tenant, app: App, form: dict[str, str], scopes: list[str]
    ) -> TokenSet:
        code = self.directory.codes.get(form.get("code", ""))
        if code is None or code.tenant_id != tenant.id or code.client_id != app.client_id:
            raise aad_error(400, "invalid_grant", 70000, "Provided grant is invalid or malformed.")
        request.user = code.user_id
        if code.redeemed:
            raise aad_error(
                400,
                "invalid_grant",
                54005,
                "OAuth2 Authorization code was already redeemed, please retry with a new valid "
                "code or use an existing refresh token.",
            )
        if code.expires_at < time.time():
            raise aad_error(
                400,
                "invalid_grant",
                70008,
                "The provided authorization code or refresh token has expired due to inactivity.",
            )
        if form.get("redirect_uri", "") != code.redirect_uri:
            raise aad_error(
                400,
                "invalid_grant",
                500117,
                "The reply uri specified in the request does not match the reply uri used to "
                "obtain the authorization code.",
            )
        if code.code_challenge and not pkce_matches(
            form.get("code_verifier", ""), code.code_challenge, code.code_challenge_method
        ):
            raise aad_error(
                400,
                "invalid_grant",
                501481,
                "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
            )
        code.redeemed = True
        user = tenant.users[code.user_id]
        return self.directory.delegated_token_set(
            request.base_url, tenant, app, user, scopes or code.scopes, nonce=code.nonce or None
        )

    # -- sign-in page ------------------------------------------------------------------------------
    def _sign_in_app(self, tenant: Tenant, params: dict[str, str]) -> tuple[App, str]:
        """The app a sign-in page is for and where it answers; an error page (raised) when either is wrong."""
        app = tenant.apps.get(params.get("client_id", ""))
        redirect_uri = params.get("redirect_uri", "")
        if app is None:
            raise HttpError(
                self._page(
                    400,
                    f"AADSTS700016: Application with identifier '{params.get('client_id', '')}' "
                    f"was not found in the directory '{tenant.domain}'.",
                )
            )
        if not redirect_uri or (app.redirect_uris is not None and redirect_uri not in app.redirect_uris):
            raise HttpError(
                self._page(
                    400,
                    "AADSTS50011: The redirect URI specified in the request does not match the "
                    "redirect URIs configured for the application.",
                )
            )
        return app, redirect_uri

    def authorize(self, request: Request) -> Response:
        """GET shows the sign-in + consent form; POST (the form) redirects back with a code."""
        tenant = self._tenant(request)
        params = dict(request.query)
        app, redirect_uri = self._sign_in_app(tenant, params)
        if "code" not in params.get("response_type", "").split():
            return self._page(
                400,
                "AADSTS900144: The request body must contain the following parameter: "
                "'response_type' (code).",
            )
        if request.method == "GET":
            return self._sign_in_form(request, params, error="")
        form = request.form()
        if form.get("action") == "cancel":
            return self._answer(
                params,
                {
                    "error": "access_denied",
                    "error_description": "AADSTS65004: User declined to consent to access the app.",
                    "state": params.get("state", ""),
                },
            )
        user = tenant.find_user(form.get("login", ""))
        if user is None or form.get("passwd", "") != user.password:
            return self._sign_in_form(request, params, error="Your account or password is incorrect.")
        request.user = user.id
        code = self.directory.mint_code(
            tenant_id=tenant.id,
            client_id=app.client_id,
            user_id=user.id,
            redirect_uri=redirect_uri,
            scopes=params.get("scope", "").split(),
            code_challenge=params.get("code_challenge", ""),
            code_challenge_method=params.get("code_challenge_method", "plain"),
            nonce=params.get("nonce", ""),
        )
        answer = {"code": code, "state": params.get("state", ""), "session_state": str(uuid.uuid4())}
        return self._answer(params, {k: v for k, v in answer.items() if v})

    # -- admin consent -----------------------------------------------------------------------------
    def admin_consent(self, request: Request) -> Response:
        """An administrator grants the app's application permissions for the whole tenant.

        GET shows the sign-in form; POST signs the admin in and redirects back with
        ``admin_consent=True&tenant=...`` (or ``error=...``), always with ``state``.
        """
        tenant = self._tenant(request)
        params = dict(request.query)
        app, _ = self._sign_in_app(tenant, params)
        scope = params.get("scope", GRAPH_RESOURCE + DOT_DEFAULT)
        if request.method == "GET":
            return self._sign_in_form(request, params, error="", admin=True)
        form = request.form()
        state = {"state": params["state"]} if params.get("state") else {}
        if form.get("action") == "cancel":
            return self._answer(
                params,
                {
                    "error": "access_denied",
                    "error_description": "AADSTS65004: The admin declined to consent to access the app.",
                    **state,
                },
            )
        user = tenant.find_user(form.get("login", ""))
        if user is None or form.get("passwd", "") != user.password:
            return self._sign_in_form(
                request, params, error="Your account or password is incorrect.", admin=True
            )
        request.user = user.id
        if (tenant.id, user.id) not in self.admins:
            return self._page(
                403,
                "AADSTS90094: Need admin approval. The app needs permission to access resources in "
                "your organization that only an admin can grant.",
            )
        self.admin_consents[(tenant.id, app.client_id)] = scope.split()
        return self._answer(params, {"admin_consent": "True", "tenant": tenant.id, "scope": scope, **state})

    def _sign_in_form(
        self, request: Request, params: dict[str, str], error: str, admin: bool = False
    ) -> Response:
        action = html.escape(f"{request.path}?{urlencode(params)}")
        login = html.escape(params.get("login_hint", ""))
        scopes = "".join(f"<li>{html.escape(s)}</li>" for s in params.get("scope", "").split())
        message = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
        consent = "<p>Consent on behalf of your organization (administrators only).</p>" if admin else ""
        page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in to your account</title></head>
<body><main>
<h1>Sign in</h1>
<p>Sandbox Microsoft identity platform. The app asks for:</p><ul>{scopes}</ul>
{consent}
{message}
<form method="post" action="{action}">
  <label>Email <input type="email" name="login" value="{login}" autocomplete="username"></label>
  <label>Password <input type="password" name="passwd" autocomplete="current-password"></label>
  <button type="submit" name="action" value="accept">Sign in and accept</button>
  <button type="submit" name="action" value="cancel">Cancel</button>
</form>
</main></body></html>"""
        return text_response(200, page, "text/html; charset=utf-8")

    @staticmethod
    def _page(status: int, message: str) -> Response:
        page = (
            f"<!doctype html><html><body><h1>Sign in failed</h1><p>{html.escape(message)}</p></body></html>"
        )
        return text_response(status, page, "text/html; charset=utf-8")

    @staticmethod
    def _answer(params: dict[str, str], answer: dict[str, str]) -> Response:
        """Back to the app: a 302 with a query (default) or an auto-posting form (response_mode=form_post)."""
        redirect_uri = params["redirect_uri"]
        if params.get("response_mode") == "form_post":
            inputs = "".join(
                f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                for k, v in answer.items()
            )
            page = (
                "<!doctype html><html><head><title>Working...</title></head>"
                '<body onload="document.forms[0].submit()">'
                f'<form method="post" action="{html.escape(redirect_uri)}">{inputs}'
                '<noscript><button type="submit">Continue</button></noscript></form></body></html>'
            )
            return text_response(200, page, "text/html; charset=utf-8")
        separator = "&" if "?" in redirect_uri else "?"
        return Response(302, b"", {"Location": f"{redirect_uri}{separator}{urlencode(answer)}"})

    # -- helpers -----------------------------------------------------------------------------------
    def _tenant(self, request: Request) -> Tenant:
        name = request.params["tenant"]
        tenant = self.directory.tenant(name)
        if tenant is None:
            raise aad_error(
                400,
                "invalid_tenant",
                90002,
                f"Tenant '{name}' not found. Check to make sure you have the correct tenant ID "
                "and are signing into the correct cloud.",
            )
        request.tenant = tenant.id
        return tenant

    @staticmethod
    def _client(tenant: Tenant, form: dict[str, str], request: Request) -> App:
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        basic = request.header("authorization")
        if basic.lower().startswith("basic "):
            decoded = base64.b64decode(basic[6:]).decode("utf-8")
            basic_id, _, basic_secret = decoded.partition(":")
            client_id, secret = client_id or unquote_plus(basic_id), secret or unquote_plus(basic_secret)
        app = tenant.apps.get(client_id)
        if app is None:
            raise aad_error(
                400,
                "unauthorized_client",
                700016,
                f"Application with identifier '{client_id}' was not found in the directory "
                f"'{tenant.domain}'. This can happen if the application has not been installed by "
                "the administrator of the tenant or consented to by any user in the tenant.",
            )
        if not secret:
            raise aad_error(
                401,
                "invalid_client",
                7000218,
                "The request body must contain the following parameter: 'client_assertion' or "
                "'client_secret'.",
            )
        if secret != app.client_secret:
            raise aad_error(
                401,
                "invalid_client",
                7000215,
                "Invalid client secret provided. Ensure the secret being sent in the request is the "
                f"client secret value, not the client secret ID, for a secret added to app "
                f"'{app.client_id}'.",
            )
        return app
