"""The sender's job title and company among the signature's lines: marked by title words, legal forms
or the sender's domain, else by their place (name, title, company is how signatures are written)."""

from __future__ import annotations

import re

from autoresolve.signatures.model import NOTHING, Found
from autoresolve.signatures.names import fold, is_person_name, tokens
from autoresolve.signatures.titles import (
    BUSINESS_WORDS,
    CREDENTIALS,
    WEB_OR_MAIL,
    looks_like_company,
    looks_like_title,
    matches_domain,
    parts_of,
)

LOOKED_AT = 7  # lines: below these come addresses, links and slogans
# "Owner at Hastings Roofing", "Leiterin Einkauf bei Kern KG", "Directrice chez Lumière SAS"
_TITLE_AT = re.compile(r"^(?P<title>.+?)\s+(?:at|@|bei|chez|en|de la empresa)\s+(?P<company>.+)$")
_TITLE_COMMA = re.compile(r"^(?P<title>[^,]+),\s+(?P<company>[^,]+)$")
_PRONOUNS = re.compile(r"\s*\((?:she|he|they|elle|il|sie|er)/[^)]*\)", re.IGNORECASE)
_JOINERS = {"&", "and", "und", "et", "y", "of", "de", "der", "des", "la", "le", "du", "+"}


def _about_sender(part: str, name_tokens: set[str]) -> bool:
    """The part is the sender's name, or a piece of it, with credentials ("Samuel Brooks, P.E.")."""
    part = _PRONOUNS.sub("", part)
    words = tokens(part) - {fold(c) for c in CREDENTIALS}
    if any(len(n) >= 2 and not n.isascii() and n in fold(part) for n in name_tokens):
        return len(part) <= 30  # a CJK name, maybe with its romanisation: "岡田健太郎（Kentaro Okada）"
    return words <= name_tokens  # nothing left but the name, initials and credentials


def _without_name(parts: list[str], name_tokens: set[str]) -> list[str]:
    kept: list[str] = []
    for part in parts:
        if _about_sender(part, name_tokens):
            continue
        pieces = [p.strip() for p in part.split(", ")]
        # "Kevin Marsh, CFO, Pellucid Analytics": the name, then the rest at its commas.
        if len(pieces) > 1 and _about_sender(pieces[0], name_tokens):
            kept.extend(p for p in pieces[1:] if p and fold(p) not in {fold(c) for c in CREDENTIALS})
        else:
            kept.append(part)
    return kept


def company_shaped(text: str) -> bool:
    """Capitalised words, no digits: what a company name looks like when nothing else marks it."""
    words = text.split()
    return (
        1 <= len(words) <= 6
        and len(text) <= 50
        and not any(ch.isdigit() for ch in text)
        and not WEB_OR_MAIL.search(text)
        and all(w[0].isupper() or w.casefold() in _JOINERS for w in words)
    )


def _title_comma_company(part: str, address: str) -> re.Match[str] | None:
    """ "Operations Lead, Brightwater Labs" from brightwaterlabs.example: a title, then after its comma
    the company the sender's domain names."""
    found = _TITLE_COMMA.match(part)
    return found if found and matches_domain(found["company"], address) else None


def title_and_company(lines: tuple[str, ...], address: str, name_tokens: set[str]) -> tuple[Found, Found]:
    title = company = NOTHING
    unmarked: list[str] = []  # parts none of the marks claimed, in order
    for line in lines[:LOOKED_AT]:
        for part in _without_name(parts_of(line), name_tokens):
            at = _TITLE_AT.match(part) or _title_comma_company(part, address)
            if not title and at and looks_like_title(at["title"]):
                title = Found(at["title"], 0.9)
                if not company:
                    company = Found(at["company"], 0.9)
            elif not company and looks_like_company(part):
                company = Found(part, 0.95)
            elif not company and matches_domain(part, address):
                company = Found(part, 0.9)
            elif not title and looks_like_title(part):
                title = Found(part, 0.9)
            else:
                unmarked.append(part)
    if not company and unmarked and company_shaped(unmarked[0]):
        candidate = unmarked[0]
        if {w.casefold() for w in candidate.split()} & BUSINESS_WORDS:
            company = Found(candidate, 0.9)
        elif " " in candidate and not is_person_name(candidate):
            company = Found(candidate, 0.8)  # one bare word is as likely a nickname or a slogan
    return title, company
