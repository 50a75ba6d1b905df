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
    existing = set(Group.objects.using(using).values_list("name", flat=True))
    missing = {name: dotted_permissions(spec) for name, spec in board_group_spec().items() if name not in existing}
    if not missing:
        return []
    codenames = {dotted.split(".")[1] for wanted in missing.values() for dotted in wanted}
    found = {
        f"{perm.content_type.app_label}.{perm.codename}": perm
        for perm in Permission.objects.using(using).filter(codename__in=codenames).select_related("content_type")
    }
    for name, wanted in missing.items():
        for dotted in wanted:
            if dotted not in found:
                logger.warning("Permission %s is missing; group %r is created without it.", dotted, name)
        group = Group.objects.using(using).create(name=name)
        group.permissions.add(*(found[dotted] for dotted in wanted if dotted in found))
    return list(missing)


def dotted_permissions(spec: dict) -> list[str]:
    """``app_label.codename`` of each permission a group of ``board_group_spec`` holds."""
    wanted = list(spec["custom"])
    for (app_label, model), actions in spec["models"].items():
        wanted += [f"{app_label}.{action}_{model}" for action in actions]
    wanted += [f"{app_label}.view_{model}" for app_label, model in spec["view"]]
    return wanted


def ensure_board_groups_after_migrate(sender, *, using: str = "default", verbosity: int = 1, **kwargs) -> None:
    created = ensure_board_groups(using=using)
    if created and verbosity >= 2:
        print(f"  Created board groups: {', '.join(created)}")
