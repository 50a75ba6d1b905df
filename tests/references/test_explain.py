"""Integrity findings in words: every finding code has its sentence (references.explain)."""

from __future__ import annotations

import re

from references import integrity
from references.explain import SENTENCES


def test_every_finding_code_has_its_sentence():
    """People never read a code: each finding code the checker or the importer reports has words."""
    codes = {
        value
        for name, value in vars(integrity).items()
        if name.isupper() and isinstance(value, str) and re.fullmatch(r"[a-z]+(?:-[a-z]+)+", value)
    }

    assert codes - set(SENTENCES) == set()
