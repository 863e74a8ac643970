"""Every model change has its migration: a deploy runs ``migrate``, never ``makemigrations``."""

from __future__ import annotations

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_it_has_a_migration_for_every_model_change():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)  # exits non-zero when one is missing
