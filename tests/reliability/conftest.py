"""One real stack for the whole fault-injection suite (tests/reliability/stack.py): started once,
each test puts back what it broke, torn down at the end. A CDN and a webhook client are played by
local receivers (tests/http_receiver.py) that record what reached them."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

import pytest

from tests.http_receiver import Receiver
from tests.reliability import stack as stack_module


class SlowReceiver(Receiver):
    """A receiver that can hold its answer (``hold`` seconds) and tells when a request arrived."""

    hold: float = 0.0
    arrived: threading.Event

    def start(self) -> SlowReceiver:
        self.arrived = threading.Event()

        def on_request(_record) -> None:
            self.arrived.set()
            if self.hold:
                time.sleep(self.hold)

        self.on_request = on_request
        super().start()
        return self


@pytest.fixture(scope="session")
def cdn():
    receiver = SlowReceiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture(scope="session")
def client_app():
    receiver = SlowReceiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture(scope="session")
def stack(cdn, client_app):
    # Not under pytest's tmp_path: that is private to root, and PostgreSQL runs as its own account.
    directory = Path(tempfile.mkdtemp(prefix="reliability-"))
    directory.chmod(0o755)
    built = None
    try:
        built = stack_module.build(directory, purge_url=cdn.url)
        yield built
    finally:
        if built is not None:
            stack_module.teardown(built)
        if not os.environ.get("RELIABILITY_KEEP_LOGS"):  # set it to read the processes' logs after a failure
            shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def healthy(stack, cdn, client_app):
    """Before and after each test: every process up, receivers answering at once."""
    cdn.hold = client_app.hold = 0.0
    cdn.status = client_app.status = 200
    yield stack
    cdn.hold = client_app.hold = 0.0
    cdn.status = client_app.status = 200
    if stack.worker is None or stack.worker.process.poll() is not None:
        stack.start_worker()
