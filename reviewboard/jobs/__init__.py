"""The scheduled sweeps: reviewer reminders, re-review flagging, published-version reconciliation.

Each sweep is a plain function with a keyword-only ``now`` (pass a fixed clock in tests and in
``manage.py <command> --now``). The Celery tasks in ``reviewboard.tasks`` and the management
commands only call them. Every sweep is safe to run twice at the same moment: work is claimed
in the database with conditional UPDATEs before any email goes out.
"""
