"""``manage.py create_api_key NAME``: create a read-API key and print it (the key is the last line)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from rest_framework_api_key.models import APIKey

NAME_MAX = APIKey._meta.get_field("name").max_length


class Command(BaseCommand):
    help = "Create an API key for the read API. The key is printed once, as the last line."

    def add_arguments(self, parser):
        parser.add_argument("name", help=f"Who the key is for (at most {NAME_MAX} characters).")

    def handle(self, *args, name: str, **options):
        name = name.strip()
        if not name or len(name) > NAME_MAX:
            raise CommandError(f"NAME must be 1 to {NAME_MAX} characters.", returncode=2)
        api_key, key = APIKey.objects.create_key(name=name)
        self.stdout.write(
            f"Created API key {name!r} (prefix {api_key.prefix}). Send it as 'Authorization: Api-Key <key>'. "
            "It is shown only now:"
        )
        self.stdout.write(key)
