import json
from dataclasses import replace

import pytest
from django.contrib.auth.models import Permission

from articles.content import ReferenceData
from config.exceptions import Conflict, InvalidInput, NotAllowed
from references.models import Reference
from references.services import reference_get_or_create
from reviewboard.review.services.library import reference_correct, reference_mark_status
from tests.factories import ArticleFactory, ReferenceFactory, UserFactory
from tests.references.factories import user_in

ACP = ReferenceData(
    title="Noninvasive Treatments for Acute, Subacute, and Chronic Low Back Pain",
    kind="guideline",
    authors="American College of Physicians",
    publisher="Annals of Internal Medicine",
    year=2017,
    doi="10.7326/M16-2367",
    pmid="28192789",
)


# --- reference_get_or_create ----------------------------------------------------------------


@pytest.mark.django_db
def test_get_or_create_creates_a_record_with_the_doi_as_written_without_its_resolver():
    reference = reference_get_or_create(data=replace(ACP, doi="https://doi.org/10.7326/M16-2367"))

    assert reference.pk is not None
    assert reference.doi == "10.7326/M16-2367"
    assert reference.pmid == "28192789"
    assert reference.kind == Reference.Kind.GUIDELINE


@pytest.mark.django_db
def test_get_or_create_finds_the_same_doi_in_any_case_and_never_overwrites():
    existing = reference_get_or_create(data=ACP)

    again = reference_get_or_create(data=replace(ACP, doi="doi:10.7326/m16-2367", title="Another title", pmid=""))

    assert again.pk == existing.pk
    assert Reference.objects.count() == 1
    again.refresh_from_db()
    assert again.title == ACP.title


@pytest.mark.django_db
def test_get_or_create_finds_the_same_pmid():
    existing = reference_get_or_create(data=replace(ACP, doi=""))

    again = reference_get_or_create(data=replace(ACP, doi="", title="ACP low back pain guideline", pmid=" 28192789 "))

    assert again.pk == existing.pk
    assert Reference.objects.count() == 1


@pytest.mark.django_db
def test_get_or_create_finds_the_same_normalised_title_and_year_when_no_identifier_is_given():
    existing = reference_get_or_create(data=replace(ACP, doi="", pmid=""))

    again = reference_get_or_create(
        data=ReferenceData(title="noninvasive treatments for acute, subacute and chronic  low-back pain.", year=2017)
    )

    assert again.pk == existing.pk
    assert Reference.objects.count() == 1


@pytest.mark.django_db
def test_get_or_create_keeps_a_different_year_or_a_different_doi_apart():
    first = reference_get_or_create(data=replace(ACP, doi="", pmid=""))

    other_year = reference_get_or_create(data=replace(ACP, doi="", pmid="", year=2007))
    other_doi = reference_get_or_create(data=replace(ACP, doi="10.1000/other", pmid=""))

    assert len({first.pk, other_year.pk, other_doi.pk}) == 3


@pytest.mark.django_db
def test_get_or_create_recovers_when_another_transaction_created_the_doi_first(monkeypatch):
    """Look-up misses, the insert hits the unique constraint: the winner's record comes back."""
    from references import services

    winner = ReferenceFactory(doi="10.7326/m16-2367")
    real_find = services._find_existing
    calls = []

    def miss_once(**kwargs):
        calls.append(kwargs)
        return None if len(calls) == 1 else real_find(**kwargs)

    monkeypatch.setattr(services, "_find_existing", miss_once)

    found = reference_get_or_create(data=ACP)

    assert found.pk == winner.pk
    assert len(calls) == 2
    assert Reference.objects.count() == 1


@pytest.mark.django_db
def test_get_or_create_stores_a_malformed_doi_for_the_integrity_check_to_report():
    reference = reference_get_or_create(data=replace(ACP, doi="not-a-doi", pmid=""))

    assert reference.doi == "not-a-doi"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "field"),
    [
        (ReferenceData(title="   "), "title"),
        (ReferenceData(title="x" * 501), "title"),
        (ReferenceData(title="A title", year=99999), "year"),
    ],
)
def test_get_or_create_refuses_unstorable_input_naming_the_field(data, field):
    with pytest.raises(InvalidInput) as excinfo:
        reference_get_or_create(data=data)

    assert excinfo.value.detail == {"field": field}
    assert Reference.objects.count() == 0


@pytest.mark.django_db
def test_get_or_create_maps_an_unknown_kind_to_other():
    reference = reference_get_or_create(data=ReferenceData(title="A web page", kind="Web page"))

    assert reference.kind == Reference.Kind.OTHER


# --- reference_correct ----------------------------------------------------------------------


@pytest.fixture
def editor(db):
    user = UserFactory(username="librarian")
    user.user_permissions.add(*Permission.objects.filter(codename__in=["change_reference", "edit_any_article"]))
    return user


@pytest.fixture
def published_version(db):
    """An approved article's published version, rendered; it cites [1] and [2]."""
    from tests.articles.publishing_helpers import approve

    article = ArticleFactory()
    return approve(article)


def cited(version, number):
    return version.article.citations.get(number=number).reference


def payload_reference(version, number):
    version.refresh_from_db()
    return next(r for r in json.loads(version.payload_json)["references"] if r["number"] == number)


@pytest.mark.django_db
def test_correct_saves_normalised_fields(editor):
    reference = ReferenceFactory(title="Old title", doi="10.1000/old", pmid="")

    corrected = reference_correct(
        reference=reference, user=editor, title="  New   title ", doi="https://doi.org/10.1000/NEW", pmid="123"
    )

    reference.refresh_from_db()
    assert (reference.title, reference.doi, reference.pmid) == ("New title", "10.1000/NEW", "123")
    assert corrected.pk == reference.pk


@pytest.mark.django_db
def test_correct_regenerates_the_published_versions_citing_it_after_commit(
    editor, published_version, eager_tasks, django_capture_on_commit_callbacks
):
    reference = cited(published_version, 1)
    approved_title = payload_reference(published_version, 1)["title"]
    source, content_hash = published_version.source, published_version.content_hash

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        reference_correct(reference=reference, user=editor, title="Corrected guideline title")
    assert payload_reference(published_version, 1)["notice"] is None  # not before commit
    assert callbacks

    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()

    # Readers keep the approved citation, with a notice that its record was corrected since.
    cited_now = payload_reference(published_version, 1)
    assert cited_now["title"] == approved_title != "Corrected guideline title"
    assert cited_now["notice"]["kind"] == "corrected"
    published_version.refresh_from_db()
    assert (published_version.source, published_version.content_hash) == (source, content_hash)
    assert published_version.render_requested_at is None
    published_version.article.refresh_from_db()
    assert published_version.article.review_overdue


@pytest.mark.django_db
def test_correct_without_a_change_schedules_nothing(editor, django_capture_on_commit_callbacks):
    reference = ReferenceFactory(title="Same")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        reference_correct(reference=reference, user=editor, title="Same")

    assert callbacks == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "make_user",
    [lambda: user_in("Board reviewers"), UserFactory, lambda: None],
    ids=["reviewer", "no-group", "anonymous"],
)
def test_correct_needs_the_change_reference_permission(make_user, django_capture_on_commit_callbacks):
    user = make_user()
    reference = ReferenceFactory(title="Untouched")

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(NotAllowed):
        reference_correct(reference=reference, user=user, title="Changed")

    reference.refresh_from_db()
    assert reference.title == "Untouched"
    assert callbacks == []


@pytest.mark.django_db
def test_authors_group_may_correct_records():
    reference = ReferenceFactory(title="Typo in titel")

    reference_correct(reference=reference, user=user_in("Authors"), title="Typo in title")

    reference.refresh_from_db()
    assert reference.title == "Typo in title"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"doi": "10.12/short-registrant"}, "invalid-doi", "doi"),
        ({"doi": "doi is unknown"}, "invalid-doi", "doi"),
        ({"pmid": "0123"}, "invalid-pmid", "pmid"),
        ({"pmid": "123456789"}, "invalid-pmid", "pmid"),
        ({"pmid": "12a"}, "invalid-pmid", "pmid"),
        ({"title": "  "}, "invalid-reference", "title"),
        ({"year": "next year"}, "invalid-reference", "year"),
        ({"kind": "blog"}, "invalid-reference", "kind"),
        ({"url": "javascript:alert(1)"}, "invalid-reference", "url"),
        ({"status": "withdrawn"}, "invalid-reference", "status"),
    ],
)
def test_correct_refuses_invalid_fields_naming_them(editor, fields, code, field):
    reference = ReferenceFactory(title="Untouched", doi="10.1000/kept", pmid="42")

    with pytest.raises(InvalidInput) as excinfo:
        reference_correct(reference=reference, user=editor, **fields)

    assert excinfo.value.code == code
    assert excinfo.value.detail["field"] == field
    reference.refresh_from_db()
    assert (reference.title, reference.doi, reference.pmid, reference.status) == (
        "Untouched",
        "10.1000/kept",
        "42",
        "current",
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("field", "value"), [("doi", "10.1000/TAKEN"), ("pmid", "777")])
def test_correct_refuses_an_identifier_another_record_uses(editor, field, value):
    ReferenceFactory(doi="10.1000/taken", pmid="777")
    reference = ReferenceFactory(doi="10.1000/mine", pmid="")

    with pytest.raises(Conflict) as excinfo:
        reference_correct(reference=reference, user=editor, **{field: value})

    assert excinfo.value.code == "duplicate-identifier"
    assert excinfo.value.detail["field"] == field
    reference.refresh_from_db()
    assert (reference.doi, reference.pmid) == ("10.1000/mine", "")


# --- reference_mark_status ------------------------------------------------------------------


@pytest.mark.django_db
def test_mark_superseded_names_the_newer_record(editor, django_capture_on_commit_callbacks):
    old, new = ReferenceFactory(), ReferenceFactory()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        reference_mark_status(reference=old, user=editor, status="superseded", superseded_by=new)

    old.refresh_from_db()
    assert (old.status, old.superseded_by_id) == ("superseded", new.pk)
    assert callbacks == []  # no published version cites it: nothing to re-render, nobody to flag


@pytest.mark.django_db
def test_mark_withdrawn_regenerates_the_published_versions_citing_it(
    editor, published_version, eager_tasks, django_capture_on_commit_callbacks
):
    reference = cited(published_version, 2)
    before = published_version.rendered_at

    with django_capture_on_commit_callbacks(execute=True):
        reference_mark_status(reference=reference, user=editor, status="withdrawn")

    reference.refresh_from_db()
    assert reference.status == "withdrawn"
    published_version.refresh_from_db()
    assert json.loads(published_version.payload_json)["last_updated"].startswith(
        reference.updated_at.date().isoformat()
    )
    assert published_version.rendered_at > before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "by", "field"),
    [("retired", None, "status"), ("withdrawn", "other", "superseded_by"), ("superseded", "self", "superseded_by")],
)
def test_mark_status_refuses_nonsense(editor, status, by, field):
    reference = ReferenceFactory()
    superseded_by = {"self": reference, "other": ReferenceFactory(), None: None}[by]

    with pytest.raises(InvalidInput) as excinfo:
        reference_mark_status(reference=reference, user=editor, status=status, superseded_by=superseded_by)

    assert excinfo.value.detail == {"field": field}
    reference.refresh_from_db()
    assert (reference.status, reference.superseded_by_id) == ("current", None)


@pytest.mark.django_db
def test_mark_status_needs_permission():
    reference = ReferenceFactory()

    with pytest.raises(NotAllowed):
        reference_mark_status(reference=reference, user=user_in("Board reviewers"), status="withdrawn")

    reference.refresh_from_db()
    assert reference.status == "current"


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["correct", "withdraw"])
def test_only_editors_change_a_reference_that_published_versions_cite(
    published_version, action, django_capture_on_commit_callbacks
):
    reference = cited(published_version, 1)
    before = (reference.title, reference.status)
    author = user_in("Authors")
    if action == "correct":
        change = lambda: reference_correct(reference=reference, user=author, title="Quietly changed")  # noqa: E731
    else:
        change = lambda: reference_mark_status(reference=reference, user=author, status="withdrawn")  # noqa: E731

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(NotAllowed) as refused:
        change()

    assert refused.value.code == "published-reference"
    assert "an editor" in refused.value.message
    assert "articles." not in refused.value.message  # people read words, not permission codenames
    reference.refresh_from_db()
    assert (reference.title, reference.status) == before
    assert callbacks == []
