"""Staff correcting where a registry firm sits on the chains (a profile's corrections are
posted to the matchmaking app, which owns the profile)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from feidi_web.chains.services import mount_correct
from feidi_web.common.http import AuthedRequest
from feidi_web.enterprises.permissions import enterprise_get_for_user


@login_required
@require_POST
def firm_correct(request: AuthedRequest, ref: str) -> HttpResponse:
    enterprise = enterprise_get_for_user(request.user, ref)
    correct_from_post(request, enterprise=enterprise)
    return redirect(reverse("registry:detail", args=[enterprise.ref]) + "#chain-mounts")


def correct_from_post(request: AuthedRequest, **subject: object) -> None:
    """Apply the posted correction to ``subject`` (``enterprise=`` or ``profile=``) and say
    what happened, or why not, in a message."""
    try:
        mount_correct(
            actor=request.user,
            node=request.POST.get("node", ""),
            action=request.POST.get("action", ""),
            note=request.POST.get("note", ""),
            **subject,  # type: ignore[arg-type]
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request, gettext("Correction saved: it holds whenever the mounting runs again.")
        )
