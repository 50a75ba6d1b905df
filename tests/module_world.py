"""Data every test of one module reads, built once for the module (as Django's ``setUpTestData``).

    @pytest.fixture(scope="module")
    def world(django_db_setup, django_db_blocker):
        with module_world(django_db_blocker):
            yield build_it()

The data is written in a transaction opened for the module and rolled back at its end; each test's own
transaction (the ``db`` fixture) is then a savepoint inside it, so what a test changes is undone before the
next one. A test gets fresh instances by primary key, not the module's Python objects. Only for modules
whose tests all run that way: a ``transactional_db`` or ``live_server`` test would commit into, and flush,
the module's transaction. A test of the module that does not ask for the world sees it all the same once
another test has built it, so every test of such a module asks for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction


@contextmanager
def module_world(django_db_blocker) -> Iterator[None]:
    with django_db_blocker.unblock(), transaction.atomic():
        yield
        transaction.set_rollback(True)
