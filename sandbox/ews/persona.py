"""The mailbox user in Outlook: JSON properties <-> EWS elements, for the control API and tests.

Property names are the EWS element names (``Subject``, ``Start``, ``LegacyFreeBusyStatus``...).
Values: text, numbers and booleans; ``Body`` text (or {"BodyType": "HTML", "text": ...});
``Categories`` a list; attendees a list of addresses; ``Organizer`` an address; time zones a Windows
zone name; ``EmailAddresses``/``PhoneNumbers`` {key: value}; ``PhysicalAddresses`` {key: {part: v}}.
"""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET
from typing import Any

from sandbox.ews.soap import local, t
from sandbox.ews.store import mailbox_element, new_id, prop_key

ATTENDEE_LISTS = ("RequiredAttendees", "OptionalAttendees", "Resources")
INDEXED = ("EmailAddresses", "PhoneNumbers", "ImAddresses", "PhysicalAddresses")
ZONES = ("StartTimeZone", "EndTimeZone", "MeetingTimeZone")
STRING_LISTS = ("Categories", "Companies", "Children")


def to_element(name: str, value: Any) -> ET.Element:
    if name.startswith("ExtendedProperty:"):  # "ExtendedProperty:0x3a45": a String MAPI property by tag
        node = ET.Element(t("ExtendedProperty"))
        tag = name.split(":", 1)[1]
        ET.SubElement(node, t("ExtendedFieldURI"), {"PropertyTag": tag, "PropertyType": "String"})
        ET.SubElement(node, t("Value")).text = str(value)
        return node
    node = ET.Element(t(name))
    if name == "Body":
        body = value if isinstance(value, dict) else {"BodyType": "Text", "text": value}
        node.set("BodyType", str(body.get("BodyType", "Text")))
        node.text = str(body.get("text", ""))
    elif name in STRING_LISTS:
        for text in value:
            ET.SubElement(node, t("String")).text = str(text)
    elif name in ATTENDEE_LISTS:
        for address in value:
            attendee = ET.SubElement(node, t("Attendee"))
            box = ET.SubElement(attendee, t("Mailbox"))
            ET.SubElement(box, t("EmailAddress")).text = str(address)
            ET.SubElement(box, t("RoutingType")).text = "SMTP"
            ET.SubElement(attendee, t("ResponseType")).text = "Unknown"
    elif name in ("Organizer", "From", "Sender"):
        return mailbox_element(name, str(value).split("@")[0], str(value))
    elif name in ("ToRecipients", "CcRecipients"):
        for address in value:
            box = ET.SubElement(node, t("Mailbox"))
            ET.SubElement(box, t("EmailAddress")).text = str(address)
    elif name == "Attachments":
        for spec in value:
            kind = "ItemAttachment" if spec.get("Item") else "FileAttachment"
            attachment = ET.SubElement(node, t(kind))
            ET.SubElement(attachment, t("AttachmentId"), {"Id": new_id()})
            ET.SubElement(attachment, t("Name")).text = str(spec.get("Name", "file"))
            ET.SubElement(attachment, t("ContentType")).text = str(
                spec.get("ContentType", "application/octet-stream")
            )
            content = str(spec.get("Content", ""))
            size = len(base64.b64decode(content)) if content else int(spec.get("Size", 0))
            ET.SubElement(attachment, t("Size")).text = str(size)
            ET.SubElement(attachment, t("IsInline")).text = "true" if spec.get("IsInline") else "false"
            if kind == "FileAttachment":
                ET.SubElement(attachment, t("Content")).text = content
    elif name in ZONES:
        node.set("Id", str(value))
        node.set("Name", str(value))
    elif name in INDEXED:
        for key, entry_value in value.items():
            entry = ET.SubElement(node, t("Entry"), {"Key": str(key)})
            if isinstance(entry_value, dict):
                for part, text in entry_value.items():
                    ET.SubElement(entry, t(part)).text = str(text)
            else:
                entry.text = str(entry_value)
    elif isinstance(value, bool):
        node.text = "true" if value else "false"
    else:
        node.text = str(value)
    return node


def to_props(values: dict[str, Any]) -> dict[str, ET.Element]:
    elements = [to_element(name, value) for name, value in values.items() if value is not None]
    props = {prop_key(element): element for element in elements}
    if "Attachments" in props:
        props["HasAttachments"] = to_element("HasAttachments", len(props["Attachments"]) > 0)
    return props


def to_json(node: ET.Element) -> Any:
    """An element as plain JSON, the inverse of ``to_element`` (enough for tests to read items)."""
    name = local(node.tag)
    if name == "ExtendedProperty":
        return node.findtext(t("Value")) or ""
    if name == "Body":
        return node.text or ""
    if name in ZONES:
        return node.get("Id", "")
    if name in ("Organizer", "From", "Sender"):
        return node.findtext(f"{t('Mailbox')}/{t('EmailAddress')}") or ""
    if name == "Attachments":
        return [
            {
                local(part.tag): (part.get("Id") or part.text or "")
                for part in a
                if local(part.tag) != "Content"
            }
            for a in node
        ]
    if name in ATTENDEE_LISTS or name in ("ToRecipients", "CcRecipients"):
        return [e.text or "" for e in node.iter(t("EmailAddress"))]
    if name in STRING_LISTS:
        return [s.text or "" for s in node]
    if name in INDEXED:
        return {
            e.get("Key", ""): ({local(p.tag): p.text or "" for p in e} if len(e) else e.text or "")
            for e in node
        }
    if len(node):
        return {local(c.tag): to_json(c) for c in node}
    return node.text or node.get("Id", "")  # id elements (ConversationId) carry their value as Id
