from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from feidi.match import DeclineReason
from feidi.match import Stage as MaturityStage
from feidi_web.common.lang import core_lang
from feidi_web.matchmaking.models import ProfileStatus, ProfileType, Side, Visibility
from feidi_web.pipeline.services import COUNTERPART_KINDS


class ProfileSearchForm(forms.Form):
    q = forms.CharField(label=_("Title or party"), required=False, max_length=100)
    side = forms.ChoiceField(label=_("Side"), required=False, choices=[("", "—"), *Side.choices])
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", "—"), *ProfileStatus.choices]
    )


class ProfileForm(forms.Form):
    type = forms.ChoiceField(label=_("Type"), choices=ProfileType.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), max_length=4000, widget=forms.Textarea({"rows": 5})
    )
    keywords = forms.CharField(
        label=_("Keywords"),
        max_length=300,
        required=False,
        help_text=_("Separated by ; or 、"),
    )
    industry_code = forms.CharField(label=_("Industry code"), max_length=5, required=False)
    stage = forms.ChoiceField(label=_("Maturity"), required=False)
    contact = forms.CharField(label=_("Contact"), max_length=120, required=False)
    visibility = forms.ChoiceField(label=_("Who may see it"), choices=Visibility.choices)

    def __init__(self, *args, broker: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        lang = core_lang()
        cast(forms.ChoiceField, self.fields["stage"]).choices = [
            ("", "—"),
            *((s.value, s.label(lang)) for s in MaturityStage),
        ]
        if broker:
            # a broker posts for a party: one of the registry's (named exactly) or a new one
            self.fields["party_name"] = forms.CharField(label=_("Party"), max_length=200)
            self.fields["party_kind"] = forms.ChoiceField(
                label=_("Kind of party"),
                choices=[(k.value, k.label(lang)) for k in COUNTERPART_KINDS],
            )
            self.order_fields(["party_name", "party_kind"])


class ReviewForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    decision = forms.ChoiceField(choices=[("approve", _("Accept")), ("reject", _("Do not accept"))])
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class AnswerForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    side = forms.ChoiceField(choices=Side.choices, widget=forms.HiddenInput)
    interested = forms.ChoiceField(
        label=_("Interested?"), choices=[("yes", _("Interested")), ("no", _("Not interested"))]
    )
    reason = forms.ChoiceField(label=_("If not, why"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        lang = core_lang()
        cast(forms.ChoiceField, self.fields["reason"]).choices = [
            ("", "—"),
            *((r.value, r.label(lang)) for r in DeclineReason),
        ]


class DateForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    at = forms.DateTimeField(
        label=_("When"), widget=forms.DateTimeInput({"type": "datetime-local"})
    )
    place = forms.CharField(label=_("Where"), max_length=200)


class PilotForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    milestones = forms.CharField(
        label=_("Milestones"),
        widget=forms.Textarea({"rows": 4}),
        max_length=4000,
        help_text=_("One per line: the date, then what is due (2027-01-15 prototype test)."),
    )

    def clean_milestones(self):
        from datetime import date

        out = []
        for n, line in enumerate(self.cleaned_data["milestones"].splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            when, _sep, title = line.partition(" ")
            try:
                due = date.fromisoformat(when)
            except ValueError:
                raise forms.ValidationError(
                    _("Line %(n)d: start with a date such as 2027-01-15.") % {"n": n}
                ) from None
            if not title.strip():
                raise forms.ValidationError(_("Line %(n)d: say what is due.") % {"n": n})
            out.append((title.strip(), due))
        if not out:
            raise forms.ValidationError(_("Name at least one milestone with its date."))
        return out


class LandForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    landed_credit_code = forms.CharField(
        label=_("Landed as (credit code)"), max_length=18, required=False
    )
    landed_firm_name = forms.CharField(
        label=_("Name of the new local firm"), max_length=200, required=False
    )
