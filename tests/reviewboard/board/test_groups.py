"""The board groups come back after a flush with exactly the permissions the migrations gave them."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from reviewboard.board.groups import board_group_spec, dotted_permissions, ensure_board_groups
from reviewboard.schedules import CHAIR_GROUP, CHAIR_SCHEDULE_PERMISSIONS

pytestmark = pytest.mark.django_db


def grants() -> dict[str, set[str]]:
    return {
        group.name: {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        for group in Group.objects.prefetch_related("permissions__content_type")
    }


def test_missing_groups_are_created_with_the_migrations_permissions():
    Group.objects.filter(name__in=board_group_spec()).delete()

    assert sorted(ensure_board_groups()) == sorted(board_group_spec())
    assert grants() == {name: set(dotted_permissions(spec)) for name, spec in board_group_spec().items()}


@pytest.mark.django_db(transaction=True)
def test_after_a_flush_the_chair_may_still_edit_the_schedules():
    """A flush (``manage.py flush``, and after every transactional test) brings back the groups and the periodic
    jobs; the jobs' grant to the chair must find the group re-created first."""
    call_command("flush", verbosity=0, interactive=False)

    chair = Group.objects.get(name=CHAIR_GROUP)
    beat = chair.permissions.filter(content_type__app_label="django_celery_beat")
    assert set(beat.values_list("codename", flat=True)) == set(CHAIR_SCHEDULE_PERMISSIONS)


def test_groups_that_exist_are_left_as_an_administrator_changed_them():
    chair = Group.objects.get(name="Board chair")
    chair.permissions.clear()

    assert ensure_board_groups() == []
    assert not Group.objects.get(name="Board chair").permissions.exists()


def test_recreating_the_groups_costs_a_few_queries_not_one_per_permission(django_assert_max_num_queries):
    Group.objects.filter(name__in=board_group_spec()).delete()
    with django_assert_max_num_queries(3 + 2 * len(board_group_spec())):
        ensure_board_groups()
