"""manage.py regenerate_published: on demand, with a progress bar and a summary."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from articles.models import PublishedVersion
from articles.publishing import regenerate_published
from config.exceptions import InvalidInput, NotFound
from references.models import Reference
from tests.articles.publishing_helpers import approve
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("regenerate_published", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def two_articles(db):
    first, second = ArticleFactory(slug="first"), ArticleFactory(slug="second")
    approve(first)
    approve(first)
    approve(second)
    return first, second


def test_all_unchanged_says_so_and_keeps_bytes(two_articles):
    before = dict(PublishedVersion.objects.values_list("pk", "payload_json"))

    out, err = run("--all")

    assert out.strip() == "regenerated 3 versions of 2 articles; 3 unchanged"
    assert "3/3" in err  # the progress bar
    assert dict(PublishedVersion.objects.values_list("pk", "payload_json")) == before


def test_named_slug_rebuilds_with_notices_from_the_current_reference_records(two_articles):
    first, second = two_articles
    reference = first.citations.get(number=2).reference
    Reference.objects.filter(pk=reference.pk).update(title="Corrected title")
    sources = dict(PublishedVersion.objects.values_list("pk", "source"))
    second_bytes = second.live_version.payload_json

    out, _ = run("first", "--no-progress")

    assert out.strip() == "regenerated 2 versions of 1 articles; 0 unchanged"
    for version in PublishedVersion.objects.filter(article=first):
        cited = json.loads(version.payload_json)["references"][1]
        assert cited["title"] != "Corrected title"  # readers keep the approved citation data
        assert cited["notice"]["kind"] == "corrected"
    assert dict(PublishedVersion.objects.values_list("pk", "source")) == sources
    second.live_version.refresh_from_db()
    assert second.live_version.payload_json == second_bytes


def test_regenerating_twice_gives_identical_bytes(two_articles):
    run("--all")
    first = dict(PublishedVersion.objects.values_list("pk", "payload_json"))
    run("--all")
    assert dict(PublishedVersion.objects.values_list("pk", "payload_json")) == first


def test_unknown_slug_exits_2_naming_it_and_renders_nothing(two_articles):
    before = dict(PublishedVersion.objects.values_list("pk", "rendered_at"))

    with pytest.raises(CommandError, match="no-such-slug") as exc:
        run("first", "no-such-slug")

    assert exc.value.returncode == 2
    assert dict(PublishedVersion.objects.values_list("pk", "rendered_at")) == before


@pytest.mark.parametrize("args", [(), ("--all", "first")])
def test_no_selection_or_both_is_refused(db, args):
    with pytest.raises(CommandError) as exc:
        run(*args)
    assert exc.value.returncode == 2


def test_service_refuses_no_selection_and_names_unknown_slugs(db):
    with pytest.raises(InvalidInput):
        regenerate_published()
    with pytest.raises(NotFound) as exc:
        regenerate_published(slugs=["ghost"])
    assert exc.value.detail == ["ghost"]


def test_a_draft_article_without_versions_regenerates_nothing(db):
    ArticleFactory(slug="draft-only")
    out, _ = run("draft-only", "--no-progress")
    assert out.strip() == "regenerated 0 versions of 0 articles; 0 unchanged"
