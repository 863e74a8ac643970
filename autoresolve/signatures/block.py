"""Where the signature is in what the sender wrote: after the sign-off ("Best regards,"), after a
"-- " line, or failing both the short lines closing the mail. Phone lines, disclaimers and
"Sent from my iPhone" lines are left out."""

from __future__ import annotations

import re
from dataclasses import dataclass

SIGN_OFF = re.compile(
    r"^(?:best(?: regards| wishes)?|kind regards|warm regards|regards|many thanks|thanks(?: again)?|"
    r"thank you|cheers|all the best|sincerely|yours(?: sincerely| truly)?|br|respectfully|warmly|"
    r"take care|talk soon|best wishes|with thanks|"
    r"mit freundlichen grü(?:ß|ss)en|freundliche grü(?:ß|ss)e|viele grü(?:ß|ss)e|beste grü(?:ß|ss)e|"
    r"besten dank|liebe grü(?:ß|ss)e|herzliche grü(?:ß|ss)e|schöne grü(?:ß|ss)e|grü(?:ß|ss)e|gru(?:ß|ss)|"
    r"mfg|lg|vg|"
    r"cordialement|bien cordialement|très cordialement|bien à vous|salutations|meilleures salutations|"
    r"bonne journée|merci|merci beaucoup|à bientôt|"
    r"saludos(?: cordiales)?|un saludo|atentamente|cordialmente|un abrazo|muchas gracias|gracias|"
    r"(?:以上、?)?(?:何卒|どうぞ|引き続き)?(?:よろしく|宜しく)お願い(?:いたします|致します|します|申し上げます)|"
    r"以上です|敬具|"
    r"un cordial saludo|reciba un cordial saludo|un saludo cordial|saludos cordiales|atte\.?|"
    r"bien à vous|belle journée|bonne soirée|sincères salutations|meilleures salutations|amitiés|"
    r"bien cordialement|cordiales salutations)(?=\W|$)"
    r"(?:\s+(?:aus|from|desde|de)\s+[^\W\d_]+)?"  # "Viele Grüße aus Bielefeld"
    r"\s*[,.!。、]?\s*(?P<rest>.*)$",
    re.IGNORECASE,
)
DELIMITER = re.compile(r"^(?:[-_—―─━=＝*~・]\s?){2,}\s*$|^—\s*$")
_ONE_LINE_PARTS = re.compile(r"\s*[,|·•]\s*|\s+[–—-]{1,2}\s+")
SENT_FROM = re.compile(
    r"^(?:sent from my|sent from (?:outlook|mail) for|get outlook for|von meinem .* gesendet|"
    r"gesendet von meinem|envoyé de mon|envoyé depuis|enviado desde mi|iphoneから送信|androidから送信|"
    r"sent from yahoo mail)",
    re.IGNORECASE,
)
DISCLAIMER = re.compile(
    r"(?:confidential|disclaimer|this (?:e-?mail|message|communication)|privileged|intended recipient|"
    r"vertraulich|diese (?:e-?mail|nachricht)|dieser e-?mail|ce (?:message|courriel|mail)|"
    r"confidentiel|este (?:mensaje|correo)|confidencial|aviso legal|この(?:電子)?メール|本メール|機密|"
    r"please consider the environment|think before you print|bitte denken sie an die umwelt)",
    re.IGNORECASE,
)
# What may follow a sign-off on its line: a name ("Best, Jane Doe"), not the rest of a sentence.
NAME_HINT = re.compile(r"^[^\W\d_][^\d,.;:!?()]{0,40}$")
# A company's legal footer (register, seat, board): not the sender's details; it ends the signature.
LEGAL_FOOTER = re.compile(
    r"(?:^|[\s·|–])(?:sitz(?: der gesellschaft)?|registergericht|amtsgericht|handelsregister|"
    r"ust-?id(?:nr)?\.?|steuer-?nr|vorstand|aufsichtsrat(?:svorsitzende[rn]?)?|geschäftsführer(?:in)?|"
    r"geschäftsführung|firmenbuch|firmensitz|handelsgericht|uid(?:-nr)?|capital social|"
    r"tva intracommunautaire|n° tva|registro mercantil|company (?:registration|number|no)|"
    r"registered (?:in|office|number)|vat (?:no|number|reg))\s*[:.]"
    r"|\b(?:hrb|hra|fn)\s?\d|\b(?:rcs|siret|siren)\b|\bau capital de\b|\bcif:?\s?[a-z]\d"
    r"|\b(?:tva|vat|ust|btw|iva|mwst)\b\.?\s*(?:n°\s*)?[a-z]{2}\s?\d",
    re.IGNORECASE,
)
LONGEST_LINE = 90  # a signature line is short; body sentences and disclaimers run longer
_BARS = re.compile(r"\s+[|｜]\s+")
MOST_LINES = 14


@dataclass(frozen=True)
class Block:
    lines: tuple[str, ...]
    name_hint: str  # a name written on the sign-off line itself ("Best, Jane")
    marked: bool  # found after a sign-off or delimiter, not guessed from the mail's last lines


def _signature_start(lines: list[str]) -> int:
    """Where the signature may start at the earliest: the last sign-off or rule, else the mail's
    closing lines. Notices above it are the body's words ("reply to this email"), not a disclaimer."""
    for index in range(len(lines) - 1, -1, -1):
        if DELIMITER.match(lines[index]) or SIGN_OFF.match(lines[index]):
            return index
    return max(0, len(lines) - 2 * MOST_LINES)


def _without_noise(lines: list[str]) -> list[str]:
    start = _signature_start(lines)
    kept: list[str] = []
    for index, line in enumerate(lines):
        if SENT_FROM.match(line):
            continue
        if index > start:
            notice = DISCLAIMER.search(line) and len(line) > 40
            if notice or (LEGAL_FOOTER.search(line) and kept):
                break  # the notice runs to the end of the mail
        kept.append(line)
    return kept


def _one_part_a_line(lines: list[str]) -> list[str]:
    """A one-line signature ("Name | Title | Company | Street, City | phone") read as the lines it
    stands for; a line with fewer bars ("T +1 … | M +1 …") is left as it is."""
    out: list[str] = []
    for line in lines:
        parts = [p.strip() for p in _BARS.split(line)]
        if len(parts) >= 4:
            out.extend(p for p in parts if p)
        else:
            out.append(line)
    return out


def signature_block(latest: str, sender: frozenset[str] = frozenset()) -> Block:
    """``sender``: the words of the sender's display name; a line that is their name starts the block
    when no sign-off or delimiter does."""
    lines = [re.sub(r"[ \t\xa0]+", " ", line).strip() for line in latest.splitlines()]
    lines = _without_noise(_one_part_a_line(lines))
    for index in range(len(lines) - 1, -1, -1):
        line = lines[index]
        below = _short(lines[index + 1 :])
        if DELIMITER.match(line):
            if below:  # a closing rule under the signature: the block is above it
                return Block(below, "", True)
            continue
        sign_off = SIGN_OFF.match(line)
        rest = sign_off.group("rest").strip(" ,-–—") if sign_off else ""
        if sign_off and (not rest or _name_hint(rest)):
            return Block(below, rest, True)
        first_of_rest = _ONE_LINE_PARTS.split(rest)[0]
        if sign_off and _name_hint(first_of_rest):
            # The whole signature on the sign-off's line: "Thanks, Kevin Marsh, CFO, Pellucid, 312-…"
            return Block(_short([rest, *lines[index + 1 :]]), first_of_rest, True)
    named = _sender_line(lines, sender)
    if named is not None:
        return Block(_short(lines[named:]), "", True)
    return Block(_trailing(lines), "", False)


def _words(text: str) -> set[str]:
    return {w for w in re.split(r"[\W_]+", text.casefold()) if len(w) > 1}


def _sender_line(lines: list[str], sender: frozenset[str]) -> int | None:
    """The last short line near the end that is the sender's name (two of its words, or the whole
    name when it is one word, as CJK names are)."""
    if not sender:
        return None
    start = max(0, len(lines) - MOST_LINES)
    for index in range(len(lines) - 1, start - 1, -1):
        line = lines[index]
        if not line or len(line) > 60:
            continue
        shared = _words(line) & sender
        if len(shared) >= min(2, len(sender)) or any(
            len(w) >= 2 and w in line.casefold() for w in sender if not w.isascii()
        ):
            return index
    return None


def _name_hint(rest: str) -> bool:
    words = rest.split()
    return bool(NAME_HINT.match(rest)) and len(words) <= 4 and (rest[0].isupper() or not rest[0].isascii())


def _short(lines: list[str]) -> tuple[str, ...]:
    kept = [line for line in lines if line]
    return tuple(line for line in kept[:MOST_LINES] if len(line) <= LONGEST_LINE)


def _trailing(lines: list[str]) -> tuple[str, ...]:
    """With no sign-off: the last paragraph of short lines, if it is not a sentence."""
    while lines and not lines[-1]:
        lines.pop()
    start = len(lines)
    while start > 0 and lines[start - 1] and len(lines[start - 1]) <= 60:
        start -= 1
    tail = lines[start:]
    if len(tail) < 2 or any(line.endswith(("?", "!")) for line in tail):
        return ()
    return tuple(tail[:MOST_LINES])
