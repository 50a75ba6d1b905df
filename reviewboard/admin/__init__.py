"""The Django admin of the whole project, one module per subject; importing this package registers them.

- ``board``: specialties, reviewer profiles and credentials, and the read-only lists of
  assignments, sign-offs and comments ("My review queue" too); ``audit``: the history (audit log);
- ``articles``: the Article admin, with ``review`` (review panels and one admin URL per review
  action) and ``review_screen`` (the review screen) mixed in, and ``dashboard`` (the admin home);
- ``references``: the reference library; ``clients``: reader reports, published versions, webhooks;
  ``outbox``: the outbox's events, each with its deliveries per consumer (read-only).
- ``declarations``: a member's own declaration of interests (renew or update); ``checklist``: the
  board's review checklist, kept by the chair.
"""

from django.contrib import admin

from reviewboard.admin import (  # noqa: F401  (registers their admins)
    articles,
    audit,
    board,
    checklist,
    clients,
    declarations,
    outbox,
    people,
    references,
)

# Reviewers find their queue on the first screen after logging in.
admin.site.index_template = "admin/reviewboard/index.html"
# People are picked by name in the admin's autocompletes (an article's authors), never by username.
admin.site.autocomplete_view = people.autocomplete_view
