"""pytest fixtures for the Google sandbox (Calendar, Gmail, Tasks, People, OAuth), in-process over TLS."""

from __future__ import annotations
