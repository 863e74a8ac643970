"""A postal address in a signature: the street line, postal code and city, and the country when the
mail names it (never guessed from a phone or a domain). Each country writes the postal code and city
its own way; the street is what stands before them, on their line or the line above."""

from __future__ import annotations

import re
from dataclasses import dataclass

from autoresolve.signatures.model import NOTHING, Found

COUNTRIES = {
    "US": r"usa|u\.s\.a\.|united states(?: of america)?|vereinigte staaten|états-unis|estados unidos|"
    r"アメリカ",
    "GB": r"uk|u\.k\.|united kingdom|england|großbritannien|royaume-uni|reino unido|イギリス",
    "IE": r"ireland|irland|irlande|irlanda",
    "DE": r"germany|deutschland|allemagne|alemania|ドイツ",
    "AT": r"austria|österreich|autriche",
    "CH": r"switzerland|schweiz|suisse|suiza|svizzera",
    "FR": r"france|frankreich|francia|フランス",
    "ES": r"spain|españa|espagne|spanien|スペイン",
    "JP": r"japan|japon|japón|日本",
    "BE": r"belgium|belgique|belgien|bélgica",
    "NL": r"netherlands|the netherlands|niederlande|pays-bas|países bajos",
    "IT": r"italy|italia|italien|italie",
    "CA": r"canada|kanada",
    "MX": r"mexico|méxico|mexique",
    "AU": r"australia|australien|australie",
    "CL": r"chile",
    "AR": r"argentina|argentine|argentinien",
    "CO": r"colombia|colombie|kolumbien",
    "IN": r"india|indien|inde",
}
_COUNTRY_NAME = {code: re.compile(rf"^(?:{names})$", re.IGNORECASE) for code, names in COUNTRIES.items()}
_CITY = r"[^\W\d_][^\W\d_ .'’-]*(?:[ .'’-]+[^\W\d_][^\W\d_'’-]*)*"
_PROVINCE = r"(?:ON|QC|BC|AB|MB|SK|NS|NB|NL|PE|\((?:Québec|Quebec|Ontario|QC|ON)\))"
# (pattern, city group first?) in the order they are tried: the most specific shapes first.
_FOUR_DIGITS = re.compile(rf"(?:^|[,|·•–—]\s*)(?P<zip>\d{{4}})\s+(?P<city>{_CITY})")  # 1010 Wien
_POSTAL_CITY = (
    re.compile(rf"(?P<city>{_CITY}),?\s+[A-Z]{{2}}\s+(?P<zip>\d{{5}}(?:-\d{{4}})?)\b"),  # Boston, MA 02109
    re.compile(
        rf"(?P<city>{_CITY}),?\s+{_PROVINCE}\s+(?P<zip>[A-Z]\d[A-Z]\s?\d[A-Z]\d)\b"
    ),  # Toronto ON M6R 1X7
    re.compile(
        rf"(?P<city>{_CITY})\s+(?:NSW|VIC|QLD|WA|SA|TAS|ACT|NT)\s+(?P<zip>\d{{4}})\b"
    ),  # Sydney NSW 2000
    re.compile(rf"(?P<city>{_CITY})\s+(?P<zip>[A-Z]{{1,2}}\d[A-Z\d]?\s\d[A-Z]{{2}})\b"),  # London EC3V 0BT
    re.compile(
        rf"(?P<city>{_CITY})(?:\s\d{{1,2}})?,\s*(?P<zip>[AC-FHKNPRTV-Y]\d{{2}}\s[AC-FHKNPRTV-Y\d]{{4}})\b"
    ),  # Dublin 2, D02 XY45
    re.compile(rf"\b(?P<prefix>D|A|CH|F|E|B|NL|I)-(?P<zip>\d{{4,5}})\s+(?P<city>{_CITY})"),  # CH-8001 Zürich
    re.compile(rf"(?:^|[,|·•–—]\s*)(?P<zip>\d{{5}})\s+(?P<city>{_CITY})"),  # 10117 Berlin, 75009 Paris
    _FOUR_DIGITS,
)
# The country a postal code's shape shows (the five-digit European ones: the mail's language says).
_SHAPE_COUNTRY = ("US", "CA", "AU", "GB", "IE", "", "", "")
_PREFIX_COUNTRY = {"D": "DE", "A": "AT", "CH": "CH", "F": "FR", "E": "ES", "B": "BE", "NL": "NL", "I": "IT"}
_LABEL = re.compile(r"^[^\W\d_][^:：]{0,24}[:：]\s*")
# Japan: 〒100-0005, then prefecture, city and ward, then the street ("東京都千代田区丸の内1-2-3 …").
_JP_ZIP = re.compile(r"〒\s*(?P<zip>\d{3}-\d{4})")
_JP_PLACE = re.compile(
    r"(?:東京都|北海道|(?:大阪|京都)府|\S{2,3}県)?(?P<city>(?:[^\s\d０-９]{1,4}?市)?[^\s\d０-９]{1,4}?[区町村]|[^\s\d０-９]{1,4}?市)"
    r"(?P<street>\S.*)"
)
_NOT_ADDRESS = re.compile(
    r"(?:@|https?://|www\.|\b(?:tel|phone|fax|mobile|mob|handy|telefon|tél|móvil|cel|mail|e-mail|direct|"
    r"office|ligne|t|m|p|f)\b\s*[.:]|\b(?:tel|phone|fax|mobile|handy|telefon|móvil)\b|電話|ＴＥＬ|TEL|"
    r"\d{3}[ .-]\d{3,4}[ .-]\d{4})",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Address:
    street: Found = NOTHING
    city: Found = NOTHING
    postal_code: Found = NOTHING
    country: Found = NOTHING


def country_named(text: str) -> str:
    for part in re.split(r"\s*[,|·•]\s*", text):
        for code, pattern in _COUNTRY_NAME.items():
            if pattern.match(part.strip(" .")):
                return code
    return ""


def _japanese(lines: tuple[str, ...], index: int, zip_match: re.Match[str]) -> Address:
    after = lines[index][zip_match.end() :].strip()
    place_text = after or (lines[index + 1] if index + 1 < len(lines) else "")
    place = _JP_PLACE.match(place_text.replace("\u3000", " ").strip())
    if not place:
        return Address(postal_code=Found(zip_match["zip"], 0.9))
    return Address(
        street=Found(place["street"].strip(), 0.85),
        city=Found(place["city"], 0.85),
        postal_code=Found(zip_match["zip"], 0.9),
        country=Found("JP", 0.9) if "日本" in place_text else NOTHING,
    )


def _street_before(line: str, start: int, previous: str) -> str:
    """What stands before the postal code on its line, else the line above when it is an address."""
    pieces = [p.strip(" ,") for p in re.split(r"\s*[|·•–—]\s*", line[:start])]
    before = next((p for p in reversed(pieces) if p), "")
    if not before and previous and not _NOT_ADDRESS.search(previous) and re.search(r"\d", previous):
        before = previous.strip(" ,") if len(previous) <= 70 else ""
    return _LABEL.sub("", before)


def address_in(lines: tuple[str, ...], language_country: str = "") -> Address:
    """``language_country``: the country the mail's language points to, for postal codes of five
    digits that several countries write alike."""
    usable = [(i, line) for i, line in enumerate(lines) if not _NOT_ADDRESS.search(line)]
    for index, line in usable:
        japanese = _JP_ZIP.search(line)
        if japanese:
            return _japanese(lines, index, japanese)
    for shape, pattern in enumerate(_POSTAL_CITY):  # the most specific shape anywhere wins
        for index, line in usable:
            found = pattern.search(line)
            if not found:
                continue
            street = _street_before(
                line, found.start("city") if shape < 5 else found.start(), lines[index - 1] if index else ""
            )
            after = line[found.end() :]
            named = country_named(after) or (
                country_named(lines[index + 1]) if index + 1 < len(lines) else ""
            )
            shown = _SHAPE_COUNTRY[shape] or _PREFIX_COUNTRY.get(found.groupdict().get("prefix") or "", "")
            # Four digits in a German or French mail: Austria, Switzerland, Belgium or Luxembourg, not
            # the language's own country.
            guessed = "" if _POSTAL_CITY[shape] is _FOUR_DIGITS else language_country
            country = Found(named, 0.9) if named else Found(shown or guessed, 0.85 if shown else 0.8)
            return Address(
                street=Found(street, 0.85) if street else NOTHING,
                city=Found(found["city"].strip(), 0.85),
                postal_code=Found(found["zip"], 0.9),
                country=country if country.value else NOTHING,
            )
    return Address()
