"""Forms of cultivation: filters, a staff review of a diagnosis, a referral, a case move."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from feidi_web.common.lang import pick
from feidi_web.cultivation.models import CASE_MOVES, TYPE_CHOICES, CaseStatus


def service_choices() -> list[tuple[str, str]]:
    from feidi.diagnosis import load_services

    return [(s.id, pick((s.name, s.name_en))) for s in load_services()]


def type_choices() -> list[tuple[str, str]]:
    from feidi.diagnosis import TYPES

    return [(t, pick(names)) for t, names in TYPES.items()]


def flag_choices() -> list[tuple[str, str]]:
    from feidi.diagnosis import FLAGS

    return [(f, pick(names)) for f, names in FLAGS.items()]


class DiagnosisFilterForm(forms.Form):
    q = forms.CharField(label=_("Firm"), required=False, max_length=100)
    type = forms.ChoiceField(label=_("Type"), required=False)
    flag = forms.ChoiceField(label=_("Red flag"), required=False)
    service = forms.ChoiceField(label=_("Recommended service"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        undecided = [("undecided", _("Undecided (inputs missing)"))]
        cast(forms.ChoiceField, self.fields["type"]).choices = [
            ("", "—"),
            *type_choices(),
            *undecided,
        ]
        cast(forms.ChoiceField, self.fields["flag"]).choices = [("", "—"), *flag_choices()]
        cast(forms.ChoiceField, self.fields["service"]).choices = [("", "—"), *service_choices()]


class ReviewForm(forms.Form):
    staff_type = forms.ChoiceField(label=_("Staff's type"), choices=TYPE_CHOICES)
    reason = forms.CharField(label=_("Why"), max_length=500, widget=forms.Textarea({"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["staff_type"]).choices = type_choices()


class ReferForm(forms.Form):
    service = forms.ChoiceField(label=_("Service"))
    provider = forms.CharField(label=_("Provider"), max_length=200, required=False)
    note = forms.CharField(
        label=_("Note"), max_length=1000, required=False, widget=forms.Textarea({"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["service"]).choices = service_choices()


class CaseFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)
    service = forms.ChoiceField(label=_("Service"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["status"]).choices = [
            ("", "—"),
            *CaseStatus.choices,
        ]
        cast(forms.ChoiceField, self.fields["service"]).choices = [("", "—"), *service_choices()]


class MoveForm(forms.Form):
    to = forms.ChoiceField(label=_("New status"))
    note = forms.CharField(
        label=_("Note (for done: the outcome in words)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea({"rows": 2}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, status: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["to"]).choices = [
            (s, CaseStatus(s).label) for s in CASE_MOVES[status]
        ]
