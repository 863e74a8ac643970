"""Microsoft 365 with app-only access (an org admin's admin consent) for the contract suite.

The same mailbox and user as ``graph_side``; only the connector differs: client-credentials
tokens and ``/users/{id}`` paths, in a tenant that requires admin consent (granted here).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from connectors.graph.connector import GraphConnector
from syncengine.services.connectors import mail_connector_for
from tests.connectors.contract.graph_side import GraphSide
from tests.support.people import GRAPH_CLIENT_ID, Person


@dataclass
class GraphAppSide(GraphSide):
    def connector(self) -> GraphConnector:
        account = {"tenant_id": self.person.tenant_id, "user_id": self.person.graph_user_id, "mode": "app"}
        return GraphConnector(mail_connector_for(self.person.mailbox).config, account, {})


def make_side(request: pytest.FixtureRequest) -> GraphAppSide:
    person: Person = request.getfixturevalue("person")
    graph = request.getfixturevalue("graph_server").app
    graph.authority.require_admin_consent(person.tenant_id)
    graph.authority.grant_admin_consent(person.tenant_id, GRAPH_CLIENT_ID)
    return GraphAppSide(person=person, graph=graph)
