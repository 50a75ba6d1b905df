"""One table of the words for each review state (``reviewboard.review.states``), read by every surface."""

from __future__ import annotations

import pytest

from articles.models import EDITABLE_STATES, ReviewState
from config.exceptions import Conflict
from reviewboard.admin.review_words import state_change_words
from reviewboard.models import AuditEntry
from reviewboard.review import services
from reviewboard.review.states import STATE_WORDS, edit_banner, next_step, state_in_sentence, state_label


def test_every_state_has_its_words_and_the_label_is_the_states_own():
    assert set(STATE_WORDS) == set(ReviewState.values)
    for state in ReviewState:
        words = STATE_WORDS[state]
        assert words.label == state.label
        assert state_label(state.value) == state.label
        assert state_in_sentence(state.value) == state.label.lower()
        assert next_step(state.value)
        assert bool(edit_banner(state.value)) is (state not in EDITABLE_STATES), state


def test_an_unknown_state_is_shown_as_stored():
    assert state_label("on_hold") == "on_hold"
    assert next_step("on_hold") == edit_banner("on_hold") == ""


@pytest.mark.django_db
def test_the_runner_and_the_history_speak_the_tables_words(article, author, chair):
    services.article_submit(article=article, user=author)

    with pytest.raises(Conflict) as exc:
        services.article_submit(article=article, user=author)
    entry = AuditEntry.objects.filter(action="submit").latest("seq")

    assert f"an article that is {STATE_WORDS[ReviewState.SUBMITTED].in_sentence};" in exc.value.message
    assert state_change_words(entry) == f"{state_label('draft')} → {state_label('submitted')}"
