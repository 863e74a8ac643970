"""The sender's first and last name: from the mail client's display name when it is a person's, checked
against the signature's first line and the address; Japanese and Chinese names family name first."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from nameparser import HumanName

from autoresolve.signatures.model import NOTHING, Found
from autoresolve.signatures.titles import BUSINESS_WORDS, looks_like_title
from autoresolve.signatures.words import FAMILY_NAME_READINGS_JA, WORDS

# Display names that are a team or a function, not a person.
ROLE_WORDS = WORDS["role_words"]
FAMILY_NAMES_JA = WORDS["japanese_family_names"]
_FULL_WIDTH_BRACKETED = re.compile(r"（[^）]*）")
_KANJI_NAME = re.compile(r"^[\u4e00-\u9fff\u3005]{1,4}[ \u3000]?[\u4e00-\u9fff\u3005\u3040-\u309f]{1,4}$")
# What a signed name may add to the display name and still be the same name.
_NAME_EXTRAS = WORDS["name_extras"]
_PARTICLES = {
    "de",
    "del",
    "la",
    "los",
    "las",
    "dos",
    "da",
    "das",
    "van",
    "von",
    "der",
    "den",
    "le",
    "di",
    "du",
    "y",
    "e",
}
_PARTICLE = re.compile(r"^(?:de|del|de la|de los|dos|da|das|van|von|der|le|la|di|du)\s", re.IGNORECASE)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
_LETTERS = re.compile(r"^[^\W\d_](?:[^\W\d_]|['’.\-])*$")
# German signing on behalf ("i. A.", "i. V.", "ppa.") and labels written before a name.
_ON_BEHALF = re.compile(r"^(?:i\.\s?a\.|i\.\s?v\.|ppa\.|pp\.|p\.p\.|name\s*:)\s*", re.IGNORECASE)
_BRACKETED = re.compile(r"\s*[(\[<].*?[)\]>]\s*|\s+[|/–-]\s+.*$")


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if c.isalnum())


def tokens(text: str) -> set[str]:
    return {fold(t) for t in re.split(r"[\W_]+", text) if len(fold(t)) > 1}


def is_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


def cleaned_display_name(display: str) -> str:
    display = display.strip().strip("'\"")
    if "@" in display:
        return ""
    return _BRACKETED.sub("", display).strip()


def is_person_name(text: str) -> bool:
    """Two to five name-shaped words (or a CJK name), no digits, no team or function words."""
    if not text or any(ch.isdigit() for ch in text) or "@" in text:
        return False
    if _CJK.search(text):
        compact = text.replace(" ", "").replace("\u3000", "")
        return 2 <= len(compact) <= 6 and not any(word in text for word in ROLE_WORDS)
    words = [w for w in re.split(r"[\s,]+", text) if w]
    named = [w for w in words if w.casefold() not in _PARTICLES]
    if not 2 <= len(named) <= 5 or any("team" in w.casefold() for w in words):
        return False
    pieces = [p for w in words for p in re.split(r"['’]", w) if p]
    if any(fold(w) in ROLE_WORDS or w.casefold() in BUSINESS_WORDS for w in [*words, *pieces]):
        return False
    return all(_LETTERS.match(w) for w in words) and any(w[0].isupper() for w in words)


def _split_cjk(name: str, confidence: float) -> tuple[Found, Found]:
    parts = name.replace("\u3000", " ").split()
    if len(parts) >= 2:
        return Found(" ".join(parts[1:]), confidence), Found(parts[0], confidence)
    # Written without a space: split after a common family name; otherwise the split is a guess
    # (most family names are two characters) kept below the write threshold.
    known = [
        family for family in FAMILY_NAMES_JA if name.startswith(family) and 1 <= len(name) - len(family) <= 3
    ]
    if known:
        family = max(known, key=len)
        return Found(name[len(family) :], min(confidence, 0.85)), Found(family, min(confidence, 0.85))
    return Found(name[2:], 0.6), Found(name[:2], 0.6)


def _name_case(name: str) -> str:
    """Family names written in capitals ("de VILLIERS", the French habit) in the usual case."""
    return " ".join(w.capitalize() if len(w) > 2 and w.isupper() and w.isalpha() else w for w in name.split())


def _split(name: str, confidence: float, family_names_joined: bool) -> tuple[Found, Found]:
    if _CJK.search(name):
        return _split_cjk(name, confidence)
    name = _name_case(name)
    human = HumanName(name)
    first, middle, last = human.first, human.middle, human.last
    if not first or not last:
        return NOTHING, NOTHING
    if middle and all(len(m.strip(".")) <= 1 for m in middle.split()):
        middle = ""  # a middle initial is not part of the name a CRM record carries
    if middle and family_names_joined and not _PARTICLE.match(last):
        # Spanish and Portuguese: both family names are the last name, given names before them.
        *given, family = middle.split()
        first, last = " ".join([first, *given]), f"{family} {last}"
    elif middle and family_names_joined:
        first = f"{first} {middle}"  # "María José de la Fuente García": the particle starts the family names
    elif middle:
        first = f"{first} {middle}"
    return Found(first, confidence), Found(last, confidence)


def kanji_name(display: str, lines: Sequence[str]) -> tuple[Found, Found] | None:
    """The signed name in kanji of a sender whose display name is its romanisation ("Haruka Takahashi"
    signing "高橋 遥"): a Japanese signature names its person as Salesforce in Japan keeps them. Known
    by the family name's reading; a line that is anything but a name is not taken."""
    if _CJK.search(display) or not is_person_name(display):
        return None
    romanised = {fold(t) for t in display.split()}
    for line in lines:
        # "山口 翔太（Shota Yamaguchi）": the bracketed romanisation is not part of it
        name = _FULL_WIDTH_BRACKETED.sub("", _BRACKETED.sub("", line)).strip()
        parts = name.replace("\u3000", " ").split()
        if not _KANJI_NAME.match(name) or len(parts) > 2:
            continue
        longest_first = sorted(FAMILY_NAME_READINGS_JA, key=len, reverse=True)
        family = parts[0] if len(parts) == 2 else next((f for f in longest_first if name.startswith(f)), "")
        if len(parts) == 1 and len(name) <= len(family):
            continue  # the family name alone ("佐藤"): the display name says more
        if FAMILY_NAME_READINGS_JA.get(family, frozenset()) & romanised:
            return _split_cjk(name, 0.95)
    return None


def sender_name(
    *, display: str, first_line: str, hint: str, address: str, family_names_joined: bool, signed: bool
) -> tuple[Found, Found]:
    """``signed``: the first line comes right after a sign-off or a signature rule."""
    """(first name, last name). The display name counts most when the signature agrees with it."""
    local = address.partition("@")[0]
    display = cleaned_display_name(display)
    written = hint or first_line
    written = _ON_BEHALF.sub("", _BRACKETED.sub("", written).strip()) if written else ""
    written = re.split(r"\s*[|]\s*|,\s+(?=\S+\s*[,|]|\S*\d)", written)[0].strip()
    if is_person_name(display):
        agrees = bool(tokens(display) & (tokens(written) | tokens(local)))
        if _CJK.search(display) and written and fold(written) == fold(display):
            agrees = True
        # A signed name that is the display name and more ("Dr. Anna Schmidt") is the fuller one, when
        # what it adds is honorifics, initials or credentials ("Priyanka Desai, Buyer" is not a name).
        extra = tokens(written) - tokens(display)
        added = written[len(display) :] if fold(written).startswith(fold(display)) else ""
        # or a second family name after it ("Fernando Aguilar" signing "Fernando Aguilar Domínguez")
        more_family = bool(added.strip()) and "," not in added and not looks_like_title(added)
        fuller = (
            is_person_name(written)
            and tokens(display) <= tokens(written)
            and (extra <= _NAME_EXTRAS or more_family)
        )
        chosen = written if fuller else display
        return _split(chosen, 0.95 if agrees else 0.85, family_names_joined)
    if is_person_name(written):
        agrees = bool(tokens(written) & tokens(local))
        # A role mailbox signed by a person ("Kundendienst", then "Nadine Aebischer" under the sign-off).
        sure = 0.9 if agrees else 0.85 if signed else 0.7
        return _split(written, sure, family_names_joined)
    return NOTHING, NOTHING
