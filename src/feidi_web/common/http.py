"""The request a page view gets, as the type checker should see it.

Django types ``request.user`` as ``User | AnonymousUser`` and knows nothing of the ``htmx``
attribute that ``django_htmx.middleware.HtmxMiddleware`` sets. Views behind
``@login_required`` annotate their request as ``AuthedRequest`` instead (django-htmx's
documented ``HtmxHttpRequest`` pattern): annotations only, nothing changes at run time —
the view still receives Django's ``HttpRequest``.
"""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from feidi_web.accounts.models import User


class AuthedRequest(HttpRequest):
    """A request to a view behind ``@login_required``: a logged-in ``User``, and htmx details."""

    user: User
    htmx: HtmxDetails
