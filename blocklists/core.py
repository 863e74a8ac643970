"""The blocklist matcher and the validation of what people type into a blocklist.

Framework-free: built from plain sets, so the email stream can hold one ``Blocklist`` per session and
ask it about every participant without touching the database.

Matching rules (decided here, the reference is silent on some of them):
- case-insensitive, on the bare address: display names and angle brackets are dropped;
- an address entry matches that address only;
- a domain entry matches the domain and its subdomains (``example.com`` covers
  ``sales.example.com``), on label boundaries (it does not cover ``badexample.com``);
- no wildcards (the reference: "the list does not support wildcards"): a domain already covers
  its subdomains, which is what ``*.example.com`` would have meant;
- internationalised domains are compared in their ASCII (punycode) form, so ``bücher.de`` and
  ``xn--bcher-kva.de`` are the same entry.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from email.utils import parseaddr

import idna

# RFC 5321 limits: a whole address fits in a 256-octet path minus the angle brackets.
MAX_ADDRESS_LENGTH = 254
MAX_LOCAL_PART_LENGTH = 64
MAX_DOMAIN_LENGTH = 253
MAX_LABEL_LENGTH = 63

REASON_INTERNAL = "internal domain"
REASON_INTERNAL_ADDRESS = "internal address"
REASON_USER = "user"
REASON_ORG = "org"
REASON_FREE = "free-email domain"

_ASCII_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")
# Dot-atom local part (RFC 5322 atext), plus any non-ASCII character (RFC 6531 allows UTF-8).
_ATEXT = "a-z0-9!#$%&'+/=^_`{|}~\u0080-\U0010ffff-"
_LOCAL_PART = re.compile(rf"^[{_ATEXT}]+(?:\.[{_ATEXT}]+)*$")
_WILDCARDS = ("*", "?")
EXAMPLE = "an address (name@example.com) or a domain (example.com)"


def _q(text: str) -> str:
    """Typed text quoted back in a message, cut short so a pasted novel does not flood the page."""
    return f"“{text[:77]}…”" if len(text) > 80 else f"“{text}”"


class BlocklistInputError(ValueError):
    """What a person typed is not an address or a domain; the message says why, for them."""


# --- matching ---------------------------------------------------------------------------------


def _ascii_domain(domain: str) -> str:
    """The domain's comparable form: lower case, no trailing dot, punycode for non-ASCII labels.
    Never raises: a domain idna refuses is compared as typed (it then matches nothing valid)."""
    domain = domain.strip().lower().rstrip(".")
    if domain.isascii():
        return domain
    try:
        return idna.encode(domain, uts46=True).decode("ascii")
    except idna.IDNAError:
        return domain


def normalise_address(raw: str) -> str:
    """``'Bob <Bob@Example.COM>'`` -> ``'bob@example.com'``; ``''`` when there is no address in it."""
    text = raw.strip()
    if text.lower().startswith("mailto:"):
        text = text[len("mailto:") :]
    _, address = parseaddr(text)
    address = address.strip()
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        return ""
    return f"{local.lower()}@{_ascii_domain(domain)}"


def _entry_key(entry: str) -> str:
    """How a stored entry is compared: an address normalised, a domain in its ASCII form."""
    entry = entry.strip().lower()
    if "@" in entry.lstrip("@"):
        return normalise_address(entry)
    return _ascii_domain(entry.lstrip("@"))


def _keys(entries: Iterable[str]) -> frozenset[str]:
    return frozenset(key for key in (_entry_key(e) for e in entries) if key)


def _domain_and_parents(domain: str) -> list[str]:
    """``a.b.example.com`` -> ``[a.b.example.com, b.example.com, example.com, com]``."""
    labels = domain.split(".")
    return [".".join(labels[i:]) for i in range(len(labels))]


@dataclass(frozen=True)
class Blocklist:
    """The blocklist one user's session applies: every layer already combined.

    ``internal_domains`` are the company's domains and ``internal_addresses`` its colleagues'
    mailbox addresses (the reference appends both, and no one can lift them); ``org`` is the org
    admin's layer *after* the user's allowed removals; ``user`` the user's own entries;
    ``free_domains`` is empty when the organization switched the free-domain list off.
    Build it with :meth:`build`, which normalises the entries.
    """

    internal_domains: frozenset[str] = frozenset()
    user: frozenset[str] = frozenset()
    org: frozenset[str] = frozenset()
    free_domains: frozenset[str] = frozenset()
    internal_addresses: frozenset[str] = frozenset()

    @classmethod
    def build(
        cls,
        *,
        internal_domains: Iterable[str] = (),
        user: Iterable[str] = (),
        org: Iterable[str] = (),
        free_domains: Iterable[str] = (),
        internal_addresses: Iterable[str] = (),
    ) -> Blocklist:
        return cls(
            internal_domains=_keys(internal_domains),
            user=_keys(user),
            org=_keys(org),
            free_domains=_keys(free_domains),
            internal_addresses=frozenset(a for a in map(normalise_address, internal_addresses) if a),
        )

    def reason(self, address: str) -> str | None:
        """Which layer blocks this address: "internal domain", "internal address", "user", "org",
        "free-email domain", or None when it is not blocked (also for text holding no address)."""
        normal = normalise_address(address)
        if not normal:
            return None
        domains = _domain_and_parents(normal.rpartition("@")[2])
        # The order only decides which reason is reported when several layers block the address;
        # internal domains first because no one can lift them.
        if any(d in self.internal_domains for d in domains):
            return REASON_INTERNAL
        if normal in self.internal_addresses:
            return REASON_INTERNAL_ADDRESS
        for layer, entries in ((REASON_USER, self.user), (REASON_ORG, self.org)):
            if normal in entries or any(d in entries for d in domains):
                return layer
        if any(d in self.free_domains for d in domains):
            return REASON_FREE
        return None

    def blocks(self, address: str) -> bool:
        return self.reason(address) is not None

    def allowed(self, addresses: Iterable[str]) -> list[str]:
        """The addresses (normalised, in order, once each) that no layer blocks: the ones the
        email stream may link and auto-save for."""
        kept: list[str] = []
        for address in addresses:
            normal = normalise_address(address)
            if normal and normal not in kept and not self.blocks(normal):
                kept.append(normal)
        return kept


# --- validation of typed entries ------------------------------------------------------------


def _check_wildcards(text: str) -> None:
    if any(w in text for w in _WILDCARDS):
        raise BlocklistInputError(
            f"{_q(text)}: wildcards are not supported. Enter the domain itself (example.com): "
            "it also covers its subdomains (sales.example.com)."
        )


def validate_domain(raw: str) -> str:
    """A domain as typed -> its stored form (lower case, punycode); BlocklistInputError if malformed."""
    text = raw.strip()
    _check_wildcards(text)
    domain = text.lstrip("@").rstrip(".").lower()
    if not domain:
        raise BlocklistInputError("Enter a domain, such as example.com.")
    if "@" in domain:
        raise BlocklistInputError(f"{_q(text)} is an address, not a domain: enter only the part after the @.")
    if any(c.isspace() for c in domain) or "/" in domain or ":" in domain:
        raise BlocklistInputError(
            f"{_q(text)} is not a domain: enter only the name, such as example.com (no spaces, "
            "no http://, no path)."
        )
    if not domain.isascii():
        try:
            domain = idna.encode(domain, uts46=True).decode("ascii")
        except idna.IDNAError:
            raise BlocklistInputError(f"{_q(text)} is not a valid international domain name.") from None
    if len(domain) > MAX_DOMAIN_LENGTH:
        raise BlocklistInputError(
            f"{_q(text)} is too long for a domain ({len(domain)} characters, at most {MAX_DOMAIN_LENGTH})."
        )
    labels = domain.split(".")
    if len(labels) < 2:
        raise BlocklistInputError(
            f"{_q(text)} is not a full domain: include its ending, such as example.com."
        )
    for label in labels:
        if not label:
            raise BlocklistInputError(f"{_q(text)} has an empty part between dots.")
        if len(label) > MAX_LABEL_LENGTH:
            raise BlocklistInputError(
                f"{_q(text)}: the part “{label[:20]}…” is longer than {MAX_LABEL_LENGTH} characters."
            )
        if not _ASCII_LABEL.match(label):
            raise BlocklistInputError(
                f"{_q(text)} is not a valid domain: use letters, digits and hyphens between the dots "
                "(a part cannot start or end with a hyphen)."
            )
    if any(label.startswith("xn--") for label in labels):
        try:
            idna.decode(domain)
        except idna.IDNAError:
            raise BlocklistInputError(f"{_q(text)} is not a valid international domain name.") from None
    if labels[-1].isdigit():
        raise BlocklistInputError(f"{_q(text)} looks like an IP address: enter a domain name instead.")
    return domain


def validate_address(raw: str) -> str:
    """An address as typed (a display name and angle brackets are allowed) -> its stored form."""
    text = raw.strip()
    _check_wildcards(text)
    candidate = text[len("mailto:") :] if text.lower().startswith("mailto:") else text
    if "<" in candidate or ">" in candidate:  # "Bob Smith <bob@example.com>"
        candidate = parseaddr(candidate)[1]
    local, at, domain = candidate.strip().rpartition("@")
    if not at or not local:
        raise BlocklistInputError(f"{_q(text)} is not an email address: it needs a name before the @.")
    if not domain:
        raise BlocklistInputError(f"{_q(text)} is not an email address: it needs a domain after the @.")
    local = local.lower()
    if len(local) > MAX_LOCAL_PART_LENGTH:
        raise BlocklistInputError(
            f"{_q(text)}: the part before the @ is longer than {MAX_LOCAL_PART_LENGTH} characters."
        )
    if not _LOCAL_PART.match(local):
        raise BlocklistInputError(
            f"{_q(text)} is not a valid email address: the part before the @ has a character that is not "
            "allowed there (such as a space, a comma, a second @, or two dots in a row)."
        )
    try:
        ascii_domain = validate_domain(domain)
    except BlocklistInputError as error:
        raise BlocklistInputError(f"{_q(text)}: the domain is not valid. {error}") from None
    address = f"{local}@{ascii_domain}"
    if len(address) > MAX_ADDRESS_LENGTH:
        raise BlocklistInputError(
            f"{_q(text)} is too long for an email address (at most {MAX_ADDRESS_LENGTH} characters)."
        )
    return address


def validate_entry(raw: str) -> str:
    """An address or a domain as typed -> its stored form; BlocklistInputError with a clear message."""
    text = raw.strip()
    if not text:
        raise BlocklistInputError(f"Enter {EXAMPLE}.")
    if "@" in text.lstrip("@"):
        return validate_address(text)
    return validate_domain(text)


def is_address(entry: str) -> bool:
    return "@" in entry


def display_form(entry: str) -> str:
    """A stored entry for people: punycode labels shown as the letters they stand for."""
    local, at, domain = entry.rpartition("@")
    if "xn--" not in domain:
        return entry
    try:
        shown = idna.decode(domain)
    except idna.IDNAError:
        return entry
    return f"{local}{at}{shown}"


def parse_lines(text: str) -> list[str]:
    """Several entries pasted at once: one per line, or separated by commas or semicolons.
    Blank pieces are dropped; a display name with a comma inside quotes is kept whole."""
    pieces: list[str] = []
    for line in text.splitlines():
        # Split on , and ; outside double quotes ("Smith, Bob" <bob@example.com> stays one piece).
        current, quoted = "", False
        for char in line:
            if char == '"':
                quoted = not quoted
            if char in ",;" and not quoted:
                pieces.append(current)
                current = ""
            else:
                current += char
        pieces.append(current)
    return [p.strip() for p in pieces if p.strip()]
