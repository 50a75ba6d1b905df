"""Django's model backend, with a user's permissions read in one query instead of two.

``ModelBackend`` reads a user's own permissions and their groups' permissions in two queries, the first
time ``has_perm`` is asked of a user instance: every request and every review action loads its user
afresh, so the board paid both on each. ``get_all_permissions`` here reads the same set in one query
(a permission held directly or through a group, each asked with ``EXISTS``), and keeps it on the instance
as Django does (``_perm_cache``). The rules are Django's: an inactive or anonymous user holds nothing, a
superuser every permission, and object permissions are not this backend's.
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db.models import Exists, OuterRef


class ModelBackendInOneQuery(ModelBackend):
    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            permissions = Permission.objects.all()
            if not user_obj.is_superuser:
                held_directly = user_obj.user_permissions.through.objects.filter(
                    permission=OuterRef("pk"), **{user_obj.user_permissions.source_field_name: user_obj}
                )
                through_a_group = Group.permissions.through.objects.filter(
                    permission=OuterRef("pk"), group__in=user_obj.groups.values("pk")
                )
                permissions = permissions.filter(Exists(held_directly) | Exists(through_a_group))
            rows = permissions.values_list("content_type__app_label", "codename").order_by()
            user_obj._perm_cache = {f"{app_label}.{codename}" for app_label, codename in rows}
        return user_obj._perm_cache
