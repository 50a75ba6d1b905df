"""Board actions: declared once (``catalog``), performed by one runner (``runner``).

See ``docs/architecture.md`` for the picture: the round, the registry, the runner and the outbox.
"""

from reviewboard.review.actions.catalog import ACTIONS, TRANSITIONS
from reviewboard.review.actions.registry import Action, ActionContext, Condition, Field, Rule, Unmet
from reviewboard.review.actions.runner import available, get_action, get_transition, perform, refusal, refusals

__all__ = [
    "ACTIONS",
    "TRANSITIONS",
    "Action",
    "ActionContext",
    "Condition",
    "Field",
    "Rule",
    "Unmet",
    "available",
    "get_action",
    "get_transition",
    "perform",
    "refusal",
    "refusals",
]
