"""pytest fixtures for the Exchange (EWS) sandbox, in-process over TLS.

``ews_server`` is shared by the session (like ``graph_server``); each test gets a clean request log
and no pending faults, and makes its own mailboxes.
"""

from __future__ import annotations

from sandbox.fixtures import sandbox_fixtures

_ews_server, ews_server = sandbox_fixtures("ews", "sandbox.ews.app.EwsSandbox")
