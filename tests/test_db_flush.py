"""The transactional tests' flush (tests/db_flush.py) leaves the database as Django's own flush would."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models.signals import post_migrate
from django.test import TransactionTestCase
from django_celery_beat.models import PeriodicTask

from articles.models import Article
from reviewboard.audit.chain import audit_append
from reviewboard.models import AuditEntry
from tests import db_flush
from tests.factories import ArticleFactory, ChairFactory

pytestmark = pytest.mark.django_db(transaction=True)


class _Teardown(TransactionTestCase):
    """Only for its ``_fixture_teardown``; not a test of its own."""

    __test__ = False

    def runTest(self):
        pass


def flush() -> int:
    """Flush as a transactional test's teardown does; how many times ``post_migrate`` was sent."""
    sent = []

    def count(**kwargs):
        sent.append(kwargs["app_config"])

    post_migrate.connect(count, dispatch_uid="test_db_flush")
    try:
        _Teardown()._fixture_teardown()
    finally:
        post_migrate.disconnect(dispatch_uid="test_db_flush")
    return len(sent)


def permissions_of(name: str) -> set[str]:
    return set(Group.objects.get(name=name).permissions.values_list("codename", flat=True))


def test_the_flush_empties_the_tests_rows_the_audit_log_included_and_keeps_what_post_migrate_made():
    flush()  # a full flush first: the process notes what post_migrate made
    groups = dict(Group.objects.values_list("name", "pk"))
    permissions = Permission.objects.count()
    content_types = ContentType.objects.count()
    jobs = set(PeriodicTask.objects.values_list("name", flat=True))
    article = ArticleFactory()
    with transaction.atomic():
        audit_append(action="test", actor=ChairFactory(), article=article)
    assert Article.objects.exists()
    assert AuditEntry.objects.exists()

    assert flush() == 0

    assert not Article.objects.exists()
    assert not AuditEntry.objects.exists()
    assert not Group.objects.get(name="Board chair").user_set.exists()
    assert dict(Group.objects.values_list("name", "pk")) == groups  # the same rows, left in place
    assert Permission.objects.count() == permissions
    assert ContentType.objects.count() == content_types
    assert set(PeriodicTask.objects.values_list("name", flat=True)) == jobs


def test_a_test_that_changed_a_group_gets_django_s_full_flush_and_the_group_back():
    flush()
    chair_permissions = permissions_of("Board chair")
    Group.objects.get(name="Board chair").permissions.clear()
    Group.objects.create(name="Made by a test")

    assert flush() > 0  # post_migrate made the groups again

    assert permissions_of("Board chair") == chair_permissions
    assert not Group.objects.filter(name="Made by a test").exists()
    assert flush() == 0  # and the new rows were noted: the next flush is the quick one


def test_a_test_that_changed_a_periodic_job_gets_the_full_flush():
    flush()
    job = PeriodicTask.objects.order_by("name").first()
    job.enabled = not job.enabled
    job.save()

    assert flush() > 0

    assert PeriodicTask.objects.get(name=job.name).enabled != job.enabled


def test_only_django_s_plain_truncate_is_rewritten():
    tables = db_flush._plain_truncate_tables('TRUNCATE "a", "b";')
    assert tables == ['"a"', '"b"']
    assert db_flush._plain_truncate_tables('TRUNCATE "a", "b" RESTART IDENTITY;') is None
    assert db_flush._plain_truncate_tables('TRUNCATE "a" CASCADE;') is None
