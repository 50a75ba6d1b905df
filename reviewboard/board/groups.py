"""The board groups (``Authors``, ``Board reviewers``, ``Board chair``), kept present after every migrate.

Migration 0002 creates them. A database flush (``manage.py flush``, and the flush after every
transactional test) empties the groups table but re-creates permissions through ``post_migrate``;
this hook re-creates the missing groups the same way, from the migration's own spec. Groups that
exist are never touched, so permissions an administrator changed stay as they are.
"""

from __future__ import annotations

import importlib
import logging

from django.db import connections

logger = logging.getLogger(__name__)


def board_group_spec() -> dict:
    """The groups of migration 0002, with the grants later migrations added (0009: credentials)."""
    groups = importlib.import_module("reviewboard.migrations.0002_board_groups").GROUPS
    later = importlib.import_module("reviewboard.migrations.0009_chair_credential_permissions").GRANTS
    spec = {name: {**g, "models": dict(g["models"]), "view": list(g["view"])} for name, g in groups.items()}
    for name, extra in later.items():
        spec[name]["models"].update(extra["models"])
        spec[name]["view"] += extra["view"]
    return spec


def ensure_board_groups(*, using: str = "default") -> list[str]:
    """Create the missing board groups with their permissions; returns the names created."""
    from django.contrib.auth.models import Group, Permission

    if "auth_group" not in connections[using].introspection.table_names():
        return []
    created = []
    for name, spec in board_group_spec().items():
        if Group.objects.using(using).filter(name=name).exists():
            continue
        wanted = list(spec["custom"])
        for (app_label, model), actions in spec["models"].items():
            wanted += [f"{app_label}.{action}_{model}" for action in actions]
        wanted += [f"{app_label}.view_{model}" for app_label, model in spec["view"]]
        perms = []
        for dotted in wanted:
            app_label, codename = dotted.split(".")
            perm = Permission.objects.using(using).filter(content_type__app_label=app_label, codename=codename).first()
            if perm is None:
                logger.warning("Permission %s is missing; group %r is created without it.", dotted, name)
                continue
            perms.append(perm)
        group = Group.objects.using(using).create(name=name)
        group.permissions.add(*perms)
        created.append(name)
    return created


def ensure_board_groups_after_migrate(sender, *, using: str = "default", verbosity: int = 1, **kwargs) -> None:
    created = ensure_board_groups(using=using)
    if created and verbosity >= 2:
        print(f"  Created board groups: {', '.join(created)}")
