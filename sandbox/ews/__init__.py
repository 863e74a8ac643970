"""A stand-in for Exchange Server's EWS endpoint (``/EWS/Exchange.asmx``), SOAP over TLS.

``EwsSandbox`` in ``app.py`` answers the operations exchangelib sends for calendar, tasks, contacts
and mail folders; control endpoints under ``/_sandbox/`` make mailboxes and act as their users.
"""
