"""Signed webhooks for client apps: outbox consumers that fan events out to endpoints, and the
per-endpoint delivery queue.

How an event reaches a client:

1. An action writes an ``Event`` (the outbox). Its consumer ``webhook_fan_out`` (key
   ``webhooks.fan_out``, registered with ``@consumer`` for the types in ``EVENT_TYPES``) writes one
   ``WebhookDelivery`` per active endpoint subscribed to the type (unique per event and endpoint, so
   a redelivered event never makes a second one), with the body fixed then, and after commit
   enqueues ``reviewboard.deliver_webhook`` for it.
2. The task sends that endpoint's queue head first (``webhook_endpoint_flush``): pending deliveries
   ordered by priority (a retraction is 0: before anything else queued), then age. One delivery per
   transaction, under the endpoint's row lock (``SKIP LOCKED``: one sender per endpoint at a time),
   so the order holds and a worker killed mid-way resends at most that one delivery (receivers
   de-duplicate on ``webhook-id``, which is the same on every attempt).
3. An attempt is a POST of the body signed in the Standard Webhooks format (the ``standardwebhooks``
   package): ``webhook-id``, ``webhook-timestamp``, ``webhook-signature`` (one ``v1,`` signature per
   valid secret: two during a rotation's overlap). A 2xx answer delivers it; anything else (an error
   status, a redirect, no answer) is logged as a ``WebhookAttempt`` and the queue waits with
   exponential backoff (``retry_delay``). The sweep ``deliver_due_webhooks`` (every minute) resumes
   queues whose wait is over.
4. An endpoint whose failures have lasted ``WEBHOOK_DISABLE_AFTER`` (default 24 h) is disabled; its
   pending deliveries wait (re-enabling it sends them, in order) and the chair is told through the
   outbox (event ``webhook.disabled``).
"""

from __future__ import annotations

import base64
import json
import logging
import secrets
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import requests
from celery import shared_task
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from requests_hardened import Config as HardenedConfig
from requests_hardened import Manager as HardenedManager
from requests_hardened.ip_filter import filter_host
from standardwebhooks.webhooks import Webhook

from articles.publishing import iso_datetime
from config.exceptions import Conflict, InvalidInput
from config.queue import TRANSIENT_ERRORS, enqueue_after_commit, enqueue_now
from config.schema import WHITE_SPACE
from reviewboard.delivery import outbox
from reviewboard.delivery.events import consumer
from reviewboard.models import Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)

EVENT_TYPES = (
    "version.published",
    "version.retracted",
    "article.archived",
    "article.review_due",
    "article.status_changed",
)
STATUS_CHANGED = "article.status_changed"
RETRACTION = "version.retracted"
SECRET_PREFIX = "whsec_"  # noqa: S105 - the Standard Webhooks prefix, not a secret
EXCERPT_CHARS = 500
FLUSH_BATCH = 100


# --- endpoints ------------------------------------------------------------------------------------


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


# Characters that NFKC normalisation turns into one of "/?#@:": urlsplit refuses a host holding one.
_NFKC_DELIMITERS = (
    "\\u2047-\\u2049\\u2100\\u2101\\u2105\\u2106\\u2a74\\ufe13\\ufe16\\ufe55\\ufe56\\ufe5f\\ufe6b"
    "\\uff03\\uff0f\\uff1a\\uff1f\\uff20"
)
_PORT = "0*(?:[0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])"


def url_pattern() -> str:
    """``clean_url``'s form of a URL as a pattern, for the API schema: an absolute http or https URL
    (https only where ``WEBHOOK_REQUIRE_HTTPS``) with a host, a port of at most 65535 and no space or
    control character, as ``urlsplit`` reads it. Read when the schema is made, so the setting holds. The
    host's address (private, loopback) is not in it: that asks DNS, on registration and at each delivery.
    An IPv6 literal (``[::1]``), which the rule takes, is left out of the pattern."""
    scheme = "[Hh][Tt][Tt][Pp][Ss]" if settings.WEBHOOK_REQUIRE_HTTPS else "[Hh][Tt][Tt][Pp][Ss]?"
    userinfo = f"[^\\u0000-\\u0020/?#\\[\\]{_NFKC_DELIMITERS}]*@"
    host = f"[^\\u0000-\\u0020/?#@:\\[\\]{_NFKC_DELIMITERS}]+"
    # A host that ends the URL ends on a character the trimming keeps.
    last = f"[^\\u0000-\\u0020/?#@:\\[\\]{_NFKC_DELIMITERS}{WHITE_SPACE}]"
    rest = "[/?#][^\\u0000-\\u0020]*"
    port = f":(?:{_PORT})?"
    space = f"[{WHITE_SPACE}]*"
    place = f"(?:{host}(?:{port})?{rest}|{host}{port}|{host[:-1]}*{last})"
    return f"^{space}{scheme}://(?:{userinfo})?{place}{space}$"


def clean_url(url: str) -> str:
    """An absolute http(s) URL (https only where ``WEBHOOK_REQUIRE_HTTPS``) whose host is not a
    private address (unless ``WEBHOOK_ALLOW_PRIVATE_TARGETS``), else 400 naming ``url``. The API schema
    states the form (``url_pattern``)."""
    url = (url or "").strip()
    allowed = ("https",) if settings.WEBHOOK_REQUIRE_HTTPS else ("http", "https")
    try:
        parts = urlsplit(url)  # "http://[": ValueError, as a bracketed host that is no IP address
        hostname, port = parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:  # that, or a port out of range
        parts, hostname, port = None, None, None
    if parts is None or parts.scheme not in allowed or not hostname or any(ord(ch) < 33 for ch in url):
        raise InvalidInput(
            f"The URL must be an absolute {' or '.join(allowed)} URL without spaces.",
            code="invalid-url",
            detail={"field": "url"},
        )
    if not settings.WEBHOOK_ALLOW_PRIVATE_TARGETS and _private_host(hostname, port):
        raise InvalidInput(
            f"The URL's host {hostname} is a private, loopback or link-local address: webhooks are only "
            "sent to addresses on the public internet.",
            code="private-url",
            detail={"field": "url"},
        )
    return url


def _private_host(hostname: str, port: int) -> bool:
    """Whether the host is an address no webhook may go to, by the rule that guards every delivery:
    requests-hardened's ``filter_host`` on the address the host resolves to (``getaddrinfo``, as the
    delivery does, so a literal spelled unusually, in hex, decimal, octal or a short form, counts as
    the address it is). A trailing dot is dropped first (``127.0.0.1.`` is ``127.0.0.1``), and local
    names are refused without a lookup. A name that does not resolve now is accepted: each delivery
    checks the address it connects to (``_http``), which is the check that holds (DNS can change)."""
    host = hostname.rstrip(".").lower()
    if not host or host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        return True
    try:
        filter_host(host, port, allow_loopback=False)
    except ValueError as exc:  # UnicodeError: a label longer than 63 characters or empty
        raise InvalidInput(
            f"The URL's host {hostname} is not a valid host name.", code="invalid-url", detail={"field": "url"}
        ) from exc
    except requests.ConnectionError:  # no such name (yet): the delivery decides
        return False
    except requests.RequestException:  # InvalidIPAddress, or a literal this host cannot address at all
        return True
    return False


def clean_events(events: Any) -> list[str]:
    """A non-empty list of known event types (duplicates dropped), else 400 naming ``events``."""
    if not isinstance(events, list | tuple) or not events or not all(isinstance(e, str) for e in events):
        raise InvalidInput(
            f"events must be a non-empty list of: {', '.join(EVENT_TYPES)}.",
            code="invalid-events",
            detail={"field": "events", "allowed": list(EVENT_TYPES)},
        )
    unknown = sorted(set(events) - set(EVENT_TYPES))
    if unknown:
        raise InvalidInput(
            f"Unknown event type(s): {', '.join(unknown)}; expected: {', '.join(EVENT_TYPES)}.",
            code="invalid-events",
            detail={"field": "events", "allowed": list(EVENT_TYPES)},
        )
    return [e for e in EVENT_TYPES if e in events]


@transaction.atomic
def webhook_endpoint_create(
    *, url: str, events: list[str], api_key: Any = None, description: str = ""
) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(
        url=clean_url(url),
        events=clean_events(events),
        api_key=api_key,
        description=description.strip()[:200],
        secret=new_secret(),
    )


@transaction.atomic
def webhook_endpoint_update(
    *,
    endpoint: WebhookEndpoint,
    url: str | None = None,
    events: list[str] | None = None,
    description: str | None = None,
    active: bool | None = None,
) -> WebhookEndpoint:
    """Change an endpoint. Re-activating a disabled one clears its failure run and sends what waited."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    if url is not None:
        endpoint.url = clean_url(url)
    if events is not None:
        endpoint.events = clean_events(events)
    if description is not None:
        endpoint.description = description.strip()[:200]
    if active is not None and active != endpoint.active:
        endpoint.active = active
        if active:
            endpoint.failing_since = endpoint.disabled_at = None
            endpoint.disabled_reason = ""
            WebhookDelivery.objects.filter(endpoint=endpoint, status=WebhookDelivery.Status.PENDING).update(
                next_attempt_at=None
            )
            head = _queue(endpoint.pk).values_list("pk", flat=True).first()
            if head is not None:  # its task sends the endpoint's whole queue, in order
                enqueue_after_commit(deliver_webhook, head)
    endpoint.save()
    return endpoint


@transaction.atomic
def webhook_secret_rotate(*, endpoint: WebhookEndpoint, now: datetime | None = None) -> WebhookEndpoint:
    """A new secret signs from now on; the current one keeps signing too for ``WEBHOOK_SECRET_OVERLAP``."""
    now = now or timezone.now()
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = now + settings.WEBHOOK_SECRET_OVERLAP
    endpoint.secret = new_secret()
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at"])
    return endpoint


def signing_secrets(endpoint: WebhookEndpoint, *, now: datetime) -> list[str]:
    keys = [endpoint.secret]
    if endpoint.previous_secret and endpoint.previous_secret_expires_at and endpoint.previous_secret_expires_at > now:
        keys.append(endpoint.previous_secret)
    return keys


# --- fan-out (an outbox consumer) -----------------------------------------------------------------


def event_body(event: Event) -> str:
    """The JSON a client receives: ``type``, ``timestamp`` and ``data`` (Standard Webhooks' shape)."""
    article = event.article
    data: dict[str, Any] = {"slug": article.slug if article else None}
    payload = event.payload or {}
    for key in ("version", "reason", "status", "current_step", "round"):
        if key in payload:
            data[key] = payload[key]
    if article is not None:
        status = "status/" if event.type == STATUS_CHANGED else ""
        data["url"] = f"/api/v1/articles/{article.slug}/{status}"
    return json.dumps(
        {"type": event.type, "timestamp": iso_datetime(event.created_at), "data": data},
        separators=(",", ":"),
        sort_keys=True,
    )


@consumer("webhooks.fan_out", *EVENT_TYPES)
def webhook_fan_out(event: Event) -> int:
    """One delivery per active endpoint subscribed to ``event.type``; each is sent after commit."""
    endpoints = [e for e in WebhookEndpoint.objects.filter(active=True).order_by("pk") if event.type in e.events]
    if not endpoints:
        return 0
    body = event_body(event)
    created = []
    for endpoint in endpoints:
        try:
            with transaction.atomic():
                delivery = WebhookDelivery.objects.create(
                    endpoint=endpoint,
                    event=event,
                    event_type=event.type,
                    message_id=f"msg_evt{event.pk}",
                    body=body,
                    priority=0 if event.type == RETRACTION else 1,
                    created_at=event.created_at,
                )
        except IntegrityError:  # this event already has its delivery for this endpoint
            continue
        created.append(delivery.pk)
    for delivery_id in created:
        enqueue_after_commit(deliver_webhook, delivery_id)
    return len(created)


@shared_task(
    name="reviewboard.deliver_webhook",
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
)
def deliver_webhook(delivery_id: int) -> dict[str, int]:
    """Send the queue of the endpoint of ``delivery_id``, head first."""
    endpoint_id = WebhookDelivery.objects.filter(pk=delivery_id).values_list("endpoint_id", flat=True).first()
    if endpoint_id is None:
        return {}
    return webhook_endpoint_flush(endpoint_id=endpoint_id)


def enqueue_flush(endpoint_id: int) -> None:
    """Send the task for the endpoint's queue head now (from a task that has more to send)."""
    head = (
        WebhookDelivery.objects.filter(endpoint_id=endpoint_id, status=WebhookDelivery.Status.PENDING)
        .order_by("priority", "created_at", "pk")
        .values_list("pk", flat=True)
        .first()
    )
    if head is not None:
        enqueue_now(deliver_webhook, head)


# --- sending --------------------------------------------------------------------------------------


def retry_delay(attempts: int) -> timedelta:
    """After the n-th failed attempt: 30 s, 1, 2, 4 ... minutes, at most ``WEBHOOK_MAX_RETRY_DELAY``."""
    return min(timedelta(seconds=30 * 2 ** max(attempts - 1, 0)), settings.WEBHOOK_MAX_RETRY_DELAY)


def signed_headers(delivery: WebhookDelivery, *, keys: list[str], sent_at: datetime) -> dict[str, str]:
    signatures = " ".join(
        Webhook(key).sign(msg_id=delivery.message_id, timestamp=sent_at.astimezone(UTC), data=delivery.body)
        for key in keys
    )
    return {
        "content-type": "application/json",
        "user-agent": settings.WEBHOOK_USER_AGENT,
        "webhook-id": delivery.message_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": signatures,
    }


def _post(endpoint: WebhookEndpoint, delivery: WebhookDelivery, *, now: datetime) -> tuple[int | None, str, int]:
    """POST the delivery; returns (status code or None, excerpt of the answer or the error, ms)."""
    sent_at = timezone.now()
    headers = signed_headers(delivery, keys=signing_secrets(endpoint, now=sent_at), sent_at=sent_at)
    started = time.monotonic()
    try:
        response = _http().send_request(
            "POST",
            endpoint.url,
            data=delivery.body.encode("utf-8"),
            headers=headers,
            timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        return None, f"{exc.__class__.__name__}: {exc}"[:EXCERPT_CHARS], _ms(started)
    return response.status_code, response.text[:EXCERPT_CHARS], _ms(started)


def _http() -> HardenedManager:
    """Webhook requests: no redirects, and (unless ``WEBHOOK_ALLOW_PRIVATE_TARGETS``) the host name
    resolved once and the connection made to that address only if it is public. A name that resolves
    to a private address (set up so, or changed after registration: DNS rebinding) fails the attempt
    with ``InvalidIPAddress``, logged like any other failure; nothing is sent to it."""
    return HardenedManager(
        HardenedConfig(
            ip_filter_enable=not settings.WEBHOOK_ALLOW_PRIVATE_TARGETS,
            ip_filter_allow_loopback_ips=False,
            never_redirect=True,
            default_timeout=(settings.WEBHOOK_TIMEOUT_SECONDS, settings.WEBHOOK_TIMEOUT_SECONDS),
        )
    )


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _queue(endpoint_id: int):
    return WebhookDelivery.objects.filter(endpoint_id=endpoint_id, status=WebhookDelivery.Status.PENDING).order_by(
        "priority", "created_at", "pk"
    )


def webhook_endpoint_flush(
    *, endpoint_id: int, now: datetime | None = None, limit: int = FLUSH_BATCH
) -> dict[str, int]:
    """Send the endpoint's pending deliveries in order until one fails, the queue is empty, or its
    head waits for a retry. Returns counts: delivered, failed (0 or 1), disabled (0 or 1)."""
    counts = {"delivered": 0, "failed": 0, "disabled": 0}
    for _ in range(limit):
        outcome = _send_head(endpoint_id, now=now)
        if outcome != "delivered":
            if outcome in ("failed", "disabled"):
                counts["failed"] += 1
                counts["disabled"] += outcome == "disabled"
            return counts
        counts["delivered"] += 1
    enqueue_flush(endpoint_id)  # more than a batch waiting: carry on in another task
    return counts


@transaction.atomic
def _send_head(endpoint_id: int, *, now: datetime | None) -> str:
    endpoint = WebhookEndpoint.objects.select_for_update(skip_locked=True).filter(pk=endpoint_id, active=True).first()
    if endpoint is None:
        return "busy"  # being sent by another worker, disabled, or gone
    now = now or timezone.now()
    delivery = _queue(endpoint_id).select_for_update().first()
    if delivery is None or (delivery.next_attempt_at is not None and delivery.next_attempt_at > now):
        return "waiting"
    return _attempt(endpoint, delivery, now=now)


def _send_and_log(
    endpoint: WebhookEndpoint, delivery: WebhookDelivery, *, now: datetime, manual: bool
) -> WebhookAttempt:
    status_code, excerpt, duration = _post(endpoint, delivery, now=now)
    return WebhookAttempt.objects.create(
        delivery=delivery,
        attempted_at=now,
        status_code=status_code,
        ok=status_code is not None and 200 <= status_code < 300,
        response_excerpt=excerpt,
        duration_ms=duration,
        manual=manual,
    )


def _attempt(endpoint: WebhookEndpoint, delivery: WebhookDelivery, *, now: datetime, manual: bool = False) -> str:
    attempt = _send_and_log(endpoint, delivery, now=now, manual=manual)
    status_code, excerpt = attempt.status_code, attempt.response_excerpt
    delivery.attempts += 1
    if attempt.ok:
        delivery.status = WebhookDelivery.Status.DELIVERED
        delivery.delivered_at = now
        delivery.next_attempt_at = None
        delivery.save(update_fields=["status", "delivered_at", "next_attempt_at", "attempts"])
        if endpoint.failing_since is not None:
            endpoint.failing_since = None
            endpoint.save(update_fields=["failing_since"])
        return "delivered"
    delivery.next_attempt_at = now + retry_delay(delivery.attempts)
    delivery.save(update_fields=["next_attempt_at", "attempts"])
    if endpoint.failing_since is None:
        endpoint.failing_since = now
        endpoint.save(update_fields=["failing_since"])
    elif now - endpoint.failing_since >= settings.WEBHOOK_DISABLE_AFTER:
        _disable(endpoint, now=now, last=f"{status_code or 'no answer'}: {excerpt[:200]}")
        return "disabled"
    logger.warning(
        "Webhook %s to %s failed (%s); next try %s.", delivery.pk, endpoint.url, status_code, delivery.next_attempt_at
    )
    return "failed"


def _disable(endpoint: WebhookEndpoint, *, now: datetime, last: str) -> None:
    since = endpoint.failing_since
    endpoint.active = False
    endpoint.disabled_at = now
    endpoint.disabled_reason = f"Failing since {iso_datetime(since)}; last answer {last}"[:300]
    endpoint.save(update_fields=["active", "disabled_at", "disabled_reason"])
    notify_chair_webhook_disabled(endpoint=endpoint, now=now)
    logger.error("Webhook endpoint %s (%s) disabled: %s", endpoint.pk, endpoint.url, endpoint.disabled_reason)


def notify_chair_webhook_disabled(*, endpoint: WebhookEndpoint, now: datetime) -> None:
    """Tell the chair, through the outbox, that an endpoint was disabled (in the caller's transaction)."""
    outbox.emit(
        "webhook.disabled",
        now=now,
        endpoint_id=endpoint.pk,
        url=endpoint.url,
        reason=endpoint.disabled_reason,
        pending=_queue(endpoint.pk).count(),
    )


@transaction.atomic
def webhook_redeliver(*, delivery: WebhookDelivery, now: datetime | None = None) -> WebhookAttempt:
    """Send one delivery again now, at a person's request (delivered or still waiting), with the same
    ``webhook-id``; a success on a pending one counts as its delivery."""
    now = now or timezone.now()
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=delivery.endpoint_id)
    if not endpoint.active:
        raise Conflict(
            "The endpoint is disabled: enable it first (its waiting deliveries are then sent in order).",
            code="webhook-endpoint-disabled",
            detail={"endpoint": endpoint.pk},
        )
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
    if delivery.status == WebhookDelivery.Status.PENDING:
        _attempt(endpoint, delivery, now=now, manual=True)
        return delivery.attempt_log.order_by("-pk").first()
    return _send_and_log(endpoint, delivery, now=now, manual=True)


def deliver_due_webhooks(*, now: datetime | None = None) -> dict[str, int]:
    """The sweep: resume every active endpoint whose queue head is due (a retry, or a lost task)."""
    now = now or timezone.now()
    due = (
        WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING, endpoint__active=True)
        .exclude(next_attempt_at__gt=now)
        .values_list("endpoint_id", flat=True)
        .distinct()
    )
    totals = {"endpoints": 0, "delivered": 0, "failed": 0, "disabled": 0}
    for endpoint_id in sorted(set(due)):
        totals["endpoints"] += 1
        for key, value in webhook_endpoint_flush(endpoint_id=endpoint_id, now=now).items():
            totals[key] += value
    return totals


def version_went_live(*, article: Any, version: Any) -> None:
    """``PUBLISHING_ON_LIVE`` hook: a render made ``version`` the one readers get (in the render's
    transaction): the ``version.published`` event (webhooks, CDN purge) leaves through the outbox."""
    if version.retracted_at is None:  # retracted before its first render: readers never get it
        outbox.emit("version.published", article=article, version_id=version.pk, version=version.number)
