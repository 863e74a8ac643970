"""The engine's stamp on the items it creates in Exchange (see connectors/stamp.py): a string MAPI
named property in PS_PUBLIC_STRINGS, the same one Graph writes, registered on the item classes the
engine creates so exchangelib writes it at CreateItem and can restrict FindItem by it."""

from __future__ import annotations

from exchangelib import CalendarItem, Contact, ExtendedProperty, Task

from connectors.stamp import PROPERTY_NAME

FIELD = "mail_sync_key"


class MailSyncKey(ExtendedProperty):
    distinguished_property_set_id = "PublicStrings"
    property_name = PROPERTY_NAME
    property_type = "String"


for _item_class in (CalendarItem, Task, Contact):
    if FIELD not in {f.name for f in _item_class.FIELDS}:
        _item_class.register(FIELD, MailSyncKey)
