"""The links that open one synced item where its person works and in Salesforce, for the pages that
name items (the dashboard's sessions, the console's trace). Display only: no credential goes with
them, and the hosts are the providers' own (connectors/weblinks.py)."""

from __future__ import annotations

from django.conf import settings

from connectors.weblinks import WebLink, mail_item_link, salesforce_record_link
from syncengine.models import Mailbox


def item_links(
    *, mailbox: Mailbox, stream: str, mail_id: str, crm_object: str, crm_id: str, instance_url: str
) -> list[WebLink]:
    account = mailbox.provider_account or {}
    endpoint = str(account.get("service_endpoint") or settings.EWS_SERVICE_ENDPOINT)
    links = [
        mail_item_link(
            provider=mailbox.provider,
            stream=stream,
            mail_id=mail_id,
            address=mailbox.address,
            endpoint=endpoint,
        ),
        salesforce_record_link(instance_url=instance_url, crm_object=crm_object, crm_id=crm_id),
    ]
    return [link for link in links if link is not None]
