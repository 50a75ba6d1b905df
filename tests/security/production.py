"""Run a snippet of Python under the production settings, in a fresh process (settings are read at import)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": "x" * 50,
    "DJANGO_ALLOWED_HOSTS": "board.example.org",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/reviewboard",
    "REDIS_URL": "redis://127.0.0.1:6379/8",
    "EMAIL_URL": "smtp://localhost:25",
    "AUDIT_CHECKPOINT_KEY": "k" * 40,
}


def run_with_production_settings(code: str, *, without: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """``python -c "import django; django.setup(); <code>"`` with the documented production environment,
    minus the variables named in ``without``."""
    env = {**os.environ, **PRODUCTION_ENV}
    for name in without:
        env.pop(name, None)
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
