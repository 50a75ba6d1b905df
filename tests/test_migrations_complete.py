"""Every model change has its migration (``makemigrations --check``), asked in the test process where Django
is set up already: as a step of ./scripts/test before pytest it was a second start of Django, two seconds
of each run with nothing else going on."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command


def test_every_model_change_has_its_migration(db):
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit:
        pytest.fail(f"Model changes without a migration: run 'python manage.py makemigrations'.\n{out.getvalue()}")
