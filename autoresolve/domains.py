"""What an address's domain says about a company: the part people name it by, and a name for an
Account made for it ("acme-corp.com" -> "Acme Corp")."""

from __future__ import annotations

# Second-level labels under which companies register (acme.co.uk, acme.com.au).
_SECOND_LEVEL = {"co", "com", "org", "net", "ac", "gov", "ne", "or", "gob", "edu"}


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].strip().lower().rstrip(".")


def company_domain(address_or_domain: str) -> str:
    """The registrable domain: ``mail.eu.acme-corp.co.uk`` -> ``acme-corp.co.uk``."""
    labels = domain_of(address_or_domain if "@" in address_or_domain else f"@{address_or_domain}").split(".")
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def company_name_from_domain(address_or_domain: str) -> str:
    """The domain's name part in words: ``acme-corp.com`` -> "Acme Corp"."""
    label = company_domain(address_or_domain).split(".")[0]
    words = [w for w in label.replace("_", "-").split("-") if w]
    return " ".join(w if w.isupper() else w.capitalize() for w in words)
