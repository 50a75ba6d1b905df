"""Creates the three board groups and their permissions.

Model permissions are normally created after migrate; they are created here first so that
the groups can be granted them in one step.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CONTENT = [
    ("articles", "article"), ("articles", "section"), ("references", "citation"), ("references", "reference"),
]

GROUPS = {
    "Authors": {
        "custom": ["articles.author_article"],
        "models": {m: ["view", "add", "change"] for m in CONTENT},
        "view": [("reviewboard", "comment"), ("reviewboard", "specialty"), ("articles", "publishedversion")],
    },
    "Board reviewers": {
        "custom": ["articles.review_article"],
        "models": {},
        "view": CONTENT + [
            ("reviewboard", "comment"), ("reviewboard", "assignment"), ("reviewboard", "signoff"),
            ("reviewboard", "specialty"), ("reviewboard", "reviewerprofile"), ("articles", "publishedversion"),
            ("reviewboard", "auditentry"),
        ],
    },
    "Board chair": {
        "custom": ["articles.chair_review", "articles.edit_any_article"],
        "models": {
            **{m: ["view", "add", "change"] for m in CONTENT},
            ("reviewboard", "reviewerprofile"): ["view", "add", "change"],
            ("reviewboard", "specialty"): ["view", "add", "change"],
        },
        "view": [
            ("reviewboard", "comment"), ("reviewboard", "assignment"), ("reviewboard", "signoff"),
            ("reviewboard", "auditentry"), ("articles", "publishedversion"),
        ],
    },
}


def create_groups(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    def perm(app_label, codename):
        return Permission.objects.get(content_type__app_label=app_label, codename=codename)

    for name, spec in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        perms = [perm(*p.split(".")) for p in spec["custom"]]
        for (app_label, model), actions in spec["models"].items():
            perms += [perm(app_label, f"{action}_{model}") for action in actions]
        perms += [perm(app_label, f"view_{model}") for app_label, model in spec["view"]]
        group.permissions.add(*perms)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reviewboard", "0001_initial"),
        ("articles", "0002_initial"),
        ("references", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
