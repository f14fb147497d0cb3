"""Forms of the policy channel: the day the verdicts are read on, a firm filter, and the
local-policy editor — texts, dates, region, benefit, amount and up to ``ROWS`` condition rows
(a measure of the catalogue or a registry field, an operator, a value) combined with all /
any. A plain form: empty rows are ignored, no script is needed. ``spec()`` makes the dict
:func:`feidi.policy.policy_problems` checks."""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from feidi.policy import CLAIMS, VERDICTS, catalogue_measures
from feidi.schema import FIELDS
from feidi_web.common.lang import pick

#: How many condition rows the editor offers.
ROWS = 8
TEXT_MAX = 500
_NUMERIC = ("money", "count", "number", "rank")
_YES = {"yes", "true", "1", "是", "y"}
_NO = {"no", "false", "0", "否", "n"}
OPS = (
    ("at_least", gettext_lazy("at least (≥)")),
    ("at_most", gettext_lazy("at most (≤)")),
    ("greater_than", gettext_lazy("more than (>)")),
    ("less_than", gettext_lazy("less than (<)")),
    ("is", gettext_lazy("is (yes / no)")),
    ("in", gettext_lazy("is one of")),
)


class AsOfForm(forms.Form):
    as_of = forms.DateField(
        label=gettext_lazy("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean_as_of(self) -> date | None:
        day = self.cleaned_data.get("as_of")
        if day is not None and not (date(2000, 1, 1) <= day <= date(2100, 12, 31)):
            raise forms.ValidationError(_("Give a date between 2000 and 2100."))
        return day


class VerdictFilterForm(AsOfForm):
    verdict = forms.ChoiceField(label=gettext_lazy("Verdict"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        verdict = self.fields["verdict"]
        assert isinstance(verdict, forms.ChoiceField)
        verdict.choices = [("", _("All")), *((v, pick(t)) for v, t in VERDICTS.items())]


def _fields() -> list[Any]:
    return [
        f
        for f in FIELDS
        if f.scope in ("year", "firm") and (f.kind in _NUMERIC or f.kind == "bool")
    ]


def field_names(f: Any) -> tuple[str, str]:
    """A registry field as a condition names it (a year field is read at last year)."""
    if f.scope == "year":
        return f"上年度{f.zh}", f"{f.en}, last year"
    return f.zh, f.en


def target_choices() -> list[Any]:
    measures = sorted(
        (
            (f"measure:{k}", pick((str(v.get("name")), str(v.get("name_en")))))
            for k, v in catalogue_measures().items()
        ),
        key=lambda c: c[1],
    )
    fields = [(f"field:{f.name}", pick(field_names(f))) for f in _fields()]
    return [
        ("", "—"),
        (_("Measures of the ladder"), measures),
        (_("Registry fields"), fields),
    ]


def _target_names(target: str) -> tuple[str, str]:
    kind, _sep, name = target.partition(":")
    if kind == "measure":
        spec = catalogue_measures().get(name) or {}
        return str(spec.get("name") or name), str(spec.get("name_en") or name)
    for f in _fields():
        if f.name == name:
            return field_names(f)
    return name, name


def _order_labels(target: str) -> dict[str, str]:
    """A category measure's values by their key and by their labels (either may be typed)."""
    kind, _sep, name = target.partition(":")
    spec = catalogue_measures().get(name) if kind == "measure" else None
    if not spec or not spec.get("order"):
        return {}
    field_name = str(spec.get("ordinal") or name)
    f = next((f for f in FIELDS if f.name == field_name), None)
    out = {}
    for key in spec["order"]:
        out[str(key)] = str(key)
        if f is not None:
            for lang in ("zh", "en"):
                out[f.value_label(str(key), lang).lower()] = str(key)
    return out


class LocalPolicyForm(forms.Form):
    slug = forms.SlugField(
        label=gettext_lazy("Policy id"),
        max_length=63,
        help_text=gettext_lazy("Lower-case letters, digits and hyphens; it cannot change later."),
    )
    name = forms.CharField(label=gettext_lazy("Name (Chinese)"), max_length=200)
    name_en = forms.CharField(label=gettext_lazy("Name (English)"), max_length=200)
    document = forms.CharField(label=gettext_lazy("Document"), max_length=200)
    article = forms.CharField(label=gettext_lazy("Article (Chinese)"), max_length=200)
    article_en = forms.CharField(label=gettext_lazy("Article (English)"), max_length=200)
    issuer = forms.CharField(label=gettext_lazy("Issuer"), max_length=200)
    effective_from = forms.DateField(
        label=gettext_lazy("In force from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    effective_to = forms.DateField(
        label=gettext_lazy("In force until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    region = forms.RegexField(
        label=gettext_lazy("Region (division code prefix)"),
        regex=r"^\d{2,6}$",
        required=False,
        error_messages={"invalid": gettext_lazy("Give 2 to 6 digits of a division code.")},
        help_text=gettext_lazy("Empty: the whole authoring division."),
    )
    benefit_zh = forms.CharField(
        label=gettext_lazy("Benefit (Chinese)"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    benefit_en = forms.CharField(
        label=gettext_lazy("Benefit (English)"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    amount_kind = forms.ChoiceField(
        label=gettext_lazy("Amount"),
        choices=[
            ("none", gettext_lazy("Not priced")),
            ("fixed", gettext_lazy("A fixed amount (10k CNY)")),
            ("field", gettext_lazy("A multiple of a figure of last year")),
        ],
        initial="none",
    )
    amount_fixed = forms.FloatField(
        label=gettext_lazy("Fixed amount (10k CNY)"), required=False, min_value=0
    )
    amount_field = forms.ChoiceField(label=gettext_lazy("Figure"), required=False)
    amount_times = forms.FloatField(label=gettext_lazy("Times"), required=False, min_value=0)
    amount_zh = forms.CharField(
        label=gettext_lazy("What the amount is (Chinese)"), max_length=200, required=False
    )
    amount_en = forms.CharField(
        label=gettext_lazy("What the amount is (English)"), max_length=200, required=False
    )
    claim = forms.ChoiceField(label=gettext_lazy("How firms get it"), initial="apply")
    combine = forms.ChoiceField(
        label=gettext_lazy("The firm must meet"),
        choices=[
            ("all", gettext_lazy("all of the conditions")),
            ("any", gettext_lazy("any one of the conditions")),
        ],
        initial="all",
    )

    def __init__(self, *args: Any, fixed_slug: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fixed_slug = fixed_slug
        if fixed_slug is not None:
            del self.fields["slug"]
        claim = self.fields["claim"]
        assert isinstance(claim, forms.ChoiceField)
        claim.choices = [(k, pick(v)) for k, v in CLAIMS.items()]
        money = self.fields["amount_field"]
        assert isinstance(money, forms.ChoiceField)
        money.choices = [("", "—")] + [
            (f.name, pick((f.zh, f.en)))
            for f in _fields()
            if f.kind == "money" and f.scope == "year"
        ]
        targets = target_choices()
        for i in range(ROWS):
            self.fields[f"cond_{i}_target"] = forms.ChoiceField(
                label=_("Condition %(n)d") % {"n": i + 1}, choices=targets, required=False
            )
            self.fields[f"cond_{i}_op"] = forms.ChoiceField(
                label=_("Operator"), choices=[("", "—"), *OPS], required=False
            )
            self.fields[f"cond_{i}_value"] = forms.CharField(
                label=_("Value"), max_length=100, required=False
            )
        #: spec leaf index → form row, filled by ``clean``
        self.used_rows: list[int] = []

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "n": i + 1,
                "target": self[f"cond_{i}_target"],
                "op": self[f"cond_{i}_op"],
                "value": self[f"cond_{i}_value"],
                "errors": [
                    *self.errors.get(f"cond_{i}_target", []),
                    *self.errors.get(f"cond_{i}_op", []),
                    *self.errors.get(f"cond_{i}_value", []),
                ],
            }
            for i in range(ROWS)
        ]

    def clean(self) -> dict[str, Any]:
        d = super().clean() or {}
        self.used_rows = []
        self.leaves: list[dict[str, Any]] = []
        for i in range(ROWS):
            target, op = d.get(f"cond_{i}_target") or "", d.get(f"cond_{i}_op") or ""
            raw = (d.get(f"cond_{i}_value") or "").strip()
            if not target and not op and not raw:
                continue
            if not target:
                self.add_error(f"cond_{i}_target", _("Choose what the condition reads."))
                continue
            if not op:
                self.add_error(f"cond_{i}_op", _("Choose an operator."))
                continue
            value = self._value(i, target, op, raw)
            if value is None:
                continue
            kind, _sep, name = target.partition(":")
            zh, en = _target_names(target)
            self.used_rows.append(i)
            self.leaves.append({"name": zh, "name_en": en, kind: name, op: value})
        if not self.leaves and not any(f"cond_{i}_target" in self.errors for i in range(ROWS)):
            self.add_error(None, _("Give at least one condition."))
        kind = d.get("amount_kind")
        if kind == "fixed" and d.get("amount_fixed") is None:
            self.add_error("amount_fixed", _("Give the fixed amount."))
        if kind == "field" and not d.get("amount_field"):
            self.add_error("amount_field", _("Choose the figure the amount is a multiple of."))
        if kind in ("fixed", "field"):
            for key in ("amount_zh", "amount_en"):
                if not (d.get(key) or "").strip():
                    self.add_error(key, _("Say what the amount is, in both languages."))
        start, end = d.get("effective_from"), d.get("effective_to")
        if start and end and end < start:
            self.add_error("effective_to", _("The end date is before the start date."))
        return d

    def _value(self, i: int, target: str, op: str, raw: str) -> Any:
        key = f"cond_{i}_value"
        if not raw:
            self.add_error(key, _("Give a value."))
            return None
        if op == "is":
            low = raw.lower()
            if low in _YES:
                return True
            if low in _NO:
                return False
            self.add_error(key, _("Write yes or no."))
            return None
        if op == "in":
            labels = _order_labels(target)
            parts = [p.strip() for p in re.split(r"[,，、]", raw) if p.strip()]
            if not labels:
                self.add_error(key, _("“is one of” is only for a measure with categories."))
                return None
            unknown = [p for p in parts if p.lower() not in labels and p not in labels]
            if unknown:
                self.add_error(
                    key, _("Not a category of this measure: %(v)s") % {"v": "、".join(unknown)}
                )
                return None
            return [labels.get(p, labels.get(p.lower())) for p in parts]
        try:
            number = float(raw.replace(",", ""))
        except ValueError:
            self.add_error(key, _("Give a number."))
            return None
        if not math.isfinite(number):
            self.add_error(key, _("Give a number."))
            return None
        return int(number) if number.is_integer() else number

    def spec(self) -> dict[str, Any]:
        """The authored policy as :func:`feidi.policy.load_policy_spec` reads it."""
        d = self.cleaned_data
        group = d.get("combine") or "all"
        spec: dict[str, Any] = {
            "id": self.fixed_slug if self.fixed_slug is not None else d.get("slug"),
            "name": d["name"].strip(),
            "name_en": d["name_en"].strip(),
            "document": d["document"].strip(),
            "article": d["article"].strip(),
            "article_en": d["article_en"].strip(),
            "issuer": d["issuer"].strip(),
            "effective_from": d["effective_from"].isoformat(),
            "effective_to": d["effective_to"].isoformat() if d.get("effective_to") else None,
            "region": d.get("region") or None,
            "benefit": {"zh": d["benefit_zh"].strip(), "en": d["benefit_en"].strip()},
            "claim": d.get("claim") or "apply",
            "requires": {
                "name": "同时满足以下各项" if group == "all" else "满足以下任一项",
                "name_en": "All of the following" if group == "all" else "Any one of the following",
                group: self.leaves,
            },
        }
        kind = d.get("amount_kind")
        if kind == "fixed":
            spec["amount"] = {
                "fixed": d["amount_fixed"],
                "zh": d["amount_zh"],
                "en": d["amount_en"],
            }
        elif kind == "field":
            spec["amount"] = {
                "field": d["amount_field"],
                "times": d.get("amount_times") if d.get("amount_times") is not None else 1.0,
                "zh": d["amount_zh"],
                "en": d["amount_en"],
            }
        return spec


def initial_of(spec: dict[str, Any]) -> dict[str, Any]:
    """The editor's fields for a stored spec (to edit a draft or start the next version)."""
    benefit = spec.get("benefit") or {}
    amount = spec.get("amount") or None
    requires = spec.get("requires") or {}
    group = "any" if "any" in requires else "all"
    out: dict[str, Any] = {
        "slug": spec.get("id", ""),
        **{
            k: spec.get(k) or ""
            for k in ("name", "name_en", "document", "article", "article_en", "issuer")
        },
        "effective_from": spec.get("effective_from"),
        "effective_to": spec.get("effective_to"),
        "region": spec.get("region") or "",
        "benefit_zh": benefit.get("zh", ""),
        "benefit_en": benefit.get("en", ""),
        "combine": group,
        "claim": spec.get("claim") or "apply",
        "amount_kind": "none",
    }
    if amount:
        out |= {
            "amount_kind": "fixed" if amount.get("fixed") is not None else "field",
            "amount_fixed": amount.get("fixed"),
            "amount_field": amount.get("field") or "",
            "amount_times": amount.get("times"),
            "amount_zh": amount.get("zh", ""),
            "amount_en": amount.get("en", ""),
        }
    for i, leaf in enumerate((requires.get(group) or [])[:ROWS]):
        if not isinstance(leaf, dict):
            continue
        kind = "measure" if "measure" in leaf else "field"
        out[f"cond_{i}_target"] = f"{kind}:{leaf.get(kind)}"
        for op, _label in OPS:
            if op in leaf:
                out[f"cond_{i}_op"] = op
                v = leaf[op]
                out[f"cond_{i}_value"] = (
                    ("yes" if v else "no") if op == "is" else "、".join(v) if op == "in" else v
                )
    return out
