"""Adapters that speak each provider's real protocol with its real client library.

Every connector returns ``syncengine.core.records`` values and raises ``ConnectorError`` only;
see ``connectors/base.py`` for the interface.
"""
