"""Each organization's instant sync settings, read where a notification arrives (one query for a
whole batch) and where channels are opened; an organization that never saved them has the defaults."""

from __future__ import annotations

from collections.abc import Iterable

from instant.models import InstantSettings


def instant_settings_for(organization_id: int) -> InstantSettings:
    found = InstantSettings.objects.filter(organization_id=organization_id).first()
    return found or InstantSettings(organization_id=organization_id)


def instant_settings_of(organization_ids: Iterable[int]) -> dict[int, InstantSettings]:
    wanted = set(organization_ids)
    found = {s.organization_id: s for s in InstantSettings.objects.filter(organization_id__in=wanted)}
    return {pk: found.get(pk) or InstantSettings(organization_id=pk) for pk in wanted}


def organizations_without_instant_sync() -> list[int]:
    return list(InstantSettings.objects.filter(enabled=False).values_list("organization_id", flat=True))
