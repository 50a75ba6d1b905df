"""The periodic jobs exist after migrate, and a migrate never overwrites the chair's edits."""

from __future__ import annotations

from django.core.management.sql import emit_post_migrate_signal
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from config.celery import app
from reviewboard.schedules import JOBS, ensure_periodic_tasks


def migrate_again() -> None:
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")


def test_every_job_has_an_enabled_periodic_task_with_its_default_schedule(db):
    tasks = {t.task: t for t in PeriodicTask.objects.select_related("crontab", "interval")}
    app.loader.import_default_modules()  # what a worker does at start: autodiscover the tasks

    reminders = tasks["reviewboard.send_due_reminders"]
    assert (reminders.crontab.minute, reminders.crontab.hour) == ("5", "*")
    rereview = tasks["reviewboard.flag_overdue_reviews"]
    assert (rereview.crontab.minute, rereview.crontab.hour, rereview.crontab.day_of_week) == ("15", "6", "*")
    reconcile = tasks["reviewboard.reconcile_published"]
    assert (reconcile.interval.every, reconcile.interval.period) == (10, IntervalSchedule.MINUTES)
    for job in JOBS:
        assert tasks[job.task].enabled
        assert tasks[job.task].expire_seconds == job.expire_seconds
        assert job.task in app.tasks  # beat sends a name the worker knows


def test_a_migrate_leaves_the_chairs_edits_alone(db):
    reminders = PeriodicTask.objects.get(task="reviewboard.send_due_reminders")
    reminders.name = "Nag reviewers twice a day"
    reminders.enabled = False
    reminders.crontab = CrontabSchedule.objects.create(minute="0", hour="8,16")
    reminders.save()

    migrate_again()

    assert PeriodicTask.objects.filter(task="reviewboard.send_due_reminders").count() == 1
    reminders = PeriodicTask.objects.select_related("crontab").get(task="reviewboard.send_due_reminders")
    assert (reminders.name, reminders.enabled, reminders.crontab.hour) == ("Nag reviewers twice a day", False, "8,16")
    assert ensure_periodic_tasks() == []


def test_a_deleted_job_comes_back_with_its_default(db):
    PeriodicTask.objects.filter(task="reviewboard.reconcile_published").delete()

    assert ensure_periodic_tasks() == ["Reconcile published versions"]
    assert PeriodicTask.objects.filter(task="reviewboard.reconcile_published", enabled=True).count() == 1
    assert PeriodicTask.objects.filter(task__startswith="reviewboard.").count() == len(JOBS)


def test_the_chair_may_edit_the_schedules_in_admin(chair, client):
    PeriodicTask.objects.all().delete()  # a first migrate: the jobs are created, the chair may edit them
    migrate_again()
    chair = type(chair).objects.get(pk=chair.pk)  # fresh permission cache
    assert chair.has_perm("django_celery_beat.change_periodictask")
    assert chair.has_perm("django_celery_beat.add_crontabschedule")
    assert not chair.has_perm("django_celery_beat.delete_periodictask")
    client.force_login(chair)
    reminders = PeriodicTask.objects.get(task="reviewboard.send_due_reminders")

    response = client.get(f"/admin/django_celery_beat/periodictask/{reminders.pk}/change/")

    assert response.status_code == 200
