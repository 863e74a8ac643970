"""Long-lived listeners: the processes that hold a stream open to a provider (Salesforce change
events, Exchange streaming notifications, Gmail's Pub/Sub subscription) and wake mailboxes on what
arrives. ``manage.py listen`` runs them (supervisor.py); leases.py keeps one holder per listener."""
