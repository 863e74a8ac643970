"""A sender's signature read from an email: quoted parts cut, the signature block found, each field
read by the module that knows it, with a confidence; ``Signature.confident()`` keeps the sure ones."""

from __future__ import annotations

from autoresolve.signatures.addresses import address_in
from autoresolve.signatures.block import signature_block
from autoresolve.signatures.latest import latest_part, readable_body
from autoresolve.signatures.model import Found, Signature, SignedEmail
from autoresolve.signatures.names import (
    cleaned_display_name,
    fold,
    is_cjk,
    is_person_name,
    kanji_name,
    sender_name,
    tokens,
)
from autoresolve.signatures.phones import phones_in
from autoresolve.signatures.regions import language_region, regions_for
from autoresolve.signatures.roles import title_and_company

# Where a Spanish or Portuguese name's two family names both belong in the last name.
_JOINED_FAMILY_NAMES = {"es", "pt", "mx", "ar", "co", "cl", "pe"}
# Lines guessed from the end of a mail with no sign-off may be its last sentences.
UNMARKED_MOST = 0.75


def _nickname(line: str, first_name: str) -> bool:
    word = line.strip(" ,.")
    return " " not in word and len(word) >= 2 and first_name.casefold().startswith(word.casefold())


def _capped(found: Found, most: float) -> Found:
    return Found(found.value, min(found.confidence, most)) if found else found


def read_signature(email: SignedEmail, *, default_region: str = "US") -> Signature:
    latest = latest_part(readable_body(email))
    display = cleaned_display_name(email.from_name)
    sender = frozenset(tokens(display)) if is_person_name(display) else frozenset()
    block = signature_block(latest, sender)
    tld = email.from_address.rpartition(".")[2].lower()
    first, last = sender_name(
        display=email.from_name,
        first_line=block.lines[0] if block.lines else "",
        hint=block.name_hint,
        address=email.from_address,
        family_names_joined=tld in _JOINED_FAMILY_NAMES or language_region(latest) == "ES",
        signed=block.marked,
    )
    signed_in_kanji = kanji_name(display, block.lines[:6])
    if signed_in_kanji is not None:
        first, last = signed_in_kanji
    # The name as signed too: a nickname ("Rob" for Robert) or the address's local part.
    local = email.from_address.partition("@")[0]
    name_tokens = tokens(f"{first.value} {last.value} {block.name_hint} {local}")
    name_tokens |= {line.casefold() for line in block.lines[:2] if _nickname(line, first.value)}
    if is_cjk(display):
        name_tokens |= {fold(display)}  # written without a space it is one word
    title, company = title_and_company(block.lines, email.from_address, name_tokens)
    # A block that opens with the sender's name is their signature, sign-off or not.
    opens_with_name = bool(block.lines and name_tokens and tokens(block.lines[0]) & name_tokens)
    if not (block.marked or opens_with_name):
        title, company = _capped(title, UNMARKED_MOST), _capped(company, UNMARKED_MOST)
    address = address_in(block.lines, language_region(latest))
    # A four-digit postal code with no country named: German or French is spoken in several of them.
    unsure = len(address.postal_code.value) == 4 and not address.country.value
    regions = regions_for(
        text=latest,
        lines=block.lines,
        address=email.from_address,
        country=address.country.value,
        default=default_region,
    )
    return Signature(
        first_name=first,
        last_name=last,
        title=title,
        company=company,
        street=address.street,
        city=address.city,
        postal_code=address.postal_code,
        country=address.country,
        phones=phones_in(block.lines, regions, sure_of_region=regions[0] != default_region and not unsure),
    )
