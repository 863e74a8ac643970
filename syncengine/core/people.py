"""Who some e-mail addresses are in Salesforce (pure data): the lookup a meeting's people need, made
once a session and shared by the steps that ask (is there anyone to link the meeting to; whom to
relate to its Event)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class People:
    """address -> record id, for the addresses in ``asked``; one with no row is no one in Salesforce."""

    contacts: Mapping[str, str] = field(default_factory=dict)
    leads: Mapping[str, str] = field(default_factory=dict)
    users: Mapping[str, str] = field(default_factory=dict)
    asked: frozenset[str] = frozenset()

    def unknown(self) -> frozenset[str]:
        """The addresses asked about that no Contact, Lead or User has."""
        return self.asked - self.contacts.keys() - self.leads.keys() - self.users.keys()

    def linkable(self) -> frozenset[str]:
        """The addresses a Contact or Lead has: what an activity can be linked to."""
        return frozenset(self.contacts.keys() | self.leads.keys())

    def with_made(self, contacts: Mapping[str, str], leads: Mapping[str, str]) -> People:
        """With the records made this session for some of the unknown addresses."""
        return replace(self, contacts={**self.contacts, **contacts}, leads={**self.leads, **leads})
