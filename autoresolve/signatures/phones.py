"""The sender's phones in the signature, as E.164 with their kind (work, mobile, fax), read by
phonenumbers: international numbers as written, national ones in the first likely country whose plan
they are valid in."""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from autoresolve.signatures.model import Phone, PhoneKind

_MOBILE = re.compile(
    r"(?:\b(?:mobile|mobil|mob|handy|cell|cellular|cellulaire|cel|celular|móvil|movil|portable|port|gsm|m)\b"
    r"|携帯|ケータイ)",
    re.IGNORECASE,
)
_FAX = re.compile(r"(?:\b(?:fax|télécopie|telecopie|f)\b|ファックス|ＦＡＸ)", re.IGNORECASE)
_WORK = re.compile(
    r"\b(?:office|direct|direkt|work|büro|festnetz|bureau|standard|fixe|oficina|pbx|zentrale|switchboard)\b",
    re.IGNORECASE,
)
_LABEL_START = re.compile(r".*(?:[|·•,;/]|\s{2,})")
# Lines whose numbers are not the sender's: order numbers, or another person's line ("Michael's office").
_NOT_THE_SENDERS = re.compile(
    r"(?:order|invoice|ticket|case|ref|bestell|rechnung|commande|facture|pedido|factura|注文|hotline|"
    r"\b\w+['’]s\s+(?:office|line|mobile|cell|phone|assistant))",
    re.IGNORECASE,
)
# A label that says the number is a phone, in the corpus's languages.
_PHONE_LABEL = re.compile(
    r"(?:\b(?:tel|tél|phone|telefon|teléfono|telefono|fon|direct|direkt|office|büro|bureau|oficina|"
    r"mobile|mobil|mob|handy|cell|móvil|movil|portable|fax|t|m|p|d|f)\b\.?\s*[:.]?|電話|携帯|ＴＥＬ)\s*$",
    re.IGNORECASE,
)
_INTERNATIONAL = re.compile(r"^\s*(?:\+|00)")


# National mobile ranges, for numbers the numbering plan has not allocated (phonenumbers answers
# UNKNOWN for them): the leading digits of the national number.
_MOBILE_RANGES = {
    "FR": ("6", "7"), "BE": ("4",), "NL": ("6",), "ES": ("6", "7"), "DE": ("15", "16", "17"),
    "AT": ("6",), "CH": ("7",), "GB": ("7",), "IE": ("8",), "IT": ("3",), "JP": ("70", "80", "90"),
    "AU": ("4",),
}  # fmt: skip


def _mobile_range(number: phonenumbers.PhoneNumber) -> bool:
    region = phonenumbers.region_code_for_number(number) or ""
    national = str(number.national_number)
    return national.startswith(_MOBILE_RANGES.get(region, ()))


def _is_mobile(number: phonenumbers.PhoneNumber) -> bool:
    kind = phonenumbers.number_type(number)
    return kind == PhoneNumberType.MOBILE or (kind == PhoneNumberType.UNKNOWN and _mobile_range(number))


def _kind(label: str, number: phonenumbers.PhoneNumber) -> PhoneKind:
    """The label says (its last words, right before the number); without one the numbering plan does."""
    label = _LABEL_START.sub("", label)
    if _FAX.search(label):
        return "fax"
    if _MOBILE.search(label):
        return "mobile"
    if not _WORK.search(label) and _is_mobile(number):
        return "mobile"
    return "work"


def _national(raw: str, regions: list[str]) -> phonenumbers.PhoneNumber | None:
    for region in regions:
        try:
            number = phonenumbers.parse(raw, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return number
    return None


def phones_in(lines: tuple[str, ...], regions: list[str], *, sure_of_region: bool) -> tuple[Phone, ...]:
    """``sure_of_region``: the first region comes from the mail itself (its address, postcode or
    domain): a number that fits that plan's shape is kept even when the plan has not allocated it."""
    found: dict[str, Phone] = {}
    primary = regions[0] if regions else "US"
    for line in lines:
        if _NOT_THE_SENDERS.search(line):
            continue
        previous_end = 0
        for match in phonenumbers.PhoneNumberMatcher(line, primary, leniency=phonenumbers.Leniency.POSSIBLE):
            label = line[previous_end : match.start]
            previous_end = match.end
            if _INTERNATIONAL.match(match.raw_string):
                number: phonenumbers.PhoneNumber | None = match.number
            else:
                number = _national(match.raw_string, regions)
            confidence = 0.95
            if number is None and sure_of_region and _PHONE_LABEL.search(label):
                number, confidence = match.number, 0.85
            if number is None:
                continue
            e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
            if e164 not in found:
                found[e164] = Phone(e164, _kind(label, number), confidence)
    return tuple(found.values())
