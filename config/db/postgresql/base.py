"""Django's PostgreSQL backend, with the per-request health check skipped for a connection that
has just worked.

``CONN_HEALTH_CHECKS`` makes Django send ``SELECT 1`` before the first query of every request on
a persistent connection: one more round trip per request, 10-15 % of the CPU of an uncached
read-API request (bench/RESULTS.md). A connection whose last request used it without a database
error less than ``DB_HEALTH_CHECK_BYPASS_SECONDS`` ago (1 s) is taken as alive, as HikariCP's
``aliveBypassWindowMs`` does: under load every connection is in that window, and an idle one is
still checked. What this gives up: a database restart within the window of a connection's last
use costs that connection's next request (Django then closes the connection, and the request
after it reconnects); requests in flight during a restart fail in any case.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    _worked_at = float("-inf")  # time.monotonic() at the end of the last request that used it without an error

    def close_if_unusable_or_obsolete(self) -> None:
        # Called when a request starts and when it ends: ``health_check_done`` is True only at the
        # end of a request that used the connection (it is reset here), so only that counts as "worked".
        if self.connection is not None and self.health_check_done and not self.errors_occurred:
            self._worked_at = time.monotonic()
        super().close_if_unusable_or_obsolete()

    def close_if_health_check_failed(self) -> None:
        if (
            self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and time.monotonic() - self._worked_at < settings.DB_HEALTH_CHECK_BYPASS_SECONDS
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def connect(self) -> None:
        super().connect()
        self._worked_at = float("-inf")  # a new connection has not worked yet
