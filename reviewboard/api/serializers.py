"""Input and output shapes of the review API. No business logic: views call the services."""

from __future__ import annotations

import base64
import binascii
from typing import Any, Literal

from rest_framework import serializers

from articles.content import (
    NOT_ONE_LINE,
    REFERENCE_YEAR_MAX,
    REFERENCE_YEAR_MIN,
    ArticleContent,
    CitationData,
    ReferenceData,
    SectionData,
)
from articles.models import ReviewState
from config.inputs import JsonInput
from config.schema import StatedCharField
from references.models import Reference
from reviewboard.models import DeclaredRelationship, ReviewReport
from reviewboard.review import selectors
from reviewboard.review.actions import TRANSITIONS

# --- input -----------------------------------------------------------------------------------------


def one_line(**kwargs: Any) -> StatedCharField:
    """A text of one line once trimmed: the content services refuse a control character or a line break
    with ``invalid-content`` naming the field (``articles.content.control_character_problem``, every write
    path), and the schema states it (a pattern from the same characters, ``NOT_ONE_LINE``)."""
    return StatedCharField(forbidden=NOT_ONE_LINE, **kwargs)


class ReferenceInput(JsonInput):
    number = serializers.IntegerField(min_value=1, max_value=10_000)
    kind = serializers.ChoiceField(choices=Reference.Kind.choices, default=Reference.Kind.OTHER)
    title = one_line(max_length=500)
    label = one_line(max_length=100, allow_blank=True, default="")
    authors = one_line(max_length=500, allow_blank=True, default="")
    publisher = one_line(max_length=300, allow_blank=True, default="")
    year = serializers.IntegerField(
        min_value=REFERENCE_YEAR_MIN, max_value=REFERENCE_YEAR_MAX, required=False, allow_null=True, default=None
    )
    doi = one_line(max_length=255, allow_blank=True, default="")
    pmid = one_line(max_length=20, allow_blank=True, default="")
    # http or https only: checked with every other write path by articles.content.link_url_problem.
    url = one_line(
        max_length=1000,
        allow_blank=True,
        default="",
        help_text="An http or https address (Django's URL rule), or empty.",
    )
    status = serializers.ChoiceField(choices=Reference.Status.choices, default=Reference.Status.CURRENT)


class SectionInput(JsonInput):
    heading = one_line(max_length=300)
    level = serializers.IntegerField(min_value=1, max_value=6, default=2)
    body = serializers.CharField(allow_blank=True, max_length=200_000, trim_whitespace=False)


# The three forms of a new article, each with the fields it needs.
DOCUMENTS = ("markdown", "docx_base64")
ARTICLE_FORMS = (("markdown",), ("docx_base64",), ("question", "sections"))


def _mixed_forms() -> list[dict[str, Any]]:
    """A field of one form with a field of another, or no form complete: what ``validate`` refuses."""
    fields = [(form, name) for form in ARTICLE_FORMS for name in form]
    mixed = [
        {"required": [a, b]}
        for i, (form_a, a) in enumerate(fields)
        for form_b, b in fields[i + 1 :]
        if form_a != form_b
    ]
    return [*mixed, {"allOf": [{"not": {"required": list(form)}} for form in ARTICLE_FORMS]}]


class ArticleCreateInput(JsonInput):
    """One of ``markdown`` (an import text, read by content: Markdown with YAML front matter, the plain-text
    page export or an HTML page), ``docx_base64`` (a Word .docx file, base64-encoded: the API takes JSON only)
    or the JSON fields (``question`` and ``sections``)."""

    # Stated in the schema (config.schema.AutoSchema: "not anyOf" these); ``validate`` refuses them.
    refused_shapes = _mixed_forms()
    body_required = True

    markdown = serializers.CharField(required=False, max_length=1_000_000, trim_whitespace=False)
    docx_base64 = StatedCharField(
        string_format="byte",
        required=False,
        max_length=4_000_000,
        help_text="A Word .docx manuscript, base64-encoded.",
    )
    slug = serializers.SlugField(max_length=120, required=False, allow_blank=True, default="")
    question = one_line(max_length=300, required=False)
    topic = one_line(max_length=120, required=False, allow_blank=True, default="")
    specialty = serializers.SlugField(max_length=60, required=False, allow_blank=True, default="")
    sections = SectionInput(many=True, required=False, max_length=500)
    # How many: ARTICLE_MAX_REFERENCES, checked by the service for every write path.
    references = ReferenceInput(
        many=True,
        required=False,
        default=list,
        help_text="Each with a number of its own; at most ARTICLE_MAX_REFERENCES (1,000 by default).",
    )
    submit = serializers.BooleanField(default=False)

    def validate_docx_base64(self, value: str) -> bytes:
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise serializers.ValidationError("Not base64: send the .docx file's bytes base64-encoded.") from None

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        documents = [f for f in DOCUMENTS if f in attrs]
        if len(documents) > 1:
            raise serializers.ValidationError({documents[1]: "Send either 'markdown' or 'docx_base64', not both."})
        fields = ARTICLE_FORMS[-1]
        if documents:
            extra = [f for f in fields if f in attrs]
            if extra:
                raise serializers.ValidationError(
                    {extra[0]: f"Send either '{documents[0]}' or the JSON fields, not both."}
                )
            return attrs
        missing = [f for f in fields if f not in attrs]
        if missing:
            raise serializers.ValidationError({f: "This field is required (or send 'markdown')." for f in missing})
        numbers = [r["number"] for r in attrs["references"]]
        if len(numbers) != len(set(numbers)):
            raise serializers.ValidationError({"references": "Each reference needs its own number."})
        return attrs

    def to_content(self) -> ArticleContent:
        data = self.validated_data
        return ArticleContent(
            question=data["question"],
            topic=data["topic"],
            slug=data["slug"],
            required_specialty=data["specialty"],
            sections=tuple(
                SectionData(heading=s["heading"], body=s["body"], level=s["level"]) for s in data["sections"]
            ),
            citations=tuple(
                CitationData(number=r.pop("number"), reference=ReferenceData(**r))
                for r in (dict(ref) for ref in data["references"])
            ),
        )


class QueueFilterInput(serializers.Serializer):
    state = serializers.ChoiceField(choices=ReviewState.choices, required=False)
    assigned_to_me = serializers.BooleanField(required=False, default=False)


class AssignmentInput(JsonInput):
    reviewer = serializers.CharField(max_length=150, help_text="Username of the reviewer.")
    due = serializers.DateTimeField(required=False, allow_null=True, default=None)
    override_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=10_000,
        help_text="The chair's written reason to assign over a conflict of interest (audited, shown to readers).",
    )


class AcceptInput(JsonInput):
    no_conflict = serializers.BooleanField(
        default=False, help_text="Required true: you confirm you have no conflict of interest with this article."
    )


class DeclineInput(JsonInput):
    reason = serializers.CharField(max_length=10_000, help_text="Why you decline; the chair reads it.")


class RelationshipInput(JsonInput):
    organisation = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=DeclaredRelationship.Kind.choices)
    topics = serializers.ListField(
        child=serializers.CharField(max_length=120),
        required=False,
        default=list,
        max_length=100,
        help_text="Article topics it touches (matched ignoring case).",
    )
    specialties = serializers.ListField(
        child=serializers.CharField(max_length=60),
        required=False,
        default=list,
        max_length=100,
        help_text="Specialty codes it touches, as the board knows them (an unknown one: 404 naming the field).",
    )
    started_on = serializers.DateField(required=False, allow_null=True, default=None)
    ended_on = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="Empty: ongoing. Not before started_on."
    )


class DeclarationInput(JsonInput):
    """Either nothing to declare, or at least one relationship: the action refuses an empty declaration
    (``declaration-empty``) and one that is both (``declaration-contradictory``), and the schema says so."""

    refused_shapes = [
        {"properties": {"nothing_to_declare": {"enum": [False]}, "relationships": {"maxItems": 0}}},
        {
            "required": ["nothing_to_declare", "relationships"],
            "properties": {"nothing_to_declare": {"enum": [True]}, "relationships": {"minItems": 1}},
        },
    ]
    body_required = True

    nothing_to_declare = serializers.BooleanField(default=False)
    relationships = RelationshipInput(many=True, required=False, default=list, max_length=200)
    statement = serializers.CharField(required=False, allow_blank=True, default="", max_length=10_000)


class TransitionInput(JsonInput):
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=10_000)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=10_000)
    change_summary = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=10_000,
        help_text="revise: what this revision changes (required); readers get it with the next version.",
    )
    clinically_significant = serializers.BooleanField(
        required=False, default=False, help_text="approve: the chair marks the change clinically significant."
    )


class AcknowledgementInput(JsonInput):
    warning = serializers.CharField(max_length=200, help_text="The warning's key, as ``warnings`` lists it.")
    reason = serializers.CharField(max_length=2000, help_text="Why the warning can stand.")


class SignOffInput(JsonInput):
    content_hash = serializers.RegexField(r"^[0-9a-f]{64}$", help_text="The content hash you read and approve.")
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=10_000)
    accept = serializers.BooleanField(
        default=False,
        help_text="Accept the assignment first (confirming no conflict of interest), recorded as its own step.",
    )
    acknowledgements = AcknowledgementInput(
        many=True,
        required=False,
        default=list,
        max_length=200,
        help_text="Every integrity warning on the content under review, answered: refused (409) otherwise.",
    )


class ChecklistAnswerInput(JsonInput):
    item = serializers.IntegerField(help_text="The checklist item's id (``checklist`` in the article's review).")
    answer = serializers.ChoiceField(choices=["yes", "no", "n/a"])
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class ReviewReportInput(JsonInput):
    recommendation = serializers.ChoiceField(choices=ReviewReport.Recommendation.values)
    checklist = ChecklistAnswerInput(many=True, max_length=200, help_text="Every active checklist item answered.")
    comments_to_author = serializers.CharField(required=False, allow_blank=True, default="", max_length=20_000)
    confidential_comments = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=20_000,
        help_text="For the chair only: never shown to the authors.",
    )


class ResolveInput(JsonInput):
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=10_000,
        help_text="How it was handled: required to resolve someone else's blocking comment.",
    )


class CommentInput(JsonInput):
    section = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        help_text="Position (1-based) of the section the comment is about.",
    )
    body = serializers.CharField(max_length=10_000)
    blocking = serializers.BooleanField(default=False)


# --- output ----------------------------------------------------------------------------------------


class FindingOutput(serializers.Serializer):
    code = serializers.CharField()
    severity = serializers.CharField()
    message = serializers.CharField()
    section = serializers.IntegerField(allow_null=True)
    heading = serializers.CharField()
    marker = serializers.CharField()
    number = serializers.IntegerField(allow_null=True)
    line = serializers.IntegerField(allow_null=True, help_text="Line of the imported source, for import findings.")


class IntegrityOutput(serializers.Serializer):
    errors = FindingOutput(many=True)
    warnings = FindingOutput(many=True)


class ArticleCreatedOutput(serializers.Serializer):
    slug = serializers.CharField()
    state = serializers.CharField()
    content_hash = serializers.CharField()
    integrity = IntegrityOutput()


class UserOutput(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField(source="get_full_name")


class AssignmentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    reviewer = UserOutput()
    assigned_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    close_reason = serializers.CharField()
    answer = serializers.SerializerMethodField()
    accepted_at = serializers.DateTimeField(allow_null=True)
    declined_at = serializers.DateTimeField(allow_null=True)
    decline_reason = serializers.CharField()
    override_conflict = serializers.CharField(help_text="The conflict of interest the chair overrode, if any.")
    override_reason = serializers.CharField(help_text="The chair's reason for the override.")

    def get_answer(self, assignment: Any) -> Literal["accepted", "declined", "awaiting"]:
        return selectors.assignment_answer(assignment)


class RelationshipOutput(serializers.Serializer):
    organisation = serializers.CharField()
    kind = serializers.CharField()
    topics = serializers.ListField(child=serializers.CharField())
    specialties = serializers.SerializerMethodField()
    started_on = serializers.DateField(allow_null=True)
    ended_on = serializers.DateField(allow_null=True)
    description = serializers.CharField(source="describe")

    def get_specialties(self, relationship: Any) -> list[str]:
        return [s.code for s in relationship.specialties.all()]


class DeclarationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    nothing_to_declare = serializers.BooleanField()
    signed_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    statement = serializers.CharField()
    relationships = RelationshipOutput(many=True)


class SignOffOutput(serializers.Serializer):
    id = serializers.IntegerField()
    reviewer = UserOutput()
    decision = serializers.CharField()
    content_hash = serializers.CharField()
    comment = serializers.CharField()
    acknowledgements = serializers.ListField(
        child=serializers.DictField(), help_text="The warnings this reviewer acknowledged, with reasons."
    )
    created_at = serializers.DateTimeField()


class WarningOutput(serializers.Serializer):
    warning = serializers.CharField(help_text="The key a sign-off acknowledges it by.")
    code = serializers.CharField()
    message = serializers.CharField()


class ChecklistItemOutput(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()


class ReviewReportOutput(serializers.Serializer):
    id = serializers.IntegerField()
    round = serializers.IntegerField()
    reviewer = serializers.CharField()
    recommendation = serializers.CharField()
    recommendation_label = serializers.CharField()
    checklist = serializers.ListField(child=serializers.DictField())
    comments_to_author = serializers.CharField()
    confidential_comments = serializers.CharField(
        required=False, help_text="Only for the chair and the report's own reviewer; absent otherwise."
    )
    submitted_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class DecisionLetterOutput(serializers.Serializer):
    id = serializers.IntegerField()
    round = serializers.IntegerField(source="round.number")
    decision = serializers.CharField()
    note = serializers.CharField()
    body = serializers.CharField()
    created_at = serializers.DateTimeField()


class CommentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    author = UserOutput()
    section = serializers.SerializerMethodField()
    section_heading = serializers.CharField()
    body = serializers.CharField()
    blocking = serializers.BooleanField()
    content_hash = serializers.CharField()
    created_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(allow_null=True)
    resolved_by = UserOutput(allow_null=True)
    resolution_note = serializers.CharField()
    round = serializers.IntegerField(source="round.number", allow_null=True, default=None)

    def get_section(self, comment: Any) -> int | None:
        return comment.section.position if comment.section_id and comment.section else None


class SectionOutput(serializers.Serializer):
    position = serializers.IntegerField()
    heading = serializers.CharField()
    level = serializers.IntegerField()
    body = serializers.CharField()


class ReferenceOutput(serializers.Serializer):
    number = serializers.IntegerField()
    kind = serializers.CharField(source="reference.kind")
    title = serializers.CharField(source="reference.title")
    authors = serializers.CharField(source="reference.authors")
    publisher = serializers.CharField(source="reference.publisher")
    year = serializers.IntegerField(source="reference.year", allow_null=True)
    doi = serializers.CharField(source="reference.doi")
    pmid = serializers.CharField(source="reference.pmid")
    url = serializers.CharField(source="reference.url")
    status = serializers.CharField(source="reference.status")


class QueueItemOutput(serializers.Serializer):
    slug = serializers.CharField()
    question = serializers.CharField()
    topic = serializers.CharField()
    state = serializers.CharField()
    updated_at = serializers.DateTimeField()
    assigned_reviewers = serializers.SerializerMethodField()

    def get_assigned_reviewers(self, article: Any) -> list[str]:
        return [a.reviewer.get_username() for a in article.assignments.all()]


class QueuePageOutput(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = QueueItemOutput(many=True)


class RoundOutput(serializers.Serializer):
    number = serializers.IntegerField()
    content_hash = serializers.CharField(help_text="The content frozen for this round: what its sign-offs approve.")
    opened_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    outcome = serializers.ChoiceField(choices=["", "approved", "changes_requested", "withdrawn", "superseded"])
    reviewers = serializers.ListField(child=serializers.CharField())


class ChangedSectionOutput(serializers.Serializer):
    status = serializers.ChoiceField(choices=["added", "removed", "changed"])
    heading = serializers.CharField()
    old_heading = serializers.CharField()
    diff = serializers.ListField(child=serializers.CharField(), help_text="Unified-diff lines of the section source.")


class ChangesSinceOutput(serializers.Serializer):
    since_round = serializers.IntegerField(help_text="The last round you reviewed.")
    round = serializers.IntegerField(help_text="The round open now.")
    old_hash = serializers.CharField()
    new_hash = serializers.CharField()
    question = serializers.ListField(child=serializers.CharField(), allow_null=True)
    sections = ChangedSectionOutput(many=True)
    references = serializers.ListField(child=serializers.CharField())


class ArticleReviewOutput(serializers.Serializer):
    slug = serializers.CharField()
    question = serializers.CharField()
    topic = serializers.CharField()
    state = serializers.CharField()
    required_specialty = serializers.CharField(allow_null=True)
    quorum = serializers.IntegerField()
    content_hash = serializers.CharField(help_text="Hash of the working copy now.")
    review_hash = serializers.CharField(help_text="Hash frozen on submit: what reviewers sign off.")
    signoffs_counting = serializers.IntegerField()
    sections = SectionOutput(many=True)
    references = ReferenceOutput(many=True)
    integrity = IntegrityOutput()
    assignments = AssignmentOutput(many=True)
    signoffs = SignOffOutput(many=True)
    comments = CommentOutput(many=True)
    available_transitions = serializers.ListField(child=serializers.ChoiceField(choices=list(TRANSITIONS)))
    approved_at = serializers.DateTimeField(allow_null=True)
    next_review_due = serializers.DateTimeField(allow_null=True)
    retraction_reason = serializers.CharField()
    round = RoundOutput(allow_null=True, help_text="The open review round, if any.")
    rounds = RoundOutput(many=True)
    changes_since_my_round = ChangesSinceOutput(
        allow_null=True, help_text="For a reviewer of an earlier round: what changed since the round they reviewed."
    )
    warnings = WarningOutput(
        many=True,
        help_text="The integrity warnings on the open round's frozen content: each signing reviewer answers them.",
    )
    awaiting_decision = serializers.BooleanField(help_text="The quorum signed; the chair decides now.")
    checklist = ChecklistItemOutput(many=True, help_text="The board's checklist a report answers.")
    reports = ReviewReportOutput(
        many=True, help_text="The reports you may read (the chair: all, with confidential comments)."
    )
    decision_letters = DecisionLetterOutput(many=True, help_text="The chair's decision letters, newest first.")
