"""The part of an email its sender wrote now: HTML read as text, quoted replies and forwarded mail
cut off (their signatures are other people's)."""

from __future__ import annotations

import re

from mailparser_reply import EmailReplyParser

from autoresolve.signatures.model import SignedEmail
from connectors.neutral.text import html_to_text

LANGUAGES = ["en", "de", "fr", "es", "ja"]

# What starts someone else's text, beyond the reply parser's headers: forwarded mail and quotes.
_CUT_AT = re.compile(
    r"^(?:"
    r"-{2,}\s*(?:Forwarded message|Original Message|Ursprüngliche Nachricht|Weitergeleitete Nachricht|"
    r"Message d'origine|Message transféré|Mensaje original|Mensaje reenviado|元のメッセージ|転送メッセージ)"
    r"|(?:Begin forwarded message|Anfang der weitergeleiteten Nachricht|Début du message réexpédié|"
    r"Inicio del mensaje reenviado)\s*:"
    r"|(?:On|Am|Le|El)\s.{4,200}(?:wrote|schrieb|a écrit|escribió)\s*:"
    r"|.{0,200}(?:さんは書きました|のメッセージ)\s*[:：]?"
    r"|>"
    r")",
    re.IGNORECASE | re.MULTILINE,
)
# An Outlook-style header block: "From:" followed within two lines by another header field.
_HEADER_BLOCK = re.compile(
    r"^[*\s]*(?:From|Von|De|差出人)\s*[:：].*\n(?:.*\n){0,2}?[*\s]*"
    r"(?:Sent|Date|To|Gesendet|Datum|An|Envoyé|À|Enviado|Fecha|Para|送信日時|宛先)\s*[:：]",
    re.IGNORECASE | re.MULTILINE,
)
_CELL_END = re.compile(r"</t[dh]\s*>", re.IGNORECASE)


def readable_body(email: SignedEmail) -> str:
    """The plain body when the mail has one (it is the client's own rendering), else the HTML's text,
    table cells on lines of their own (signatures are often laid out in tables). Some clients flatten
    the plain part of an HTML mail into a few long lines: then the HTML keeps the lines apart."""
    text = email.text.replace("\r\n", "\n").strip()
    html = html_to_text(_CELL_END.sub(lambda m: m.group(0) + "<br>", email.html)) if email.html else ""
    if text and (not html or len(text.splitlines()) * 1.5 >= len(html.splitlines())):
        return text
    return html or text


_QUOTED_LINE = re.compile(r"^\s*>", re.MULTILINE)


def _bottom_posted(body: str) -> str:
    """A reply written under the quote it answers: the text after the last quoted line."""
    lines = body.splitlines()
    last_quoted = max(i for i, line in enumerate(lines) if _QUOTED_LINE.match(line))
    return "\n".join(lines[last_quoted + 1 :])


def latest_part(body: str) -> str:
    """What the sender wrote above any quoted reply or forwarded message (or below it, when the
    mail opens with the quote: bottom-posting, as mailing lists do)."""
    opening = _CUT_AT.search(body.lstrip())
    if opening and opening.start() == 0 and _QUOTED_LINE.search(body):
        bottom = _bottom_posted(body)
        if bottom.strip():
            body = bottom
    parsed = EmailReplyParser(languages=list(LANGUAGES)).read(body)
    text = parsed.replies[0].content if parsed.replies else body
    for pattern in (_CUT_AT, _HEADER_BLOCK):
        found = pattern.search(text)
        if found:
            text = text[: found.start()]
    return text.strip()
