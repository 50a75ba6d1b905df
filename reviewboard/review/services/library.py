"""Corrections to the shared reference library: the ``reference_correct`` and ``reference_status``
actions (``reviewboard.review.actions.library``: who may, the audit entry, the re-review flags)."""

from reviewboard.review.actions.library import reference_correct, reference_mark_status

__all__ = ["reference_correct", "reference_mark_status"]
