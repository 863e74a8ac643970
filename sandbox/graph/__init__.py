"""A stand-in for Microsoft Graph (calendar) and the Microsoft identity platform (login).

``GraphSandbox`` in ``app.py`` serves both over TLS: an msal-compatible authority under
``/{tenant}/...`` and the Graph REST API under ``/v1.0/...``.
"""
