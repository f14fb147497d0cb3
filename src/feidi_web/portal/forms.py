"""The self-assessment form: the firm's stored figures, ready to change, one widget per kind.

Fields are built from ``feidi.schema.FIELDS`` and the chosen rulebook: every year field the
rules read, for the three fiscal years before the as-of date, and every firm field they read
(numbers, yes/no, categories, award ranks, honours). Each field starts from the value the core
sees today; :meth:`SelfAssessmentForm.changes` returns only what the user changed, keyed the
way ``feidi.rules.what_if`` takes it (``"rd_expense@2025"``, ``"iso9001"``).

Checks here are per field (a number, within the schema's bounds); the rules *between* fields
(R&D staff ≤ staff …) are the core's input checks, run by the service.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from feidi.rules import available_rulebooks
from feidi.schema import Field
from feidi_web.common.display import choice_text
from feidi_web.common.lang import core_lang, field_label
from feidi_web.enterprises.fields import registry_fields
from feidi_web.evaluations.ladder import current_ladder
from feidi_web.portal.selectors import (
    HONOR_PREFIX,
    Baseline,
    input_label,
    rule_inputs,
)

#: How many fiscal years the form shows: the rules look back three years at most.
N_YEARS = 3


def number_text(value: Any) -> str:
    """1200.0 → "1200", 78.82 → "78.82"; how a figure is written into an input."""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    return str(value)


def _strip_number(value: Any) -> Any:
    """Accept what people type: "1,200", "1 200", full-width "１２００"."""
    if isinstance(value, str):
        value = value.translate(_FULL_WIDTH).replace(",", "").replace(" ", "").strip()
    return value


_FULL_WIDTH = str.maketrans("０１２３４５６７８９．－，", "0123456789.-,")


class FigureInput(forms.TextInput):
    """A text box for a number: writes 1200, not 1200.0; no browser-side number checks,
    so every mistake gets the same message from the server."""

    def format_value(self, value: Any) -> str | None:
        if value is None or value == "":
            return None
        return number_text(value)


class FigureField(forms.FloatField):
    widget = FigureInput

    # float, as Django's FloatField returns (its stubs, too, override IntegerField's int here)
    def to_python(self, value: Any) -> float | None:  # type: ignore[override]
        return super().to_python(_strip_number(value))

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        # the limits are checked on the server; the browser gets a hint, not a block
        for key in ("min", "max", "step"):
            attrs.pop(key, None)
        attrs["inputmode"] = "decimal"
        return attrs


class CountField(forms.IntegerField):
    widget = FigureInput

    def to_python(self, value: Any) -> int | None:
        return super().to_python(_strip_number(value))

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        for key in ("min", "max", "step"):
            attrs.pop(key, None)
        attrs["inputmode"] = "numeric"
        return attrs


class YesNoSelect(forms.NullBooleanSelect):
    """Yes / no without "unknown": honours are held or not (empty means none)."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.choices = [("true", _("Yes")), ("false", _("No"))]


@dataclass(frozen=True)
class Slot:
    """One dynamic form field: which input it changes and how its value reaches the core."""

    name: str  # form field name
    key: str  # what_if change key
    kind: str  # schema kind, or "honor"
    label: str  # field label (with the year for year fields)


def _year_name(field: str, year: int) -> str:
    return f"{field}__{year}"


def _count_bound(bound: float | None) -> int | None:
    """A count field's bound as given: the schema types bounds as floats, but a count's are
    whole numbers (written as ints), which is what Django's stubs ask of ``IntegerField``."""
    return cast("int | None", bound)


def _firm_field(spec: Field, lang: str) -> forms.Field:
    """The widget for one firm field, by its schema kind."""
    label = field_label(spec.name)
    common: dict[str, Any] = {"label": label, "required": False}
    if spec.kind == "bool":
        return forms.NullBooleanField(**common)
    if spec.kind == "enum":
        choices = [("", _("unknown"))] + [(v, choice_text(spec, v)) for v in spec.values]
        return forms.ChoiceField(choices=choices, **common)
    if spec.name == "chuangke_rank":  # the only prize levels: top 50, top 500
        return forms.ChoiceField(
            choices=[("", _("none")), ("50", _("top 50")), ("500", _("top 500"))], **common
        )
    if spec.kind == "rank":
        f: forms.Field = CountField(min_value=1, help_text=_("empty = none"), **common)
        f.widget.attrs["placeholder"] = _("none")
        return f
    if spec.kind == "count":
        f = CountField(min_value=_count_bound(spec.min), max_value=_count_bound(spec.max), **common)
    else:
        f = FigureField(min_value=spec.min, max_value=spec.max, **common)
    f.widget.attrs["placeholder"] = _("unknown")
    return f


def _year_field(spec: Field, label: str) -> forms.Field:
    if spec.kind == "count":
        f: forms.Field = CountField(
            label=label,
            required=False,
            min_value=_count_bound(spec.min),
            max_value=_count_bound(spec.max),
        )
    else:
        f = FigureField(label=label, required=False, min_value=spec.min, max_value=spec.max)
    f.widget.attrs["placeholder"] = _("unknown")
    return f


def _initial(kind: str, value: Any, spec: Field | None) -> Any:
    """The core's value as the form shows it (unknown → None; "none" rank → None)."""
    if value is None:
        return None
    if kind == "honor":
        return bool(value)
    if kind == "bool":
        return bool(value)
    if kind == "enum":
        return value if spec is not None and value in spec.values else None
    if isinstance(value, float) and not math.isfinite(value):
        return None  # a rank of +∞: no award
    if kind == "rank" and spec is not None and spec.name == "chuangke_rank":
        return number_text(float(value))
    if kind in ("count", "rank"):
        return int(value)
    return float(value)


def _to_core(kind: str, value: Any) -> Any:
    """A cleaned form value as ``what_if`` takes it."""
    if kind in ("honor", "bool", "enum"):
        return value if value != "" else None
    if kind == "rank":
        return math.inf if value in (None, "") else float(value)
    return None if value is None else float(value)


class SelfAssessmentForm(forms.Form):
    rulebook = forms.ChoiceField(label=_("Rulebook"))
    as_of = forms.DateField(
        label=_("As of"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(
        self,
        data: Any = None,
        *,
        baseline: Baseline,
        today: date,
        compared_with: tuple[str, date] | None = None,
        **kwargs: Any,
    ) -> None:
        """``compared_with``: (rulebook, as-of) of the stored result the what-if is set
        beside; the form starts from those, so that the two answers differ only by the
        figures changed. Without one it starts from the default rulebook and today."""
        lang = core_lang()
        books = available_rulebooks()
        default_book = settings.FEIDI_DEFAULT_RULEBOOK
        if compared_with is not None and compared_with[0] in books:
            default_book, today = compared_with
        book_id = (data or {}).get("rulebook") or default_book
        if book_id not in books:
            book_id = default_book
        as_of = today
        if data and data.get("as_of"):
            with contextlib.suppress(ValidationError):  # the form reports it
                as_of = forms.DateField().to_python(data.get("as_of")) or today
        # the three fiscal years before the as-of date (上年度 and the two before it)
        self.years = list(range(as_of.year - N_YEARS, as_of.year))
        year_fields, firm_columns = rule_inputs(book_id)
        fields = registry_fields()

        initial: dict[str, Any] = {"rulebook": book_id, "as_of": today}
        self.slots: dict[str, Slot] = {}
        extra: dict[str, forms.Field] = {}
        self.year_rows: list[tuple[str, list[str]]] = []
        for name in year_fields:
            spec = fields[name]
            row = []
            for year in self.years:
                fname = _year_name(name, year)
                label = f"{field_label(name)} {year}"
                extra[fname] = _year_field(spec, label)
                value = baseline.years.get(year, {}).get(name)
                initial[fname] = _initial(spec.kind, value, spec)
                self.slots[fname] = Slot(fname, f"{name}@{year}", spec.kind, label)
                row.append(fname)
            self.year_rows.append((field_label(name), row))
        self.firm_names: list[str] = []
        for column in firm_columns:
            if column.startswith(HONOR_PREFIX):
                label = input_label(column)
                extra[column] = forms.NullBooleanField(
                    label=label, required=False, widget=YesNoSelect
                )
                initial[column] = bool(baseline.firm.get(column))
                self.slots[column] = Slot(column, column, "honor", label)
            else:
                spec = fields[column]
                extra[column] = _firm_field(spec, lang)
                initial[column] = _initial(spec.kind, baseline.firm.get(column), spec)
                self.slots[column] = Slot(column, column, spec.kind, field_label(column))
            self.firm_names.append(column)

        if data is not None:
            # A field left out of the post (a changed as-of brings other years; a client may
            # send only what it changes) keeps its stored value rather than becoming "unknown".
            data = data.copy()
            for name, field in extra.items():
                if name not in data:
                    shown = field.widget.format_value(initial[name])
                    if isinstance(shown, list):
                        shown = shown[0] if shown else ""
                    data[name] = "" if shown is None else shown
            for name in ("rulebook", "as_of"):
                if not data.get(name):
                    data[name] = initial[name].isoformat() if name == "as_of" else book_id
        super().__init__(data, initial=initial, **kwargs)
        self.fields.update(extra)
        cast(forms.ChoiceField, self.fields["rulebook"]).choices = [
            (b, current_ladder(b).rulebook_label) for b in books
        ]
        self._baseline_initial = initial
        for f in self.fields.values():
            select = isinstance(f.widget, forms.Select)
            f.widget.attrs["class"] = (
                "form-select form-select-sm" if select else "form-control form-control-sm"
            )

    def full_clean(self) -> None:
        super().full_clean()
        self._mark_invalid()

    def _mark_invalid(self) -> None:
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                if "is-invalid" not in attrs.get("class", ""):
                    attrs["class"] = attrs.get("class", "") + " is-invalid"
                attrs["aria-invalid"] = "true"

    # --- reading the form -----------------------------------------------------------------

    def changes(self) -> dict[str, Any]:
        """What the user changed, keyed for ``what_if`` (call after ``is_valid()``)."""
        out: dict[str, Any] = {}
        for name, slot in self.slots.items():
            if name not in self.cleaned_data:
                continue
            new = self.cleaned_data[name]
            old = self._baseline_initial.get(name)
            if slot.kind == "rank" and name == "chuangke_rank":
                new = new or None
            if _same(new, old):
                continue
            out[slot.key] = _to_core(slot.kind, new)
        return out

    def field_for_key(self, key: str) -> str | None:
        return next((s.name for s in self.slots.values() if s.key == key), None)

    def add_core_errors(self, exc: ValidationError) -> None:
        """Attach the service's errors (keyed by change key) to the fields they name."""
        if not hasattr(exc, "error_dict"):
            for message in exc.messages:
                self.add_error(None, message)
            return
        for key, errors in exc.error_dict.items():
            name = key if key in self.fields else self.field_for_key(key)
            for error in errors:
                for message in error.messages:
                    if name is None:
                        self.add_error(None, f"{key}: {message}")
                    else:
                        self.add_error(name, message)
        self._mark_invalid()

    def error_summary(self) -> list[tuple[str, str]]:
        """(field label, message) for every error, in form order, for the results panel."""
        out = [("", str(m)) for m in self.non_field_errors()]
        for name, field in self.fields.items():
            for message in self.errors.get(name, ()):
                out.append((str(field.label), str(message)))
        return out

    def year_table(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(label, [self[n] for n in names]) for label, names in self.year_rows]

    def firm_fields(self) -> list[forms.BoundField]:
        return [self[n] for n in self.firm_names]


def _same(new: Any, old: Any) -> bool:
    if new in (None, "") and old in (None, ""):
        return True
    if isinstance(new, int | float) and isinstance(old, int | float):
        if isinstance(new, bool) or isinstance(old, bool):
            return new is old
        return float(new) == float(old)
    return new == old
