"""An organization's autoresolving settings (the reference's setting names in the help texts, its
defaults), and the records the engine made in Salesforce for people it met, with why."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from syncengine.models import Mailbox, Organization


class AutoresolveMode(models.TextChoices):
    OFF = "off", "Off: never create people in Salesforce"
    LEADS = "leads", "Create Leads"
    CONTACTS = "contacts", "Create Contacts"
    PERSON_ACCOUNTS = "person_accounts", "Create Person Accounts"


class AutoresolveSettings(models.Model):
    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="autoresolve_settings"
    )
    mode = models.CharField(
        "For people Salesforce does not know",
        max_length=20,
        choices=AutoresolveMode.choices,
        default=AutoresolveMode.OFF,
        help_text="Auto-resolving: when an email or a meeting being saved has people no Lead or "
        "Contact has, the engine creates one for each, filled from their email signature, and links "
        "the email or the Event to it.",
    )
    lead_source = models.CharField(
        "Lead Source of new Leads",
        max_length=40,
        default="Other",
        blank=True,
        help_text="A value of your Lead Source picklist that tells the Leads the engine made (empty: "
        "none). The engine's sync key field marks them either way.",
    )
    auto_create_accounts = models.BooleanField(
        "Create an Account for a new company",
        default=True,
        help_text="SalesforceContactAutoCreateAccount: a new Contact from a company no Account has gets a "
        "new Account, named from their signature or their email domain, with the domain as its Website.",
    )
    auto_lookup_accounts = models.BooleanField(
        "Link new Contacts to the Account of their domain",
        default=True,
        help_text="SalesforceContactAutoLookupAccount: an Account whose Website is the person's email "
        "domain gets the new Contact.",
    )
    fixed_account_id = models.CharField(
        "Or link every new Contact to this Account",
        max_length=18,
        blank=True,
        help_text="The Account's 15 or 18 character id, for someone in your org to sort them later. "
        "Leave empty to use the two settings above.",
    )
    smart_create = models.BooleanField(
        "Smart create",
        default=False,
        help_text="SalesforceSmartCreateUnresolvedObjects: a Contact on the Account whose Website is the "
        "person's domain when that Account already has Contacts; a Lead (or a Person Account) otherwise.",
    )
    create_for_all_unresolved_recipients = models.BooleanField(
        "Create people for every auto-saved email",
        default=False,
        help_text="SalesforceEmailCreateAllUnresolvedRecipients: people are created for all recipients of "
        "auto-saved emails that match no record, not only for emails saved by category or folder.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "autoresolve settings"
        verbose_name_plural = "autoresolve settings"

    def __str__(self) -> str:
        return f"{self.organization}: autoresolve {self.mode}"


class CreatedRecord(models.Model):
    """A Lead, Contact or Person Account the engine made, once per address per organization."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="created_people")
    address = models.EmailField(max_length=254)
    sync_key = models.CharField(max_length=40)
    sobject = models.CharField(max_length=20)
    record_id = models.CharField(max_length=18, blank=True)
    account_id = models.CharField(max_length=18, blank=True)
    account_created = models.BooleanField(default=False)
    reason = models.CharField(max_length=255, blank=True)
    source = models.CharField(max_length=255, blank=True, help_text="The email or meeting that met them")
    signature_fields = models.JSONField(default=list, blank=True)
    mailbox = models.ForeignKey(Mailbox, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    # The Lead it was, once someone converted it in Salesforce: the record is its Contact since.
    converted_from = models.CharField(max_length=18, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "sync_key"], name="one_created_record_per_person")
        ]
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.sobject} for {self.address}"

    @property
    def signature_words(self) -> str:
        """The fields the signature gave, as the page says them ("first name, title, phones")."""
        return ", ".join(str(name).replace("_", " ") for name in self.signature_fields)
