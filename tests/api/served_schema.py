"""The OpenAPI schema as the app serves it, loaded once per test process for schemathesis, and the checks
every schema test runs (tests/api/test_schema.py, tests/api/test_schema_fuzz.py)."""

from __future__ import annotations

import os

import schemathesis

# Per operation (and role); a longer run by hand: SCHEMA_MAX_EXAMPLES=300 ./scripts/test tests/api/test_schema_fuzz.py
MAX_EXAMPLES = int(os.environ.get("SCHEMA_MAX_EXAMPLES", "20"))
# Every check schemathesis has: status codes, content types, response schemas and headers, negative data
# rejected, positive data accepted, missing auth, unsupported methods... The schema states the rules the
# server enforces (config.schema.AutoSchema: texts, lists, the client API's closed bodies, the alternative
# forms of a body), so a request it allows is accepted, or refused for a state of the data (403, 404 for a
# name that names nothing, 409, 410) but never with 400. The few rules JSON Schema cannot state are in
# test_schema_fuzz.py (UNSTATED_RULES): a generated request that breaks one is still checked, but for positive
# data acceptance.
CHECKS = None
EXCLUDED: list = []


def _load_schema():
    """The schema served by the app, called through its WSGI handler (no database needed)."""
    from config.wsgi import application

    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
    # A schema-violating body may also be refused for its size (413, documented on every body): a rejection.
    rejection = schema.config.checks.negative_data_rejection
    rejection.expected_statuses = [*rejection.expected_statuses, "413"]
    # A retracted article is a state of the resource, as an unknown one (404) is: every read of an
    # article documents 410 Gone with the reason, and a well-formed request for it gets that answer.
    # A body's size in bytes is no shape a schema states (maxLength counts characters, and JSON may write
    # one as twelve bytes): every operation with a body documents 413 for one above its limit.
    acceptance = schema.config.checks.positive_data_acceptance
    acceptance.expected_statuses = [*acceptance.expected_statuses, "410", "413"]
    return schema


# Loaded at collection: schemathesis' lazy fixture loader does not work with this pytest version.
schema = _load_schema()
