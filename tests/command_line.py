"""``manage.py <command> <args>`` as the shell runs it, in the test's own process.

The command is found and run the way ``manage.py`` runs it (``ManagementUtility.fetch_command`` and
``run_from_argv``): its arguments parsed from the words given, a ``CommandError`` written to stderr as
``CommandError: ...`` with its exit status, any other exception left to fail the test. What this leaves out
is only the new interpreter (a second start of Django, about a second each). ``run_from_argv`` closes the
database connections when it ends, so a test that reads the database around it is transactional.
"""

from __future__ import annotations

from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from io import StringIO

from django.core.management import ManagementUtility


@dataclass(frozen=True)
class Ran:
    returncode: int
    stdout: str
    stderr: str


def command_line(name: str, *args: str) -> Ran:
    argv = ["manage.py", name, *args]
    out, err = StringIO(), StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        command = ManagementUtility(argv).fetch_command(name)
        try:
            command.run_from_argv(argv)
            returncode = 0
        except SystemExit as exit_:
            returncode = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    return Ran(returncode, out.getvalue(), err.getvalue())
