import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from articles.models import Section
from references.models import Citation
from tests.factories import ArticleFactory, ReferenceFactory


def run(*args):
    """(exit status, stdout) of ``manage.py check_citations *args``."""
    out = StringIO()
    try:
        call_command("check_citations", *args, stdout=out, stderr=StringIO())
    except CommandError as error:
        return error.returncode, out.getvalue(), str(error)
    return 0, out.getvalue(), ""


@pytest.fixture
def clean(db):
    return ArticleFactory(slug="clean")


@pytest.fixture
def broken(db):
    """Cites [3] with no reference behind it."""
    article = ArticleFactory(slug="broken")
    Section.objects.filter(article=article, position=1).update(body="Stay active for low back pain [1] [3].")
    return article


@pytest.fixture
def warned(db):
    """No errors, one warning: an uncited figure."""
    article = ArticleFactory(slug="warned")
    Section.objects.create(article=article, position=3, heading="Dosing", body="- Ibuprofen 400 mg three times daily")
    return article


@pytest.mark.django_db
def test_a_clean_article_exits_0(clean):
    status, out, _ = run("clean")

    assert status == 0
    assert "clean: 0 error(s), 0 warning(s)" in out


@pytest.mark.django_db
def test_an_article_with_errors_exits_1_and_prints_located_findings(clean, broken):
    status, out, message = run("clean", "broken")

    assert status == 1
    assert "broken: 1 error(s)" in out
    assert "unresolved-citation" in out
    assert "Marker [3] in section 1 'First-line treatment' has no reference behind it" in out
    assert "errors" in message


@pytest.mark.django_db
def test_warnings_fail_only_when_asked(warned):
    assert run("warned")[0] == 0
    assert run("warned", "--fail-on-warnings")[0] == 1


@pytest.mark.django_db
def test_json_is_one_object_with_a_list_of_articles(clean, broken):
    status, out, _ = run("--all", "--json")

    payload = json.loads(out)
    assert status == 1
    assert payload["ok"] is False
    assert payload["errors"] == 1
    assert [a["slug"] for a in payload["articles"]] == ["broken", "clean"]
    finding = payload["articles"][0]["errors"][0]
    assert finding | {"message": ""} == {
        "code": "unresolved-citation",
        "severity": "error",
        "message": "",
        "section": 1,
        "heading": "First-line treatment",
        "marker": "[3]",
        "number": 3,
        "line": None,
    }
    assert payload["articles"][1]["errors"] == payload["articles"][1]["warnings"] == []


@pytest.mark.django_db
def test_an_unknown_slug_exits_2_naming_it(clean):
    status, out, message = run("clean", "no-such-article")

    assert status == 2
    assert "'no-such-article'" in message
    assert out == ""


@pytest.mark.django_db
def test_naming_nothing_exits_2():
    status, _, message = run()

    assert status == 2
    assert "--all" in message


@pytest.mark.django_db
def test_many_articles_take_a_fixed_number_of_queries(django_assert_max_num_queries):
    for n in range(8):
        article = ArticleFactory(slug=f"article-{n}")
        Citation.objects.create(article=article, number=3, reference=ReferenceFactory())

    with django_assert_max_num_queries(4):
        status, out, _ = run("--all")

    assert status == 1  # each has an orphan [3]
    assert out.count("orphan-reference") == 8


@pytest.mark.django_db
def test_the_seed_article_fails_with_its_located_findings():
    from articles.services import article_create
    from tests.references.seed import seed_content

    article_create(content=seed_content(), author=None)

    status, out, _ = run("what-are-the-treatment-options-for-back-pain", "--json")

    assert status == 1
    (report,) = json.loads(out)["articles"]
    assert sorted({f["number"] for f in report["errors"] if f["code"] == "unresolved-citation"}) == [2, 3, 4]
    assert {f["code"] for f in report["errors"]} == {"unresolved-citation"}
    mismatch = [f for f in report["warnings"] if f["code"] == "possible-reference-mismatch"]
    assert [(f["number"], f["section"], f["marker"]) for f in mismatch] == [(1, 1, "[1]")]
