"""sObject types and their fields: a realistic subset of the standard objects, plus describe output."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

TEXT_TYPES = {"string", "textarea", "picklist", "multipicklist", "combobox", "email", "phone", "url"}
ID_TYPES = {"id", "reference"}

_SOAP_TYPES = {
    "id": "tns:ID",
    "base64": "xsd:base64Binary",
    "reference": "tns:ID",
    "boolean": "xsd:boolean",
    "datetime": "xsd:dateTime",
    "date": "xsd:date",
    "int": "xsd:int",
    "double": "xsd:double",
    "currency": "xsd:double",
}


@dataclass(frozen=True)
class FieldDef:
    name: str
    type: str
    length: int = 0
    label: str = ""
    required: bool = False  # not nillable: must have a value after defaults are applied
    createable: bool = True
    updateable: bool = True
    external_id: bool = False
    unique: bool = False
    picklist: tuple[str, ...] = ()
    restricted: bool = False
    default: Any = None
    reference_to: tuple[str, ...] = ()
    relationship_name: str | None = None
    custom: bool = False
    calculated: bool = False

    @property
    def nillable(self) -> bool:
        return not self.required and self.type != "boolean"

    def describe(self) -> dict[str, Any]:
        default = self.default
        return {
            "name": self.name,
            "label": self.label or _label(self.name),
            "type": self.type,
            "soapType": _SOAP_TYPES.get(self.type, "xsd:string"),
            "length": self.length,
            "byteLength": self.length * 3,
            "precision": 18 if self.type in {"double", "currency"} else 0,
            "scale": 2 if self.type in {"double", "currency"} else 0,
            "digits": 9 if self.type == "int" else 0,
            "nillable": self.nillable,
            "createable": self.createable,
            "updateable": self.updateable,
            "defaultedOnCreate": default is not None or self.type == "boolean" or self.name == "OwnerId",
            "defaultValue": default if default is not None else (False if self.type == "boolean" else None),
            "externalId": self.external_id,
            "unique": self.unique,
            "idLookup": self.type == "id" or self.external_id,
            "caseSensitive": False,
            "custom": self.custom,
            "calculated": self.calculated,
            "filterable": self.type != "base64" and (self.type != "textarea" or self.length <= 255),
            "sortable": self.type != "base64" and (self.type != "textarea" or self.length <= 255),
            "groupable": self.type not in {"textarea", "datetime", "double", "currency", "base64"},
            "picklistValues": [
                {"value": v, "label": v, "active": True, "defaultValue": v == default, "validFor": None}
                for v in self.picklist
            ],
            "restrictedPicklist": self.restricted,
            "referenceTo": list(self.reference_to),
            "relationshipName": self.relationship_name,
            "polymorphicForeignKey": len(self.reference_to) > 1,
        }


def _label(name: str) -> str:
    base = name.removesuffix("__c").removesuffix("Id") if name != "Id" else "Record ID"
    base = base.replace("_", " ")
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", base).strip() or name


@dataclass
class SObjectType:
    name: str
    key_prefix: str
    label: str
    label_plural: str
    fields: dict[str, FieldDef] = field(default_factory=dict)  # canonical name -> field
    custom: bool = False

    def field(self, name: str) -> FieldDef | None:
        """Case-insensitive lookup, as Salesforce does."""
        found = self.fields.get(name)
        if found is not None:
            return found
        lower = name.lower()
        for candidate in self.fields.values():
            if candidate.name.lower() == lower:
                return candidate
        return None

    def with_fields(self, extra: list[FieldDef]) -> SObjectType:
        fields = dict(self.fields)
        for item in extra:
            fields[item.name] = item
        return replace(self, fields=fields)

    def describe_summary(self, version: str) -> dict[str, Any]:
        base = f"/services/data/v{version}/sobjects/{self.name}"
        return {
            "name": self.name,
            "label": self.label,
            "labelPlural": self.label_plural,
            "keyPrefix": self.key_prefix,
            "custom": self.custom,
            "createable": self.name != "User",
            "updateable": True,
            "deletable": self.name != "User",
            "queryable": True,
            "retrieveable": True,
            "searchable": True,
            "triggerable": True,
            "replicateable": True,
            "layoutable": True,
            "urls": {"sobject": base, "describe": f"{base}/describe", "rowTemplate": f"{base}/{{ID}}"},
        }

    def describe(self, version: str) -> dict[str, Any]:
        return {
            **self.describe_summary(version),
            "fields": [f.describe() for f in self.fields.values()],
            "childRelationships": [],
            "recordTypeInfos": [],
        }


def _s(name: str, length: int = 255, **kw: Any) -> FieldDef:
    return FieldDef(name, "string", length, **kw)


def _ref(name: str, to: tuple[str, ...], relationship: str, **kw: Any) -> FieldDef:
    return FieldDef(name, "reference", 18, reference_to=to, relationship_name=relationship, **kw)


def _pick(name: str, values: tuple[str, ...], **kw: Any) -> FieldDef:
    return FieldDef(name, "picklist", 255, picklist=values, **kw)


def _bool(name: str, **kw: Any) -> FieldDef:
    return FieldDef(name, "boolean", 0, **{"default": False, **kw})


def _dt(name: str, **kw: Any) -> FieldDef:
    return FieldDef(name, "datetime", 0, **kw)


def _text(name: str, length: int = 32000) -> FieldDef:
    return FieldDef(name, "textarea", length)


_RO: dict[str, Any] = {"createable": False, "updateable": False}
_FIXED: dict[str, Any] = {"required": True, "updateable": False}
_VISIBILITY = ("AllUsers", "InternalUsers", "SharedUsers")


def _system_fields(owner: bool) -> list[FieldDef]:
    ro = {"createable": False, "updateable": False}
    fields = [
        FieldDef("Id", "id", 18, required=True, **ro),
        _bool("IsDeleted", **ro),
        _dt("CreatedDate", required=True, **ro),
        _ref("CreatedById", ("User",), "CreatedBy", required=True, **ro),
        _dt("LastModifiedDate", required=True, **ro),
        _ref("LastModifiedById", ("User",), "LastModifiedBy", required=True, **ro),
        _dt("SystemModstamp", required=True, **ro),
    ]
    if owner:
        fields.append(_ref("OwnerId", ("User",), "Owner", required=True))
    return fields


def _make(
    name: str, prefix: str, label: str, plural: str, fields: list[FieldDef], owner: bool = True
) -> SObjectType:
    all_fields = _system_fields(owner) + fields
    return SObjectType(name, prefix, label, plural, {f.name: f for f in all_fields})


_NAME = FieldDef("Name", "string", 121, createable=False, updateable=False, calculated=True)
_ADDRESS = ("Street", "City", "State", "PostalCode", "Country")

_EVENT_TYPES = ("Call", "Email", "Meeting", "Other")
_TASK_STATUS = ("Not Started", "In Progress", "Completed", "Waiting on someone else", "Deferred")
_LEAD_SOURCES = ("Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other")
_LEAD_STATUS = ("Open - Not Contacted", "Working - Contacted", "Closed - Converted", "Closed - Not Converted")
_STAGES = (
    "Prospecting", "Qualification", "Needs Analysis", "Value Proposition", "Id. Decision Makers",
    "Perception Analysis", "Proposal/Price Quote", "Negotiation/Review", "Closed Won", "Closed Lost",
)  # fmt: skip
_PRIORITIES = ("High", "Normal", "Low")
_CASE_STATUS = ("New", "Working", "Escalated", "Closed")
_TASK_SUBTYPES = ("Task", "Email", "ListEmail", "Cadence", "Call", "LinkedIn")
_RELATION_TYPES = ("FromAddress", "ToAddress", "CcAddress", "BccAddress")
# Records a file can be linked to (a realistic subset of ContentDocumentLink.LinkedEntityId's targets).
_LINKABLE = ("Account", "Contact", "Lead", "Opportunity", "Case", "Event", "Task", "EmailMessage", "User")
_INDUSTRIES = ("Agriculture", "Banking", "Consulting", "Education", "Finance", "Technology", "Other")


def standard_objects() -> dict[str, SObjectType]:
    objects = [
        _make(
            "User", "005", "User", "Users",
            [
                _s("Username", 80, required=True, unique=True),
                FieldDef("Email", "email", 128, required=True),
                _NAME,
                _s("FirstName", 40),
                _s("LastName", 80, required=True),
                _s("Alias", 8),
                _bool("IsActive", default=True),
                _s("TimeZoneSidKey", 40),
            ],
            owner=False,
        ),
        _make(
            "Account", "001", "Account", "Accounts",
            [
                _s("Name", 255, required=True),
                FieldDef("Website", "url", 255),
                FieldDef("Phone", "phone", 40),
                FieldDef("Fax", "phone", 40),
                _pick("Industry", _INDUSTRIES),
                FieldDef("BillingStreet", "textarea", 255),
                _s("BillingCity", 40),
                *[_s(f"Billing{part}", 80 if part == "Country" else 40) for part in _ADDRESS[2:]],
                _text("Description"),
            ],
        ),
        _make(
            "Contact", "003", "Contact", "Contacts",
            [
                _NAME,
                _pick("Salutation", ("Mr.", "Ms.", "Mrs.", "Dr.", "Prof.", "Mx.")),
                _s("FirstName", 40),
                _s("MiddleName", 40),
                _s("LastName", 80, required=True),
                _s("Suffix", 40),
                FieldDef("Email", "email", 80),
                FieldDef("Phone", "phone", 40),
                FieldDef("MobilePhone", "phone", 40),
                FieldDef("HomePhone", "phone", 40),
                FieldDef("OtherPhone", "phone", 40),
                FieldDef("Fax", "phone", 40),
                _s("Title", 128),
                _s("Department", 80),
                _s("AssistantName", 40),
                FieldDef("Birthdate", "date"),
                _ref("AccountId", ("Account",), "Account"),
                FieldDef("MailingStreet", "textarea", 255),
                *[_s(f"Mailing{part}", 80 if part == "Country" else 40) for part in _ADDRESS[1:]],
                FieldDef("OtherStreet", "textarea", 255),
                *[_s(f"Other{part}", 80 if part == "Country" else 40) for part in _ADDRESS[1:]],
                _text("Description"),
            ],
        ),
        _make(
            "Lead", "00Q", "Lead", "Leads",
            [
                _NAME,
                _s("FirstName", 40),
                _s("LastName", 80, required=True),
                _s("Company", 255, required=True),
                FieldDef("Email", "email", 80),
                FieldDef("Phone", "phone", 40),
                FieldDef("MobilePhone", "phone", 40),
                FieldDef("Fax", "phone", 40),
                FieldDef("Website", "url", 255),
                _s("Title", 128),
                FieldDef("Street", "textarea", 255),
                *[_s(part, 80 if part == "Country" else 40) for part in _ADDRESS[1:]],
                _pick("LeadSource", _LEAD_SOURCES),
                _pick("Status", _LEAD_STATUS, required=True, default="Open - Not Contacted", restricted=True),
                _text("Description"),
                _bool("IsConverted", updateable=False),
                FieldDef("ConvertedDate", "date", **_RO),
                _ref("ConvertedContactId", ("Contact",), "ConvertedContact", **_RO),
                _ref("ConvertedAccountId", ("Account",), "ConvertedAccount", **_RO),
                _ref("ConvertedOpportunityId", ("Opportunity",), "ConvertedOpportunity", **_RO),
            ],
        ),
        _make(
            "Opportunity", "006", "Opportunity", "Opportunities",
            [
                _s("Name", 120, required=True),
                _pick("StageName", _STAGES, required=True),
                FieldDef("CloseDate", "date", required=True),
                _ref("AccountId", ("Account",), "Account"),
                FieldDef("Amount", "currency"),
                _text("Description"),
                _bool("IsClosed", **_RO),  # both follow StageName, as the stage's metadata says
                _bool("IsWon", **_RO),
            ],
        ),
        _make(
            "Case", "500", "Case", "Cases",
            [
                FieldDef("CaseNumber", "string", 30, **_RO),  # auto-number
                _s("Subject", 255),
                _text("Description"),
                _pick("Status", _CASE_STATUS, required=True, default="New", restricted=True),
                _bool("IsClosed", **_RO),
                _dt("ClosedDate", **_RO),
                _pick("Origin", ("Phone", "Email", "Web")),
                _pick("Priority", ("High", "Medium", "Low"), default="Medium"),
                _ref("AccountId", ("Account",), "Account"),
                _ref("ContactId", ("Contact",), "Contact"),
                FieldDef("SuppliedEmail", "email", 80),
            ],
        ),
        _make(
            "Event", "00U", "Event", "Events",
            [
                FieldDef("Subject", "combobox", 255, picklist=_EVENT_TYPES),
                _dt("StartDateTime"),
                _dt("EndDateTime"),
                _dt("ActivityDateTime"),
                FieldDef("ActivityDate", "date"),
                FieldDef("DurationInMinutes", "int"),
                _bool("IsAllDayEvent"),
                _s("Location", 255),
                _text("Description"),
                _pick("ShowAs", ("Busy", "OutOfOffice", "Free"), default="Busy", restricted=True),
                _bool("IsPrivate"),
                _ref("WhoId", ("Contact", "Lead"), "Who"),
                _ref("WhatId", ("Account", "Opportunity"), "What"),
                _bool("IsReminderSet"),
                _dt("ReminderDateTime"),
                _pick("Type", _EVENT_TYPES),
            ],
        ),
        _make(
            "Task", "00T", "Task", "Tasks",
            [
                FieldDef("Subject", "combobox", 255, picklist=("Call", "Send Letter", "Send Quote", "Other")),
                FieldDef("ActivityDate", "date"),
                _pick("Status", _TASK_STATUS, required=True, default="Not Started", restricted=True),
                _pick("Priority", _PRIORITIES, required=True, default="Normal", restricted=True),
                _text("Description"),
                _ref("WhoId", ("Contact", "Lead"), "Who"),
                _ref("WhatId", ("Account", "Opportunity", "Case"), "What"),
                _bool("IsReminderSet"),
                _dt("ReminderDateTime"),
                _bool("IsPrivate"),
                _pick("TaskSubtype", _TASK_SUBTYPES, updateable=False, restricted=True),
            ],
        ),
        _make(
            "EventRelation", "0RE", "Event Relation", "Event Relations",
            [
                _ref("EventId", ("Event",), "Event", required=True, updateable=False),
                _ref("RelationId", ("Contact", "Lead", "User"), "Relation", required=True, updateable=False),
                _bool("IsInvitee", default=True),
                _bool("IsWhat"),
                _bool("IsParent"),
                _pick("Status", ("New", "Declined", "Accepted"), default="New", restricted=True),
            ],
            owner=False,
        ),
        _make(
            "EmailMessage", "02s", "Email Message", "Email Messages",
            [
                _s("Subject", 3000),
                _text("TextBody"),
                _text("HtmlBody"),
                _text("Headers"),
                FieldDef("FromAddress", "email", 1000),
                _s("FromName", 1000),
                _s("ToAddress", 4000),
                _s("CcAddress", 4000),
                _s("BccAddress", 4000),
                _dt("MessageDate"),
                # 0 New, 1 Read, 2 Replied, 3 Sent, 4 Forwarded, 5 Draft
                _pick("Status", ("0", "1", "2", "3", "4", "5"), required=True, default="3", restricted=True),
                _bool("Incoming"),
                _bool("HasAttachment", **_RO),
                _bool("IsExternallyVisible"),
                _ref("RelatedToId", ("Account", "Opportunity", "Case"), "RelatedTo"),
                _ref("ParentId", ("Case",), "Parent"),
                _ref("ActivityId", ("Task",), "Activity"),
                _ref("ReplyToEmailMessageId", ("EmailMessage",), "ReplyToEmailMessage"),
                _s("ThreadIdentifier", 255),
                _s("MessageIdentifier", 255),
            ],
        ),
        _make(
            "EmailMessageRelation", "0Rm", "Email Message Relation", "Email Message Relations",
            [
                _ref("EmailMessageId", ("EmailMessage",), "EmailMessage", required=True, updateable=False),
                _ref("RelationId", ("Contact", "Lead", "User"), "Relation"),
                _s("RelationAddress", 255, updateable=False),
                _s("RelationObjectType", 255, **_RO),
                _pick("RelationType", _RELATION_TYPES, required=True, restricted=True, updateable=False),
            ],
            owner=False,
        ),
        _make(
            "ContentDocument", "069", "Content Document", "Content Documents",
            [
                _s("Title", 255, createable=False),
                _ref("LatestPublishedVersionId", ("ContentVersion",), "LatestPublishedVersion", **_RO),
                _s("FileExtension", 40, **_RO),
                FieldDef("ContentSize", "int", **_RO),
            ],
        ),
        _make(
            "ContentVersion", "068", "Content Version", "Content Versions",
            [
                _s("Title", 255),
                _s("PathOnClient", 500, updateable=False),
                FieldDef("VersionData", "base64", 0, updateable=False),
                _ref("ContentDocumentId", ("ContentDocument",), "ContentDocument", updateable=False),
                _ref("FirstPublishLocationId", _LINKABLE, "FirstPublishLocation", updateable=False),
                _pick("ContentLocation", ("S", "E", "L"), default="S", restricted=True, updateable=False),
                _text("Description", 1000),
                FieldDef("ContentSize", "int", **_RO),
                _s("FileExtension", 40, **_RO),
                _s("Checksum", 50, **_RO),
                _bool("IsLatest", **_RO),
            ],
        ),
        _make(
            "ContentDocumentLink", "06A", "Content Document Link", "Content Document Links",
            [
                _ref("ContentDocumentId", ("ContentDocument",), "ContentDocument", **_FIXED),
                _ref("LinkedEntityId", _LINKABLE, "LinkedEntity", **_FIXED),
                _pick("ShareType", ("V", "C", "I"), required=True, default="V", restricted=True),
                _pick("Visibility", _VISIBILITY, default="AllUsers", restricted=True),
            ],
            owner=False,
        ),
        _make(
            "RecordType", "012", "Record Type", "Record Types",
            [
                _s("Name", 80, required=True),
                _s("DeveloperName", 80, required=True),
                _s("SobjectType", 40, required=True),
                _bool("IsPersonType", **_RO),
                _bool("IsActive", default=True),
            ],
            owner=False,
        ),
    ]  # fmt: skip
    return {o.name: o for o in objects}


def person_account_fields() -> dict[str, list[FieldDef]]:
    """The fields an org with Person Accounts enabled has on Account (the person's, prefixed Person),
    and on Contact: a Person Account is an Account with a Contact Salesforce keeps in step with it."""
    person = [
        _s("FirstName", 40),
        _s("LastName", 80),
        _pick("Salutation", ("Mr.", "Ms.", "Mrs.", "Dr.", "Prof.", "Mx.")),
        FieldDef("PersonEmail", "email", 80),
        FieldDef("PersonMobilePhone", "phone", 40),
        FieldDef("PersonHomePhone", "phone", 40),
        _s("PersonTitle", 80),
        FieldDef("PersonMailingStreet", "textarea", 255),
        *[_s(f"PersonMailing{part}", 80 if part == "Country" else 40) for part in _ADDRESS[1:]],
        _bool("IsPersonAccount", **_RO),
        _ref("PersonContactId", ("Contact",), "PersonContact", **_RO),
        _ref("RecordTypeId", ("RecordType",), "RecordType"),
    ]
    return {"Account": person, "Contact": [_bool("IsPersonAccount", **_RO)]}


# A Person Account's fields and the Contact fields Salesforce copies them to.
PERSON_TO_CONTACT = {
    "FirstName": "FirstName",
    "LastName": "LastName",
    "Salutation": "Salutation",
    "PersonEmail": "Email",
    "Phone": "Phone",
    "PersonMobilePhone": "MobilePhone",
    "PersonHomePhone": "HomePhone",
    "PersonTitle": "Title",
    "PersonMailingStreet": "MailingStreet",
    **{f"PersonMailing{part}": f"Mailing{part}" for part in _ADDRESS[1:]},
}


def custom_field(
    name: str,
    type: str,  # noqa: A002 - the describe attribute's own name
    length: int | None = None,
    external_id: bool = False,
    unique: bool = False,
    required: bool = False,
    picklist_values: list[str] | None = None,
    default: Any = None,
) -> FieldDef:
    """A custom field as Setup makes it; with a ``default`` Salesforce fills it in on create
    (describe: defaultedOnCreate), so even a required one may be left out of a new record."""
    if not re.match(r"^[A-Za-z][A-Za-z0-9_]*__c$", name):
        raise ValueError(f"custom field names end in __c: {name!r}")
    kind = type.lower()
    if kind == "text":
        kind = "string"
    if kind not in TEXT_TYPES | {"boolean", "datetime", "date", "int", "double", "currency"}:
        raise ValueError(f"unsupported field type {type!r}")
    if length is None:
        length = {"string": 255, "textarea": 32768, "email": 80, "phone": 40, "url": 255}.get(kind, 0)
        if kind in {"picklist", "multipicklist", "combobox"}:
            length = 255
    return FieldDef(
        name,
        kind,
        length,
        required=required,
        external_id=external_id,
        unique=unique,
        picklist=tuple(picklist_values or ()),
        restricted=kind in {"picklist", "multipicklist"},
        default=default if default is not None else (False if kind == "boolean" else None),
        custom=True,
    )
