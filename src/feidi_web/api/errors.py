"""Domain exceptions → HTTP answers, always JSON ``{"detail": …}`` and never a traceback.

The services raise Django's own exceptions; the API turns them into status codes:

* ``ValidationError`` (a refused value, an unknown rulebook, …) → 422 with its messages;
* ``PermissionDenied`` (a role that may not do this) → 403;
* ``Http404`` / ``ObjectDoesNotExist`` (absent, or outside the caller's scope) → 404;
* anything else → 500 with a generic message; the traceback goes to the log only.
"""

from __future__ import annotations

import logging

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError

log = logging.getLogger("feidi_web.api")


def install_error_handlers(api: NinjaAPI) -> None:
    def reply(request: HttpRequest, detail: object, status: int) -> HttpResponse:
        return api.create_response(request, {"detail": detail}, status=status)

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return reply(request, [str(m) for m in exc.messages], 422)

    @api.exception_handler(PermissionDenied)
    def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return reply(request, "You do not have permission to do this.", 403)

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return reply(request, "Not found.", 404)

    @api.exception_handler(ObjectDoesNotExist)
    def does_not_exist(request: HttpRequest, exc: ObjectDoesNotExist) -> HttpResponse:
        return reply(request, "Not found.", 404)

    @api.exception_handler(AuthenticationError)
    def unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = reply(request, "Authentication required.", 401)
        response["WWW-Authenticate"] = 'Bearer realm="feidi"'
        return response

    @api.exception_handler(Exception)
    def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        log.exception("API %s %s failed", request.method, request.path)
        return reply(request, "Internal server error.", 500)
