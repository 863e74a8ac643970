"""Job titles and company names as signatures write them, in the five languages the corpus holds."""

from __future__ import annotations

import re

from autoresolve.signatures.words import WORDS

# Words that make a line a job title.
TITLE_WORDS = re.compile(
    r"\b(?:ceo|cfo|cto|coo|cmo|cio|cro|vp|svp|evp|president|vice president|founder|co-founder|owner|partner|"
    r"director|head|manager|lead|chief|officer|engineer|consultant|specialist|analyst|architect|"
    r"executive|representative|associate|coordinator|administrator|advisor|adviser|counsel|attorney|"
    r"accountant|controller|buyer|purchaser|recruiter|designer|developer|scientist|strategist|"
    r"account|sales|marketing|procurement|operations|principal|managing|senior|junior|assistant|"
    r"owner|teamleiter(?:in)?|teamleitung|leitung|experte|expertin|rechtsanwalt|rechtsanwältin|"
    r"fachanwalt|fachanwältin|einkäufer(?:in)?|einkauf|vertrieb|management|"
    r"geschäftsführer(?:in)?|leiter(?:in)?|bereichsleiter(?:in)?|abteilungsleiter(?:in)?|vertriebsleiter(?:in)?|"
    r"einkaufsleiter(?:in)?|referent(?:in)?|berater(?:in)?|projektleiter(?:in)?|vorstand|prokurist(?:in)?|"
    r"sachbearbeiter(?:in)?|key account|ingenieur(?:in)?|inhaber(?:in)?|gesellschafter(?:in)?|"
    r"directeur|directrice|responsable|chef de|chargée?|ingénieure?|commercial(?:e)?|gérante?|"
    r"président(?:e)?|fondateur|fondatrice|conseill(?:er|ère)|acheteu(?:r|se)|assistante?|"
    r"director(?:a)?|gerente|jef(?:e|a)|responsable|ejecutiv(?:o|a)|consultor(?:a)?|ingenier(?:o|a)|"
    r"comercial|socio|socia|gestor(?:a)?|delegad(?:o|a)|cheffe|avocate?|associée?|développeu(?:r|se)|"
    r"technicien(?:ne)?|exploitation|service client|service \w+|fundador(?:a)?|presidente|técnic(?:o|a)|"
    r"coordinador(?:a)?|administrador(?:a)?)\b",
    re.IGNORECASE,
)
TITLE_WORDS_JA = re.compile(
    r"(?:\S{1,10}(?:部|課|室|センター)(?=\s|$)|部長|課長|係長|主任|取締役|社長|会長|専務|常務|執行役員|マネージャー|マネジャー|ディレクター|"
    r"リーダー|担当|室長|所長|支店長|本部長|代表|エンジニア|コンサルタント|営業部|営業)"
)
# Legal forms that end a company's name (or, in Japanese, stand anywhere in it).
COMPANY_FORM = re.compile(
    r"(?:(?:^|\s)(?:inc|llc|l\.l\.c|ltd|limited|corp|corporation|co|plc|gmbh|ag|kg|ohg|ug|se|mbb|partg|"
    r"e\.k|e\.v|sa|s\.a|sas|s\.a\.s|sarl|s\.a\.r\.l|sasu|eurl|sl|s\.l|slu|s\.l\.u|s\.r\.l|spa|s\.p\.a|"
    r"bv|b\.v|nv|n\.v|kk|k\.k|pty|pty ltd|lp|llp|dac|ab|as|a/s|oy|sagl|s\.c|sociedad limitada)\.?\)?$"
    r"|株式会社|有限会社|合同会社|\(株\)|㈱)",
    re.IGNORECASE,
)
# Words that make capitalised words a business, not a person ("Summit Peak Software").
BUSINESS_WORDS = WORDS["business_words"]
# Degrees and licences written after a name; not a title, not a company.
CREDENTIALS = WORDS["credentials"]
WEB_OR_MAIL = re.compile(r"(?:https?://|www\.|\S+@\S+|\.com\b|\.de\b|\.fr\b|\.es\b|\.jp\b)", re.IGNORECASE)
# Labels some signatures put before a value ("Title: Senior Buyer", "Firma: …").
LABEL = re.compile(
    r"^(?:title|position|role|company|org|organisation|organization|firma|unternehmen|funktion|société|"
    r"poste|fonction|empresa|cargo|puesto|会社|役職)\s*[:：]\s*",
    re.IGNORECASE,
)
SEPARATORS = re.compile(r"\u3000+|\s{2,}|\s+[|·•–—]\s+|\s+-{1,2}\s+|\s*\|\s*")


def parts_of(line: str) -> list[str]:
    """A signature line split where people put several things on one line ("Title | Company")."""
    parts = [LABEL.sub("", part.strip(" ,;")) for part in SEPARATORS.split(line)]
    return [part for part in parts if part]


def looks_like_title(text: str) -> bool:
    if len(text) > 70 or WEB_OR_MAIL.search(text) or any(ch.isdigit() for ch in text):
        return False
    if re.search(r"\b(?:team|équipe|equipo)\b", text, re.IGNORECASE) or COMPANY_FORM.search(text):
        return False  # "The Sales Team" is who signed, "… Partner Rechtsanwälte mbB" a firm
    return bool(TITLE_WORDS.search(text) or TITLE_WORDS_JA.search(text))


def looks_like_company(text: str) -> bool:
    if len(text) > 80 or WEB_OR_MAIL.search(text) or re.search(r"\d{4,}", text):
        return False
    return bool(COMPANY_FORM.search(text))


def domain_words(address: str) -> list[str]:
    """The words of the sender's domain: ``sales@northwind-logistics.co.uk`` -> northwind, logistics."""
    domain = address.rpartition("@")[2].lower()
    labels = domain.split(".")
    while len(labels) > 1 and (len(labels[-1]) <= 3 or labels[-1] in {"co", "com", "example"}):
        labels.pop()
    return [w for w in re.split(r"[-_]", labels[-1]) if w] if labels else []


def matches_domain(text: str, address: str) -> bool:
    words = domain_words(address)
    if not words:
        return False
    folded = re.sub(r"[^a-z0-9]", "", text.casefold())
    joined = "".join(words)
    starts = folded.startswith(joined) and len(folded) - len(joined) <= 12
    return bool(joined) and (folded == joined or starts)
