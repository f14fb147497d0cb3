"""What every app's forms share."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError


def add_errors(form: Any, exc: ValidationError, rename: dict[str, str] | None = None) -> None:
    """Show a service's ``ValidationError`` on ``form``: each field's messages beside the
    field (a service's field name mapped by ``rename`` when the form names it otherwise),
    the rest above the form."""
    rename = rename or {}
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            name = rename.get(field, field)
            for m in errors:
                form.add_error(name if name in form.fields else None, m)
    else:
        for m in exc.messages:
            form.add_error(None, m)
