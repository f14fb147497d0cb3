"""The form renderer (``settings.FORM_RENDERER``): every widget a form renders gets Bootstrap's
class for its kind, so no form and no template has to remember it field by field.

``<select>`` → ``form-select``; text-like ``<input>`` and ``<textarea>`` → ``form-control``; a
checkbox → ``form-check-input``. A widget that already names its own Bootstrap class (the
portal's small ``form-select-sm`` fields, say) keeps it; hidden inputs get nothing. Widgets
of several parts (``MultiWidget``) get it part by part. Radio and checkbox lists are left as
they are: Bootstrap styles those with wrappers a class alone cannot give.
"""

from __future__ import annotations

from typing import Any

from django.forms.renderers import DjangoTemplates

#: input types drawn as a text box
_TEXT_INPUTS = frozenset(
    {
        "text",
        "number",
        "email",
        "url",
        "password",
        "search",
        "tel",
        "date",
        "datetime-local",
        "time",
        "month",
        "week",
        "file",
        "color",
    }
)


def bootstrap_class(widget: dict[str, Any]) -> str | None:
    """The Bootstrap class a widget's context (``Widget.get_context()["widget"]``) calls for."""
    template = str(widget.get("template_name", ""))
    name = template.rsplit("/", 1)[-1]
    if name == "select.html":
        return "form-select"
    if name == "textarea.html":
        return "form-control"
    kind = widget.get("type")
    if kind == "checkbox":
        return "form-check-input"
    if kind in _TEXT_INPUTS:
        return "form-control"
    return None


def with_bootstrap_class(widget: dict[str, Any]) -> None:
    """Add the widget's Bootstrap class to its attributes (and its parts'), unless it has one."""
    for part in widget.get("subwidgets") or ():
        with_bootstrap_class(part)
    wanted = bootstrap_class(widget)
    if wanted is None:
        return
    attrs = widget.setdefault("attrs", {})
    classes = str(attrs.get("class", "")).split()
    if any(c == wanted or c.startswith(f"{wanted}-") for c in classes):
        return
    if wanted == "form-select":  # a select styled as a text box looks broken: swap it
        classes = [c for c in classes if not c.startswith("form-control")]
    attrs["class"] = " ".join([wanted, *classes])


class FeidiFormRenderer(DjangoTemplates):
    """Django's template renderer, adding Bootstrap's classes to every widget it renders."""

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        widget = context.get("widget")
        if isinstance(widget, dict):
            context = {**context, "widget": {**widget, "attrs": dict(widget.get("attrs") or {})}}
            with_bootstrap_class(context["widget"])
        return super().render(template_name, context, request=request)
