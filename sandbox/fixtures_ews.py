"""pytest fixtures for the Exchange (EWS) sandbox, in-process over TLS."""

from __future__ import annotations
