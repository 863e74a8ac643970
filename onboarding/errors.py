"""The one error type of onboarding: a message a person can act on, never a token or a code."""

from __future__ import annotations


class OnboardingError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
