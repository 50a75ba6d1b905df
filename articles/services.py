"""Writes to an article's working copy: create it from content, replace its content.

These are the content writers; who may write and when (content is frozen under review and
locked once approved) is decided by the action registry in ``reviewboard.review.actions``, and the
admin, the API, the importer and the commands reach these through ``reviewboard.review.services.content``,
which also audits every write.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.crypto import get_random_string
from django.utils.text import slugify

from articles.content import AUDIENCES, CLINICIAN, ArticleContent, control_character_problem, link_url_problem
from articles.models import Article, Section
from config.exceptions import Conflict, InvalidInput, NotFound
from references.models import Citation
from references.services import references_get_or_create

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

MAX_SLUG = Article._meta.get_field("slug").max_length
MAX_QUESTION = Article._meta.get_field("question").max_length
MAX_TOPIC = Article._meta.get_field("topic").max_length
MAX_HEADING = Section._meta.get_field("heading").max_length
MAX_CITATION_NUMBER = 2_147_483_647
SLUG_ATTEMPTS = 50
# Reference fields that are one line of text (the URL is also checked for its scheme).
REFERENCE_LINE_FIELDS = ("title", "authors", "publisher", "doi", "pmid", "url")


# --- validation ------------------------------------------------------------------------------


def _validate_content(content: ArticleContent) -> None:
    """Raises ``InvalidInput`` naming the first field that cannot be stored."""

    def invalid(message: str, field: str) -> InvalidInput:
        return InvalidInput(message, code="invalid-content", detail={"field": field})

    def single_line(value: str, label: str, field: str) -> None:
        if problem := control_character_problem(value):
            raise invalid(f"{label} must be a single line: it {problem}.", field)

    question = (content.question or "").strip()
    if not question:
        raise invalid("The article needs a question.", "question")
    if len(question) > MAX_QUESTION:
        raise invalid(f"The question is {len(question)} characters; at most {MAX_QUESTION} are allowed.", "question")
    single_line(question, "The question", "question")
    if len(content.topic or "") > MAX_TOPIC:
        raise invalid(f"The topic is longer than {MAX_TOPIC} characters.", "topic")
    single_line((content.topic or "").strip(), "The topic", "topic")
    for position, section in enumerate(content.sections, start=1):
        field = f"sections[{position}]"
        if not (section.heading or "").strip():
            raise invalid(f"Section {position} has no heading.", f"{field}.heading")
        single_line(section.heading.strip(), f"The heading of section {position}", f"{field}.heading")
        if len(section.heading) > MAX_HEADING:
            raise invalid(
                f"The heading of section {position} is longer than {MAX_HEADING} characters.", f"{field}.heading"
            )
        if isinstance(section.level, bool) or not isinstance(section.level, int) or not 1 <= section.level <= 6:
            raise invalid(f"Section {position} has level {section.level!r}; levels go from 1 to 6.", f"{field}.level")
        if section.audience not in AUDIENCES:
            raise invalid(
                f"Section {position} is for {section.audience!r}; audiences are: {', '.join(AUDIENCES)}.",
                f"{field}.audience",
            )
    if content.audience_sections(CLINICIAN) == () and content.sections:
        raise invalid("The patient version needs the clinician version: add its sections first.", "sections")
    limit = settings.ARTICLE_MAX_REFERENCES
    if len(content.citations) > limit:
        raise InvalidInput(
            f"The article cites {len(content.citations)} references; at most {limit} are allowed "
            "(setting ARTICLE_MAX_REFERENCES).",
            code="too-many-references",
            detail={"field": "references", "limit": limit},
        )
    seen: set[int] = set()
    for index, citation in enumerate(content.citations, start=1):
        reference = citation.reference
        for name in REFERENCE_LINE_FIELDS:
            single_line(
                (getattr(reference, name) or "").strip(), f"Reference {index} {name}", f"references[{index}].{name}"
            )
        if problem := link_url_problem((reference.url or "").strip()):
            raise invalid(f"Reference {index} url: {problem}.", f"references[{index}].url")
        number = citation.number
        if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= MAX_CITATION_NUMBER:
            raise invalid(f"Citation number {number!r} is not a positive whole number.", "citations.number")
        if number in seen:
            raise invalid(f"Citation number {number} is used twice.", "citations.number")
        seen.add(number)


def _specialty(code: str) -> Any:
    """The board's specialty with ``code`` (the model the article's ``required_specialty`` points to)."""
    Specialty = Article._meta.get_field("required_specialty").related_model

    if not code:
        return None
    specialty = Specialty.objects.filter(code=code).first()
    if specialty is None:  # well-formed, but not a specialty the board has: 404 naming the field
        known = ", ".join(Specialty.objects.order_by("code").values_list("code", flat=True)[:20]) or "none yet"
        raise NotFound(
            f"Unknown specialty '{code}' (known codes: {known}).",
            code="unknown-specialty",
            detail={"field": "specialty"},
        )
    return specialty


# --- slugs ---------------------------------------------------------------------------------------


def _base_slug(content: ArticleContent) -> str:
    base = slugify(content.slug or content.question)[:MAX_SLUG].strip("-")
    return base or "article"


SLUG_SUFFIX_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789"
SLUG_SUFFIX_LENGTH = 6


def _slug_candidates(base: str, *, private: bool = False):
    """``base``, ``base-2``, ``base-3``...; or, when ``private``, ``base-<6 random characters>`` every
    time: the slug then depends on nothing but ``base``, so it reveals no other article (a creator
    who cannot see every article must not learn from their slug that another author's draft holds
    the same question). A clash of the random suffix (one in two billion) just draws again."""
    if not private:
        yield base
    for n in range(2, SLUG_ATTEMPTS + 2):
        suffix = "-" + (get_random_string(SLUG_SUFFIX_LENGTH, SLUG_SUFFIX_CHARS) if private else str(n))
        yield f"{base[: MAX_SLUG - len(suffix)].rstrip('-')}{suffix}"


def _insert_with_unique_slug(base: str, fields: dict, *, private: bool = False) -> Article:
    """Creates the article under the first free slug of ``base``, ``base-2``, ``base-3``...

    The unique constraint decides: a slug taken by a concurrent import between the look-up and
    the insert makes the insert fail inside a savepoint, and the next candidate is tried.
    """
    taken = set(Article.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    for slug in _slug_candidates(base, private=private):
        if slug in taken:
            continue
        try:
            with transaction.atomic():
                return Article.objects.create(slug=slug, **fields)
        except IntegrityError:
            if not Article.objects.filter(slug=slug).exists():
                raise
            taken.add(slug)
    raise Conflict(
        f"No free slug found for '{base}' after {SLUG_ATTEMPTS} attempts.", code="slug-taken", detail={"field": "slug"}
    )


# --- content rows --------------------------------------------------------------------------------


def _write_sections(article: Article, content: ArticleContent) -> None:
    """Replaces the sections, keeping the row (and the review comments anchored to it) of each
    section whose heading is unchanged."""
    existing = list(article.sections.order_by("position"))
    by_heading: dict[tuple[str, str], list[Section]] = {}
    for section in existing:
        by_heading.setdefault((section.audience, section.heading), []).append(section)
    if existing:
        # Move the current rows out of the way of the unique (article, position) constraint.
        offset = max(s.position for s in existing) + len(content.sections) + 1
        article.sections.update(position=F("position") + offset)
    kept: list[Section] = []
    to_create: list[Section] = []
    ordered = [*content.audience_sections(CLINICIAN), *(s for s in content.sections if s.audience != CLINICIAN)]
    for position, data in enumerate(ordered, start=1):
        candidates = by_heading.get((data.audience, data.heading))
        if candidates:
            section = candidates.pop(0)
            section.position, section.level, section.body = position, data.level, data.body
            kept.append(section)
        else:
            to_create.append(
                Section(
                    article=article,
                    position=position,
                    heading=data.heading,
                    level=data.level,
                    body=data.body,
                    audience=data.audience,
                )
            )
    article.sections.exclude(pk__in=[section.pk for section in kept]).delete()
    Section.objects.bulk_update(kept, ["position", "level", "body"])  # one statement, however many sections
    Section.objects.bulk_create(to_create)


def _write_citations(article: Article, content: ArticleContent) -> None:
    citations = sorted(content.citations, key=lambda c: c.number)
    records = references_get_or_create(data=[c.reference for c in citations])
    article.citations.all().delete()
    Citation.objects.bulk_create(
        Citation(article=article, number=c.number, reference=record)
        for c, record in zip(citations, records, strict=True)
    )


# --- services ------------------------------------------------------------------------------------


def article_content_validate(*, content: ArticleContent) -> None:
    """What ``article_create`` checks before writing anything (fields, specialty), for dry runs."""
    _validate_content(content)
    _specialty(content.required_specialty)


def article_slug_preview(*, content: ArticleContent, private_slug: bool = False) -> str:
    """The slug ``article_create`` would give ``content`` now (for dry runs; not reserved; a private
    slug's random suffix is drawn again at the creation)."""
    base = _base_slug(content)
    taken = set(Article.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    return next((slug for slug in _slug_candidates(base, private=private_slug) if slug not in taken), base)


@transaction.atomic
def article_create(
    *, content: ArticleContent, author: AbstractBaseUser | None = None, private_slug: bool = False
) -> Article:
    """A new draft article from ``content``: unique slug, sections, citations (library records are
    found or created), the required specialty by code, and ``author`` as its author and creator.
    ``private_slug``: the creator cannot see every article, so the slug must not depend on them
    (``_slug_candidates``); the board decides who that is."""
    _validate_content(content)
    specialty = _specialty(content.required_specialty)
    article = _insert_with_unique_slug(
        _base_slug(content),
        {
            "question": content.question.strip(),
            "topic": (content.topic or "").strip(),
            "required_specialty": specialty,
            "created_by": author,
        },
        private=private_slug,
    )
    if author is not None:
        article.authors.add(author)
    _write_sections(article, content)
    _write_citations(article, content)
    return article


@transaction.atomic
def article_update_content(*, article: Article, content: ArticleContent) -> Article:
    """Replaces the question, topic, sections and citations of ``article``'s working copy.

    Only the ``edit_content`` action (``reviewboard.review.actions``) calls this: it decides who may and
    in which states (content is frozen under review and locked once approved), and audits the
    change. The slug and the required specialty are not changed here. The row is locked first.
    """
    _validate_content(content)
    locked = Article.objects.select_for_update().filter(pk=article.pk).first()
    if locked is None:
        raise NotFound(f"Article {article.pk} does not exist.", code="article-not-found")
    locked.question = content.question.strip()
    locked.topic = (content.topic or "").strip()
    locked.save(update_fields=["question", "topic", "updated_at"])
    _write_sections(locked, content)
    _write_citations(locked, content)
    return locked
