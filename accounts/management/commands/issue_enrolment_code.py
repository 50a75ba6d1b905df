"""``manage.py issue_enrolment_code USERNAME [--reset] [--if-not-enrolled]``: a one-time enrolment code.

The code and its link are printed once (only a digest is stored). For operators at the console: the
first chair, or a member who lost every second factor while no chair can reach the admin.
``--reset`` first removes the account's second factors and API tokens; ``--if-not-enrolled`` issues
nothing for an account that has a second factor. Both actions are written to the audit log (actor:
the console). Exit 2 for an unknown user.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts import enrolment
from accounts.otp import has_confirmed_device


class Command(BaseCommand):
    help = "Issue a one-time enrolment code for a second factor (--reset: remove the account's second factors first)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--reset", action="store_true", help="Remove every second factor and API token of the account first."
        )
        parser.add_argument(
            "--if-not-enrolled",
            action="store_true",
            help="Issue nothing for an account that has a second factor already (seed_demo uses this).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        member = get_user_model()._default_manager.filter(username=options["username"]).first()
        if member is None:
            raise CommandError(f"No account with username '{options['username']}'.", returncode=2)
        if options["if_not_enrolled"] and not options["reset"] and has_confirmed_device(member):
            self.stdout.write(f"'{member.get_username()}' has a second factor already: no enrolment code issued.")
            return
        if options["reset"]:
            issued = enrolment.second_factors_reset(member=member, actor=None)
            self.stdout.write(f"Removed the second factors and API tokens of '{member.get_username()}'.")
        else:
            issued = enrolment.enrolment_code_issue(member=member, actor=None)
        self.stdout.write(
            f"Enrolment code for '{issued.username}' (works once, until {issued.expires_at:%Y-%m-%d %H:%M %Z}):"
        )
        self.stdout.write(f"  code: {issued.code}")
        self.stdout.write(f"  link: {issued.link}")
