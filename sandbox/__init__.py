"""Local stand-ins for the outside world (Salesforce, Microsoft Graph + login, ...).

This package imports nothing from the project: it plays "the internet", so that tests and the demo
exercise the real client libraries over real sockets, TLS included.
"""
