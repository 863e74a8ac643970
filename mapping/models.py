"""Field mapping tables as data: an org admin edits them; the engine builds its rules from them."""

from __future__ import annotations

from django.db import models


class MappingDirection(models.TextChoices):
    BOTH = "both", "Both ways"
    TO_CRM = "to_crm", "Mailbox -> Salesforce"
    TO_MAIL = "to_mail", "Salesforce -> mailbox"
    NONE = "none", "Not synced"


class StreamChoice(models.TextChoices):
    EVENTS = "events", "Calendar items <-> Event"
    TASKS = "tasks", "Tasks <-> Task"
    CONTACTS = "contacts", "Contacts <-> Contact"


class FieldMapping(models.Model):
    """One row of an org's mapping table for a stream. An org with no rows for a stream uses the
    default table; once it has rows, they are the whole table for that stream."""

    # By name: the engine imports mapping, so mapping does not import the engine's models.
    organization = models.ForeignKey(
        "syncengine.Organization", on_delete=models.CASCADE, related_name="field_mappings"
    )
    stream = models.CharField(max_length=20, choices=StreamChoice.choices)
    mail_field = models.CharField(
        max_length=60,
        blank=True,
        help_text="The mailbox field (neutral name), e.g. subject; blank for a fixed value",
    )
    crm_field = models.CharField(
        max_length=80, help_text="The Salesforce field API name, e.g. Subject or Region__c"
    )
    direction = models.CharField(
        max_length=10, choices=MappingDirection.choices, default=MappingDirection.BOTH
    )
    converter = models.CharField(max_length=40, default="text", help_text="How values are converted")
    position = models.PositiveIntegerField(default=0)
    # A fixed value (no mailbox field): what every new record gets in crm_field, e.g. a required
    # custom field no mailbox field fills. Checked against the field's describe like the rest.
    value = models.CharField(max_length=255, blank=True, default="")
    # Taken from the org's Salesforce describe when the row is validated: values are cut to fit.
    max_length = models.PositiveIntegerField(null=True, blank=True, editable=False)
    # Likewise: the field's describe type, which decides how its values are written in SOQL.
    crm_type = models.CharField(max_length=40, blank=True, default="", editable=False)

    class Meta:
        ordering = ["organization", "stream", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "stream", "crm_field"], name="one_row_per_crm_field"
            ),
        ]

    def __str__(self) -> str:
        if not self.mail_field:
            return f"{self.stream}: {self.crm_field} = {self.value!r} on create"
        return f"{self.stream}: {self.mail_field} -> {self.crm_field} ({self.direction})"
