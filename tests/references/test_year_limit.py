"""One year limit for a reference (``articles.content.REFERENCE_YEAR_MIN`` / ``MAX``), the same on every write
path: the Markdown importer, the library's services, the review API's input, the admin form (model field)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from articles.content import REFERENCE_YEAR_MAX, REFERENCE_YEAR_MIN, ReferenceData
from articles.importing import ImportError_, parse_document
from config.exceptions import InvalidInput
from references.models import Reference
from references.services import reference_get_or_create
from reviewboard.api.serializers import ReferenceInput

BOUNDARY = [
    (REFERENCE_YEAR_MIN - 1, False),
    (REFERENCE_YEAR_MIN, True),
    (REFERENCE_YEAR_MAX, True),
    (REFERENCE_YEAR_MAX + 1, False),
]


def test_the_limit_is_the_one_the_review_api_always_published():
    assert (REFERENCE_YEAR_MIN, REFERENCE_YEAR_MAX) == (1500, 2200)


# Each path answers None when it took the year, else what its refusal names (it must name the year).


def _markdown(year: int) -> str | None:
    text = (
        "---\nquestion: Does walking help back pain?\nreferences:\n"
        f"  - number: 1\n    kind: trial\n    title: A walking trial\n    year: {year}\n---\n"
        "## Walking\n\nWalking helps [1].\n"
    )
    try:
        content = parse_document(text)
    except ImportError_ as exc:
        return exc.message
    assert content.citations[0].reference.year == year
    return None


def _service(year: int) -> str | None:
    try:
        reference = reference_get_or_create(data=ReferenceData(title=f"A walking trial of {year}", year=year))
    except InvalidInput as exc:
        return str(exc.detail)
    assert reference.year == year
    return None


def _review_api(year: int) -> str | None:
    serializer = ReferenceInput(data={"number": 1, "title": "A walking trial", "year": year})
    return None if serializer.is_valid() else str(list(serializer.errors))


def _admin_form(year: int) -> str | None:
    try:
        Reference(title="A walking trial", year=year).full_clean()
    except ValidationError as exc:
        return str(list(exc.message_dict))
    return None


@pytest.mark.django_db
@pytest.mark.parametrize("path", [_markdown, _service, _review_api, _admin_form], ids=lambda f: f.__name__[1:])
@pytest.mark.parametrize(("year", "accepted"), BOUNDARY)
def test_every_write_path_takes_the_same_years(path, year, accepted):
    refusal = path(year)

    if accepted:
        assert refusal is None
    else:
        assert refusal is not None
        assert "year" in refusal
