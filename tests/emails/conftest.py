"""Fixtures for the email stream's scenario tests: the Salesforce sandbox server and the Graph sandbox app
(helpers in tests/support/emails.py)."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def sf_server(sandboxes: Any) -> Any:
    return sandboxes[0]


@pytest.fixture
def graph(sandboxes: Any) -> Any:
    return sandboxes[1].app
