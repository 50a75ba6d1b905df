"""What every admin that saves through the services shares: a refusal becomes a message, never a 500."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from config.exceptions import ServiceError


class ServiceErrorsAsMessagesMixin:
    """For a ``ModelAdmin`` whose ``save_model`` / ``save_related`` call services.

    A refusal raised while the change form saves (``refusals``: ``config.exceptions.ServiceError``
    unless the admin adds more) is raised inside the admin's transaction, which has rolled back:
    nothing was saved. The user sees ``refusal_message(exc)`` as an error and the form again.
    """

    refusals: tuple[type[Exception], ...] = (ServiceError,)

    def refusal_message(self, exc: Exception) -> str:
        return f"Not saved: {exc.message}" if isinstance(exc, ServiceError) else "Not saved."

    def changeform_view(
        self, request: HttpRequest, object_id: str | None = None, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except self.refusals as exc:
            self.message_user(request, self.refusal_message(exc), level=messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
