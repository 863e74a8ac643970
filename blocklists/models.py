"""The two blocklist layers, the organization's changes to the free-email-domain list, and its
blocklist settings. Writes go through blocklists/services.py.

Entries are stored normalised (lower case, domains in their ASCII/punycode form, see
``blocklists.core.validate_entry``), so uniqueness is checked on what matching compares.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from blocklists.core import BlocklistInputError, display_form, is_address, validate_domain, validate_entry
from syncengine.models import Organization

ENTRY_MAX_LENGTH = 254  # the longest address (core.MAX_ADDRESS_LENGTH); domains are shorter
NOTE_MAX_LENGTH = 200


def _normalised_by(validate: Callable[[str], str]) -> Callable[[str], None]:
    """A field validator (used by the Django admin's forms): the value must be valid and already in
    its stored form, since matching and uniqueness compare stored forms."""

    def check(value: str) -> None:
        try:
            stored = validate(value)
        except BlocklistInputError as error:
            raise ValidationError(str(error)) from None
        if stored != value:
            raise ValidationError(f"Enter it as {stored}.")

    return check


def validate_stored_entry(value: str) -> None:
    _normalised_by(validate_entry)(value)


def validate_stored_domain(value: str) -> None:
    _normalised_by(validate_domain)(value)


class BlocklistSettings(models.Model):
    """An organization's blocklist options. Defaults follow the reference: the free-email-domain
    list is on, and users may remove the org admin's entries from their own blocklist."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="blocklist_settings"
    )
    free_domains_enabled = models.BooleanField(
        default=True,
        help_text="Block the free email providers' domains (gmail.com, yahoo.com, …) for everyone",
    )
    users_may_remove_org_entries = models.BooleanField(
        default=True,
        help_text="Users may lift an entry of the organization's blocklist for themselves",
    )

    class Meta:
        verbose_name_plural = "blocklist settings"

    def __str__(self) -> str:
        return f"Blocklist settings of {self.organization}"


class _Entry(models.Model):
    value = models.CharField(
        max_length=ENTRY_MAX_LENGTH,
        validators=[validate_stored_entry],
        help_text="An address or a domain, lower case (international domains in punycode)",
    )
    note = models.CharField(max_length=NOTE_MAX_LENGTH, blank=True)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.shown

    @property
    def is_address(self) -> bool:
        return is_address(self.value)

    @property
    def shown(self) -> str:
        return display_form(self.value)


class OrgBlocklistEntry(_Entry):
    """An entry of the org admins' layer: applies to every user of the organization."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="blocklist_entries")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["value"]
        verbose_name = "org blocklist entry"
        verbose_name_plural = "org blocklist entries"
        constraints = [
            models.UniqueConstraint(fields=["organization", "value"], name="one_org_entry_per_value"),
        ]


class UserEntryAction(models.TextChoices):
    BLOCK = "block", "Blocked by me"
    ALLOW = "allow", "Org entry lifted for me"


class UserBlocklistEntry(_Entry):
    """An entry of one user's layer in one organization.

    ``block`` adds the value to the user's blocklist; ``allow`` lifts the org entry with the same
    value for this user only, and counts only while the organization lets users do so (it is kept,
    not deleted, when the organization forbids it, and applies again if it is allowed again).
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="user_blocklist_entries"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocklist_entries"
    )
    action = models.CharField(max_length=5, choices=UserEntryAction.choices, default=UserEntryAction.BLOCK)

    class Meta:
        ordering = ["value"]
        verbose_name = "user blocklist entry"
        verbose_name_plural = "user blocklist entries"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user", "value"], name="one_user_entry_per_value"
            ),
        ]


class FreeDomainChange(models.Model):
    """One organization's change to the global free-email-domain list: a domain added to it
    (``included``) or a default domain taken out of it (not ``included``)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="free_domain_changes"
    )
    domain = models.CharField(max_length=253, validators=[validate_stored_domain])
    included = models.BooleanField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["domain"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "domain"], name="one_free_domain_change"),
        ]

    def __str__(self) -> str:
        return f"{'+' if self.included else '-'}{self.domain} ({self.organization})"
