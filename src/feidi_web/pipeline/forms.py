from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from feidi.pipeline import LostReason, Source, Stage
from feidi_web.common.lang import core_lang
from feidi_web.pipeline.services import COUNTERPART_KINDS


def _choices(enum, members=None):
    lang = core_lang()
    return [(m.value, m.label(lang)) for m in (members or list(enum))]


class ProjectSearchForm(forms.Form):
    q = forms.CharField(label=_("Project or counterpart"), required=False, max_length=100)
    stage = forms.ChoiceField(label=_("Stage"), required=False)
    source = forms.ChoiceField(label=_("Source"), required=False)
    stale = forms.BooleanField(label=_("Only stale projects"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["stage"]).choices = [("", "—"), *_choices(Stage)]
        cast(forms.ChoiceField, self.fields["source"]).choices = [("", "—"), *_choices(Source)]


class ProjectForm(forms.Form):
    """Filing a project; the counterpart is named, and found in the registry or registered."""

    name = forms.CharField(label=_("Project"), max_length=200)
    counterpart_name = forms.CharField(
        label=_("Counterpart"),
        max_length=200,
        help_text=_("A company, team, lab or investor; one of the registry's is linked."),
    )
    counterpart_kind = forms.ChoiceField(label=_("Kind of counterpart"))
    counterpart_credit_code = forms.CharField(
        label=_("Its credit code, if it has one"), max_length=18, required=False
    )
    source = forms.ChoiceField(label=_("Source"))
    stage = forms.ChoiceField(label=_("Stage"))
    industry_code = forms.CharField(label=_("Industry code"), max_length=5, required=False)
    planned_investment = forms.DecimalField(
        label=_("Planned investment (10k CNY)"), required=False, min_value=0, max_digits=14
    )
    valuation = forms.DecimalField(
        label=_("Valuation (10k CNY)"), required=False, min_value=0, max_digits=14
    )
    description = forms.CharField(
        label=_("Description"), required=False, max_length=4000, widget=forms.Textarea({"rows": 3})
    )
    owner = forms.TypedChoiceField(label=_("Owner"), coerce=int)
    allow_duplicate = forms.BooleanField(label=_("File it anyway"), required=False)

    def __init__(self, *args, sources, owners, **kwargs):
        super().__init__(*args, **kwargs)
        lang = core_lang()
        cast(forms.ChoiceField, self.fields["counterpart_kind"]).choices = [
            (k.value, k.label(lang)) for k in COUNTERPART_KINDS
        ]
        cast(forms.ChoiceField, self.fields["source"]).choices = _choices(Source, sources)
        cast(forms.ChoiceField, self.fields["stage"]).choices = _choices(
            Stage, [Stage.LEAD, Stage.CONTACTED, Stage.NEGOTIATING, Stage.SIGNED]
        )
        cast(forms.ChoiceField, self.fields["owner"]).choices = [
            (u.pk, u.display_name) for u in owners
        ]


class ProjectEditForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    name = forms.CharField(label=_("Project"), max_length=200)
    source = forms.ChoiceField(label=_("Source"))
    industry_code = forms.CharField(label=_("Industry code"), max_length=5, required=False)
    planned_investment = forms.DecimalField(
        label=_("Planned investment (10k CNY)"), required=False, min_value=0, max_digits=14
    )
    valuation = forms.DecimalField(
        label=_("Valuation (10k CNY)"), required=False, min_value=0, max_digits=14
    )
    description = forms.CharField(
        label=_("Description"), required=False, max_length=4000, widget=forms.Textarea({"rows": 3})
    )
    owner = forms.TypedChoiceField(label=_("Owner"), coerce=int)

    def __init__(self, *args, sources, owners, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["source"]).choices = _choices(Source, sources)
        cast(forms.ChoiceField, self.fields["owner"]).choices = [
            (u.pk, u.display_name) for u in owners
        ]


class MoveForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    to = forms.ChoiceField(label=_("Move to"))
    lost_reason = forms.ChoiceField(label=_("Reason lost"), required=False)
    landed_credit_code = forms.CharField(
        label=_("Landed as (credit code)"), max_length=18, required=False
    )
    landed_firm_name = forms.CharField(
        label=_("Name of the new local firm"),
        max_length=200,
        required=False,
        help_text=_("Leave empty when the counterpart itself registers with this code."),
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args, current: Stage, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["to"]).choices = _choices(
            Stage, [s for s in Stage if s != current]
        )
        cast(forms.ChoiceField, self.fields["lost_reason"]).choices = [
            ("", "—"),
            *_choices(LostReason),
        ]


class FollowUpForm(forms.Form):
    title = forms.CharField(label=_("Task"), max_length=200)
    due_on = forms.DateField(label=_("Due"), widget=forms.DateInput({"type": "date"}))


class FunnelFilterForm(forms.Form):
    since = forms.DateField(
        label=_("Projects filed since"), required=False, widget=forms.DateInput({"type": "date"})
    )
    source = forms.ChoiceField(label=_("Source"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["source"]).choices = [("", "—"), *_choices(Source)]
