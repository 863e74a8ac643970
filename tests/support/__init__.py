"""Helpers the tests share: plain modules, imported by test files and conftest fixtures alike."""
