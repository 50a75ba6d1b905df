"""Shapes of the read API's responses, for the OpenAPI schema.

The views serve stored payload bytes (rendered by ``articles.publishing``) and never run these
serializers per request; they document exactly what ``build_payload`` writes.
"""

from __future__ import annotations

from drf_spectacular.utils import PolymorphicProxySerializer
from rest_framework import serializers

from config.schema import ErrorSerializer  # noqa: F401  (the shared error body, for the views' schema)


class ReviewerSerializer(serializers.Serializer):
    name = serializers.CharField()
    credentials = serializers.CharField(allow_blank=True)


class SectionSerializer(serializers.Serializer):
    heading = serializers.CharField()
    level = serializers.IntegerField(min_value=1, max_value=6)
    html = serializers.CharField(allow_blank=True, help_text="Sanitised HTML; citation markers link to #ref-N.")
    text = serializers.CharField(allow_blank=True, help_text="Plain text of the section.")
    citations = serializers.ListField(child=serializers.IntegerField(), help_text="Citation numbers used.")


class ReferenceSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    kind = serializers.CharField()
    title = serializers.CharField()
    publisher = serializers.CharField(allow_blank=True)
    year = serializers.IntegerField(allow_null=True)
    doi = serializers.CharField(allow_blank=True)
    pmid = serializers.CharField(allow_blank=True)
    url = serializers.CharField(allow_blank=True)


class ArticleSummarySerializer(serializers.Serializer):
    slug = serializers.SlugField()
    question = serializers.CharField()
    topic = serializers.CharField(allow_blank=True)
    version = serializers.IntegerField(help_text="Number of this published version.")
    # A plain string in the schema ("status" enums of other components would collide by name).
    status = serializers.CharField(help_text='"approved": the live version; "superseded": an earlier one.')
    content_hash = serializers.CharField(help_text="sha256 of exactly the content the board approved.")
    approved_at = serializers.DateTimeField()
    last_updated = serializers.DateTimeField(
        help_text="When what readers see last changed: the approval, or a later correction of a cited reference."
    )
    next_review_due = serializers.DateTimeField(allow_null=True)
    review_overdue = serializers.BooleanField()


class CredentialSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text='"degree", "board_certification" or "licence".')
    name = serializers.CharField()
    issuing_body = serializers.CharField(allow_blank=True)
    verified_on = serializers.CharField(help_text="Date the board verified it (YYYY-MM-DD).")


class ProvenanceReviewerSerializer(serializers.Serializer):
    name = serializers.CharField()
    credentials = CredentialSerializer(many=True, help_text="Verified and unexpired at approval; nothing else.")
    disclosure = serializers.CharField(help_text='"No relevant interests declared." or the relevant relationships.')
    relationships = serializers.ListField(child=serializers.CharField())
    declaration_signed_on = serializers.CharField(allow_null=True)


class OverrideSerializer(serializers.Serializer):
    reviewer = serializers.CharField()
    conflict = serializers.CharField(help_text="The conflict of interest the chair overrode.")
    reason = serializers.CharField(help_text="The chair's written reason.")


class AcknowledgedWarningSerializer(serializers.Serializer):
    reviewer = serializers.CharField()
    warning = serializers.CharField(help_text='The warning\'s key, e.g. "reference-off-topic:ref-1".')
    message = serializers.CharField(allow_blank=True, help_text="The checker's words.")
    reason = serializers.CharField(help_text="Why the reviewer let it stand.")


class ProvenanceSerializer(serializers.Serializer):
    reviewers = ProvenanceReviewerSerializer(many=True)
    chair_overrides = OverrideSerializer(many=True)
    warnings_acknowledged = serializers.IntegerField(
        help_text="How many integrity warnings on this version's content reviewers acknowledged (not fixed)."
    )
    acknowledged_warnings = AcknowledgedWarningSerializer(many=True)


class ArticleDetailSerializer(ArticleSummarySerializer):
    audience = serializers.ChoiceField(choices=["clinician", "patient"])
    available_audiences = serializers.ListField(child=serializers.CharField())
    reviewers = ReviewerSerializer(many=True)
    provenance = ProvenanceSerializer(help_text="Who reviewed this version, for a disclosure line.")
    sections = SectionSerializer(many=True)
    references = ReferenceSerializer(many=True)
    disclaimer = serializers.CharField()


class ArticlePageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True, help_text="The next page (an opaque cursor); null on the last.")
    results = ArticleSummarySerializer(
        many=True, help_text="Summaries; with expand=full, each is the full article (as the detail endpoint serves it)."
    )


class RetractionDetailSerializer(serializers.Serializer):
    reason = serializers.CharField()
    retracted_at = serializers.DateTimeField(allow_null=True)


class RetractedBodySerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=["retracted"])
    message = serializers.CharField()
    detail = RetractionDetailSerializer()


class RetractedSerializer(serializers.Serializer):
    error = RetractedBodySerializer()


class VersionChangeSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    approved_at = serializers.DateTimeField()
    summary = serializers.CharField(allow_blank=True, help_text="What this version changed, in the board's words.")
    sections_changed = serializers.ListField(
        child=serializers.CharField(), help_text="Headings of the sections added, removed or changed."
    )
    clinically_significant = serializers.BooleanField(
        allow_null=True,
        help_text="Marked by the chair at approval, or later for an approval completed by the reviewers' "
        "sign-offs; null: not assessed yet.",
    )
    assessed_at = serializers.DateTimeField(
        allow_null=True, help_text="When the significance was assessed (the order of the changes feed)."
    )


class SiteChangeSerializer(VersionChangeSerializer):
    slug = serializers.SlugField()
    question = serializers.CharField()


# --- the review tracker and pending content ---------------------------------------------------------

STATUSES = ["submitted", "under_review", "changes_requested", "approved", "withdrawn"]
STEPS = ["submitted", "under_review", "approved"]


class TrackerStepSerializer(serializers.Serializer):
    step = serializers.ChoiceField(choices=STEPS)
    label = serializers.CharField(help_text='The seed page\'s words: "Submitted", "Under Review", "Approved".')
    reached_at = serializers.DateTimeField(
        allow_null=True, help_text="When the current cycle reached it (null: not yet)."
    )
    current = serializers.BooleanField()


class LiveCycleSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    round = serializers.IntegerField(allow_null=True, help_text="The review round that approved it.")
    submitted_at = serializers.DateTimeField(allow_null=True)
    review_started_at = serializers.DateTimeField(allow_null=True)
    approved_at = serializers.DateTimeField()
    last_updated = serializers.DateTimeField(help_text="As the detail says: the approval, or a later correction.")
    url = serializers.CharField(help_text="The detail endpoint, which serves it.")


class ReviewStatusSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    status = serializers.ChoiceField(
        choices=STATUSES,
        help_text="changes_requested: the board sent it back (the tracker stays at Under Review); withdrawn: "
        "taken out of review before any approval (no current step).",
    )
    current_step = serializers.ChoiceField(choices=STEPS, allow_null=True)
    round = serializers.IntegerField(allow_null=True, help_text="The current cycle's review round, from 1.")
    steps = TrackerStepSerializer(many=True)
    revision_in_review = serializers.BooleanField(help_text="A revision of the live version is in review now.")
    live_version = LiveCycleSerializer(allow_null=True)
    last_updated = serializers.DateTimeField(allow_null=True, help_text="The live version's (null: nothing live).")
    review_overdue = serializers.BooleanField(help_text="The live version is flagged for re-review.")
    next_review_due = serializers.DateTimeField(allow_null=True)
    editorial_policy_url = serializers.CharField(allow_null=True)
    pending_url = serializers.CharField(
        allow_null=True, help_text="The pending content endpoint, when this service offers it and a round is open."
    )


class PendingSectionSerializer(serializers.Serializer):
    heading = serializers.CharField()
    level = serializers.IntegerField(min_value=1, max_value=6)
    html = serializers.CharField(allow_blank=True)
    text = serializers.CharField(allow_blank=True)
    citations = serializers.ListField(child=serializers.IntegerField())


class PendingContentSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    reviewed = serializers.BooleanField(help_text="Always false: the board has not approved this content.")
    status = serializers.ChoiceField(choices=["submitted", "under_review"])
    round = serializers.IntegerField()
    submitted_at = serializers.DateTimeField()
    review_started_at = serializers.DateTimeField(allow_null=True)
    content_hash = serializers.CharField(help_text="sha256 of the content as submitted for this round.")
    caution = serializers.CharField(help_text="Show it with the content (API_PENDING_CAUTION).")
    question = serializers.CharField()
    topic = serializers.CharField(allow_blank=True)
    audience = serializers.ChoiceField(choices=["clinician", "patient"])
    available_audiences = serializers.ListField(child=serializers.CharField())
    sections = PendingSectionSerializer(many=True)
    references = ReferenceSerializer(many=True)
    disclaimer = serializers.CharField()
    status_url = serializers.CharField()


class StatusChangeSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    status = serializers.ChoiceField(choices=[*STATUSES, "retracted", "archived"])
    current_step = serializers.ChoiceField(choices=STEPS, allow_null=True)
    round = serializers.IntegerField(allow_null=True)
    changed_at = serializers.DateTimeField()
    url = serializers.CharField(help_text="The article's status endpoint.")


class ChangesFeedSerializer(serializers.Serializer):
    results = PolymorphicProxySerializer(
        component_name="ChangesFeedItem",
        serializers=[SiteChangeSerializer, StatusChangeSerializer],
        resource_type_field_name=None,
        many=True,
        help_text="type=significant: clinically significant versions (SiteChange); type=status: review status "
        "moves (StatusChange).",
    )
    next_since = serializers.DateTimeField(
        allow_null=True, help_text="Ask again with since=this for the next changes (null: none left)."
    )
