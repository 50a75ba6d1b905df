"""The board chair records and verifies reviewers' credentials and reads their declarations in admin.

``GRANTS`` is also read by ``reviewboard.groups.board_group_spec`` so that groups re-created after a
flush get these permissions too.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "Board chair": {
        "models": {("reviewboard", "credential"): ["view", "add", "change"]},
        "view": [("reviewboard", "declaration"), ("reviewboard", "declaredrelationship")],
    },
    "Board reviewers": {"models": {}, "view": [("reviewboard", "credential")]},
}


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, spec in GRANTS.items():
        group = Group.objects.filter(name=name).first()
        if group is None:
            continue
        codenames = [(a, f"{action}_{m}") for (a, m), actions in spec["models"].items() for action in actions]
        codenames += [(a, f"view_{m}") for a, m in spec["view"]]
        group.permissions.add(*(Permission.objects.get(content_type__app_label=a, codename=c) for a, c in codenames))


class Migration(migrations.Migration):
    dependencies = [("reviewboard", "0008_declarations_credentials_acceptance")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
