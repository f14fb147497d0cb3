"""Domain exceptions → HTTP answers, always JSON ``{"detail": …}`` and never a traceback.

The services raise Django's own exceptions; the API turns them into status codes:

* ``ValidationError`` (a refused value, an unknown rulebook, …) → 422 with its messages;
* a malformed request (ninja's validation) → 422 with ``loc``/``msg`` objects; an upload
  stopped for size → 413; a malformed multipart body → 400;
* ``PermissionDenied`` (a role that may not do this) → 403;
* ``Http404`` / ``ObjectDoesNotExist`` (absent, or outside the caller's scope) → 404;
* anything else → 500 with a generic message; the traceback goes to the log only.
"""

from __future__ import annotations

import logging
import re

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as RequestValidationError

from feidi_web.common.conflicts import EditConflict
from feidi_web.common.middleware import is_busy_database
from feidi_web.common.uploads import upload_too_large_message

log = logging.getLogger("feidi_web.api")


class PreconditionRequired(Exception):
    """A change without ``If-Match`` / ``If-None-Match``: it must name what it saw (428)."""


class RunNotFinished(Exception):
    """A run's records were asked for before it finished: partial records are no result."""


class MalformedHeader(Exception):
    """A request header that cannot be read (400)."""


_ETAG = re.compile(r'^\s*(?:W/)?"(\d{1,9})"\s*$')


def seen_version(request: HttpRequest) -> int:
    """The version a change was made against: ``If-Match: "3"`` → 3; ``If-None-Match: *``
    (create only if absent) → 0. Refuses a change that names neither."""
    if_match = request.headers.get("If-Match")
    if if_match is not None:
        found = _ETAG.match(if_match)
        if found is None:
            raise MalformedHeader('If-Match must be one version in quotes, e.g. If-Match: "3"')
        return int(found.group(1))
    if request.headers.get("If-None-Match", "").strip() == "*":
        return 0
    raise PreconditionRequired


def install_error_handlers(api: NinjaAPI) -> None:
    def reply(request: HttpRequest, detail: object, status: int) -> HttpResponse:
        return api.create_response(request, {"detail": detail}, status=status)

    @api.exception_handler(RequestValidationError)
    def request_invalid(request: HttpRequest, exc: RequestValidationError) -> HttpResponse:
        refused = getattr(request, "upload_refused", None)
        if refused is not None:  # the upload was stopped while it arrived: say so, not "missing"
            return reply(request, upload_too_large_message(refused), 413)
        return reply(request, exc.errors, 422)

    @api.exception_handler(MultiPartParserError)
    def malformed_body(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
        return reply(request, "Malformed multipart body.", 400)

    @api.exception_handler(EditConflict)
    def edit_conflict(request: HttpRequest, exc: EditConflict) -> HttpResponse:
        response = api.create_response(
            request,
            {
                "detail": "The record changed since you read it; nothing was written.",
                "current_version": exc.current_version,
                "current": exc.current,
            },
            status=412,
        )
        response["ETag"] = f'"{exc.current_version}"'
        return response

    @api.exception_handler(PreconditionRequired)
    def precondition_required(request: HttpRequest, exc: PreconditionRequired) -> HttpResponse:
        return reply(
            request,
            'Say which version you are changing: If-Match: "<version>" (from GET), or '
            "If-None-Match: * to create.",
            428,
        )

    @api.exception_handler(RunNotFinished)
    def run_not_finished(request: HttpRequest, exc: RunNotFinished) -> HttpResponse:
        return reply(request, "The run has not finished; it has no records yet.", 409)

    @api.exception_handler(MalformedHeader)
    def malformed_header(request: HttpRequest, exc: MalformedHeader) -> HttpResponse:
        return reply(request, str(exc), 400)

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
        # a known token refused for a reason (expired, account locked …) says which
        response = reply(request, getattr(exc, "detail", "Authentication required."), 401)
        response["WWW-Authenticate"] = 'Bearer realm="feidi"'
        return response

    @api.exception_handler(Exception)
    def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        if is_busy_database(exc):
            response = reply(request, "The database is busy with another change; retry.", 503)
            response["Retry-After"] = "5"
            return response
        log.exception("API %s %s failed", request.method, request.path)
        return reply(request, "Internal server error.", 500)
