"""SOAP plumbing: namespaces, parsing a request envelope, building response envelopes and faults."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
M = "http://schemas.microsoft.com/exchange/services/2006/messages"
T = "http://schemas.microsoft.com/exchange/services/2006/types"
ERR = "http://schemas.microsoft.com/exchange/services/2006/errors"
for _prefix, _uri in (("s", SOAP), ("m", M), ("t", T), ("e", ERR)):
    ET.register_namespace(_prefix, _uri)

XML = "text/xml; charset=utf-8"


def m(name: str) -> str:
    return f"{{{M}}}{name}"


def t(name: str) -> str:
    return f"{{{T}}}{name}"


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


class SoapFaultError(Exception):
    """A request the server refuses as a whole (bad envelope, schema violation, busy server)."""

    def __init__(self, code: str, message: str, back_off_ms: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.back_off_ms = back_off_ms


class ItemError(Exception):
    """One item's failure: becomes an Error response message, the rest of the batch goes on."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class SoapRequest:
    operation: str  # local name of the body's first element, e.g. "SyncFolderItems"
    body: ET.Element
    api_version: str


def parse_envelope(data: bytes) -> SoapRequest:
    try:
        root = ET.fromstring(data)
    except ET.ParseError as error:
        raise SoapFaultError(
            "ErrorSchemaValidation", f"The request failed schema validation: {error}"
        ) from error
    body = root.find(f"{{{SOAP}}}Body")
    if root.tag != f"{{{SOAP}}}Envelope" or body is None or len(body) == 0:
        raise SoapFaultError("ErrorSchemaValidation", "The request failed schema validation: no SOAP body.")
    version = root.find(f"{{{SOAP}}}Header/{t('RequestServerVersion')}")
    api_version = version.get("Version", "Exchange2016") if version is not None else "Exchange2016"
    operation = body[0]
    if not operation.tag.startswith(f"{{{M}}}"):
        raise SoapFaultError("ErrorSchemaValidation", f"Unexpected element {operation.tag} in the SOAP body.")
    return SoapRequest(local(operation.tag), operation, api_version)


def envelope(content: ET.Element, api_version: str = "Exchange2016") -> bytes:
    root = ET.Element(f"{{{SOAP}}}Envelope")
    header = ET.SubElement(root, f"{{{SOAP}}}Header")
    ET.SubElement(
        header,
        t("ServerVersionInfo"),
        {
            "MajorVersion": "15",
            "MinorVersion": "1",
            "MajorBuildNumber": "2507",
            "MinorBuildNumber": "6",
            "Version": api_version,
        },
    )
    ET.SubElement(root, f"{{{SOAP}}}Body").append(content)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def fault_envelope(fault: SoapFaultError) -> bytes:
    root = ET.Element(f"{{{SOAP}}}Envelope")
    body = ET.SubElement(root, f"{{{SOAP}}}Body")
    node = ET.SubElement(body, f"{{{SOAP}}}Fault")
    ET.SubElement(node, "faultcode").text = f"a:{fault.code}"
    ET.SubElement(node, "faultstring").text = fault.message
    detail = ET.SubElement(node, "detail")
    ET.SubElement(detail, f"{{{ERR}}}ResponseCode").text = fault.code
    ET.SubElement(detail, f"{{{ERR}}}Message").text = fault.message
    if fault.back_off_ms is not None:
        xml = ET.SubElement(detail, t("MessageXml"))
        value = ET.SubElement(xml, t("Value"), {"Name": "BackOffMilliseconds"})
        value.text = str(fault.back_off_ms)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def response_root(operation: str) -> tuple[ET.Element, ET.Element]:
    """``<m:{Op}Response><m:ResponseMessages/>``: the root and the messages container."""
    root = ET.Element(m(f"{operation}Response"))
    return root, ET.SubElement(root, m("ResponseMessages"))


def success(messages: ET.Element, operation: str) -> ET.Element:
    message = ET.SubElement(messages, m(f"{operation}ResponseMessage"), {"ResponseClass": "Success"})
    ET.SubElement(message, m("ResponseCode")).text = "NoError"
    return message


def error(messages: ET.Element, operation: str, problem: ItemError) -> ET.Element:
    message = ET.SubElement(messages, m(f"{operation}ResponseMessage"), {"ResponseClass": "Error"})
    ET.SubElement(message, m("MessageText")).text = problem.message
    ET.SubElement(message, m("ResponseCode")).text = problem.code
    ET.SubElement(message, m("DescriptiveLinkKey")).text = "0"
    return message


def text_of(parent: ET.Element | None, tag: str, default: str = "") -> str:
    if parent is None:
        return default
    node = parent.find(tag)
    return (node.text or "") if node is not None else default


def leaf(tag: str, text: str, attrs: dict[str, str] | None = None) -> ET.Element:
    node = ET.Element(tag, attrs or {})
    node.text = text
    return node
