"""Which countries' phone plans to read a signature's national numbers in, most likely first: the
country its address names or its postcode shows, the sender's country-code domain, the mail's language."""

from __future__ import annotations

import re

import phonenumbers

from autoresolve.signatures.addresses import country_named
from autoresolve.signatures.words import WORDS

_TLD_REGION = {"uk": "GB"}
_POSTCODES = (
    ("GB", re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s\d[A-Z]{2}\b")),
    ("IE", re.compile(r"\b[AC-FHKNPRTV-Y]\d{2}\s?[AC-FHKNPRTV-Y\d]{4}\b")),
    ("AU", re.compile(r"\b(?:NSW|VIC|QLD|WA|SA|TAS|ACT|NT)\s+\d{4}\b")),
    ("JP", re.compile(r"〒\s*\d{3}-\d{4}")),
    ("US", re.compile(r"\b[A-Z][a-z]+,\s*[A-Z]{2}\s+\d{5}\b")),
    ("CA", re.compile(r"\b[A-Z]\d[A-Z]\s?\d[A-Z]\d\b")),
    ("AT", re.compile(r"\bA-\d{4}\b")),
    ("CH", re.compile(r"\bCH-\d{4}\b")),
    ("DE", re.compile(r"(?:straße|strasse|str\.|weg|platz|allee|ring)\s*\d+\w?\s*[,|·]?\s*\d{5}\b", re.I)),
)
_LANGUAGE_WORDS = {region: WORDS[f"language_words_{region.lower()}"] for region in ("DE", "FR", "ES")}
# A national number in an English mail with no other sign: US numbers never start with 0, so a
# number that is not valid there is tried in the other English-speaking plans in this order.
_ENGLISH_SPEAKING = ("GB", "IE", "AU", "CA", "NZ")
# Where a German or French mail whose address has a four-digit postal code comes from (the language's
# own country has five digits).
_FOUR_DIGIT_NEIGHBOURS = {"DE": ["CH", "AT"], "FR": ["BE", "CH", "LU"]}
_FOUR_DIGIT_TOWN = re.compile(r"(?:^|[,|·•–—]\s*)\d{4}\s+[^\W\d_][\w'.-]+", re.M)
_KANA = re.compile(r"[\u3040-\u30ff]")


def language_region(text: str) -> str:
    if _KANA.search(text):
        return "JP"
    words = re.findall(r"[^\W\d_]+", text.casefold())
    counts = {region: sum(w in vocabulary for w in words) for region, vocabulary in _LANGUAGE_WORDS.items()}
    region, count = max(counts.items(), key=lambda item: item[1])
    return region if count >= 3 and count >= 0.05 * len(words) else ""


def regions_for(*, text: str, lines: tuple[str, ...], address: str, country: str, default: str) -> list[str]:
    found: list[str] = [country] if country else []
    found += [named for named in map(country_named, lines) if named]
    signature = "\n".join(lines)
    found += [region for region, pattern in _POSTCODES if pattern.search(signature)]
    tld = address.rpartition(".")[2].lower()
    region = _TLD_REGION.get(tld, tld.upper())
    if region in phonenumbers.SUPPORTED_REGIONS:
        found.append(region)
    language = language_region(text)
    if language in _FOUR_DIGIT_NEIGHBOURS and _FOUR_DIGIT_TOWN.search(signature):
        found += _FOUR_DIGIT_NEIGHBOURS[language]  # "8002 Zürich" in a German mail: not Germany
    found += [language] if language else [default, *_ENGLISH_SPEAKING]
    found.append(default)
    return list(dict.fromkeys(found))
