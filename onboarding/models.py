"""What onboarding keeps beyond mailboxes and connections: an organization's Microsoft admin consent."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from syncengine.models import Organization


class MicrosoftAdminConsent(models.Model):
    """An org admin granted the app's application permissions for their whole Microsoft 365 tenant.

    Nothing secret is stored: client-credentials tokens are asked for when needed, with the app's
    own secret, against this tenant.
    """

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="microsoft_admin_consent"
    )
    tenant_id = models.CharField(max_length=64)
    scopes = models.JSONField(default=list, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    granted_at = models.DateTimeField(default=timezone.now)
    # When a client-credentials token was last obtained for this tenant: proof the consent works.
    verified_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Microsoft admin consent of {self.organization} (tenant {self.tenant_id})"
