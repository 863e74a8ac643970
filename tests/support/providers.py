"""Our app's registration with the Google sandbox for the engine tests."""

from __future__ import annotations

GOOGLE_CLIENT = ("1234567890-engine.apps.googleusercontent.com", "google-engine-secret")
