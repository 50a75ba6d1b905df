"""The periodic jobs and their default schedules, kept in the database by django-celery-beat.

Beat runs with ``DatabaseScheduler``, so the chair (or an admin) edits the schedules in the admin
under "Periodic tasks": change the time, disable a job, run it once. ``ensure_periodic_tasks``
runs after every ``migrate`` and only creates what is missing: a job that already has a periodic
task (matched by task name, whatever the row is called now, enabled or not) is left exactly as
it is. To stop a job, disable it; a deleted one comes back with its default at the next migrate.

The ``Board chair`` group is given the admin permissions on the schedules (view and change the
periodic tasks; view, add and change crontabs and intervals) when the jobs are first created.

``expire_seconds``: while no worker is running, beat keeps sending; a sweep that waited longer
than its period is dropped, since the next one does the same work.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    task: str
    description: str
    expire_seconds: int
    crontab: dict[str, str] = field(default_factory=dict)  # minute, hour, ... ("*" when absent)
    every_minutes: int | None = None


JOBS: tuple[PeriodicJob, ...] = (
    PeriodicJob(
        name="Remind late reviewers",
        task="reviewboard.send_due_reminders",
        description="Hourly: email each reviewer past due (at most once per 24 h); tell the chair after the third.",
        crontab={"minute": "5"},
        expire_seconds=55 * 60,
    ),
    PeriodicJob(
        name="Flag articles due for re-review",
        task="reviewboard.flag_overdue_reviews",
        description="Daily: flag published articles past their review date (review_overdue) and tell the chair.",
        crontab={"minute": "15", "hour": "6"},
        expire_seconds=23 * 3600,
    ),
    PeriodicJob(
        name="Who may review: expiring declarations, unanswered assignments",
        task="reviewboard.sweep_who_may_review",
        description="Hourly: remind members whose declaration of interests expires in 30 and in 7 days (once each); "
        "tell the chair about assignments not accepted or declined within ASSIGNMENT_ANSWER_WITHIN (once each).",
        crontab={"minute": "25"},
        expire_seconds=55 * 60,
    ),
    PeriodicJob(
        name="Reconcile published versions",
        task="reviewboard.reconcile_published",
        description="Every 10 minutes: render published versions a lost task left unrendered; "
        "report approved articles without a published version.",
        every_minutes=10,
        expire_seconds=9 * 60,
    ),
    PeriodicJob(
        name="Deliver pending events",
        task="reviewboard.deliver_pending_events",
        description="Every minute: deliver the e-mails (and other consumers) of events that a lost task or a "
        "failed attempt left pending, with backoff.",
        every_minutes=1,
        expire_seconds=50,
    ),
    PeriodicJob(
        name="Deliver due webhooks",
        task="reviewboard.deliver_due_webhooks",
        description="Every minute: resume the webhook queues whose retry time has come (exponential backoff); "
        "disable an endpoint failing for a day and tell the chair.",
        every_minutes=1,
        expire_seconds=50,
    ),
    PeriodicJob(
        name="Checkpoint the audit log",
        task="reviewboard.checkpoint_audit_log",
        description="Every 15 minutes: sign the audit chain's head (seq, hash, time) with AUDIT_CHECKPOINT_KEY, "
        "so verify_audit_log detects deleted newest entries up to the last checkpoint.",
        every_minutes=15,
        expire_seconds=14 * 60,
    ),
    PeriodicJob(
        name="Watch the audit checkpoints",
        task="reviewboard.watch_audit_checkpoints",
        description="Every 15 minutes: e-mail the chair when audit checkpoints were deleted, or when audit "
        "entries have waited two checkpoint intervals unsigned (the checkpoint job stopped).",
        every_minutes=15,
        expire_seconds=14 * 60,
    ),
)


CHAIR_GROUP = "Board chair"
CHAIR_SCHEDULE_PERMISSIONS = (
    "view_periodictask",
    "change_periodictask",
    "view_crontabschedule",
    "add_crontabschedule",
    "change_crontabschedule",
    "view_intervalschedule",
    "add_intervalschedule",
    "change_intervalschedule",
)


def ensure_periodic_tasks(*, using: str = "default") -> list[str]:
    """Create the periodic task of every job that has none; return the names created."""
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

    created: list[str] = []
    with transaction.atomic(using=using):
        existing = set(PeriodicTask.objects.using(using).values_list("task", flat=True))
        for job in JOBS:
            if job.task in existing:
                continue
            schedule: dict[str, object] = {}
            if job.every_minutes is not None:
                interval = IntervalSchedule.objects.using(using).filter(
                    every=job.every_minutes, period=IntervalSchedule.MINUTES
                ).first() or IntervalSchedule.objects.using(using).create(
                    every=job.every_minutes, period=IntervalSchedule.MINUTES
                )
                schedule["interval"] = interval
            else:
                fields = {
                    key: job.crontab.get(key, "*")
                    for key in ("minute", "hour", "day_of_week", "day_of_month", "month_of_year")
                }
                fields["timezone"] = settings.CELERY_TIMEZONE
                crontab = CrontabSchedule.objects.using(using).filter(**fields).first()
                schedule["crontab"] = crontab or CrontabSchedule.objects.using(using).create(**fields)
            _, was_created = PeriodicTask.objects.using(using).get_or_create(
                name=job.name,
                defaults={
                    "task": job.task,
                    "description": job.description,
                    "expire_seconds": job.expire_seconds,
                    **schedule,
                },
            )
            if was_created:
                created.append(job.name)
        if created:
            grant_chair_schedule_permissions(using=using)
    return created


def grant_chair_schedule_permissions(*, using: str = "default") -> bool:
    """Let the board chair edit the schedules in admin; False when the group does not exist (yet)."""
    from django.contrib.auth.models import Group, Permission

    group = Group.objects.using(using).filter(name=CHAIR_GROUP).first()
    if group is None:
        return False
    group.permissions.add(
        *Permission.objects.using(using).filter(
            content_type__app_label="django_celery_beat", codename__in=CHAIR_SCHEDULE_PERMISSIONS
        )
    )
    return True
