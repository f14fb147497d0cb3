"""Forms of the space pages; the service checks what they leave out (grid, hours, scope)."""

from django import forms
from django.utils.translation import gettext_lazy as _

_QUARTERS = [
    (f"{m // 60:02d}:{m % 60:02d}", f"{m // 60:02d}:{m % 60:02d}") for m in range(0, 1441, 15)
]


class BookingForm(forms.Form):
    day = forms.DateField(label=_("Day"), widget=forms.DateInput({"type": "date"}))
    start = forms.ChoiceField(label=_("From"), choices=_QUARTERS[:-1])
    end = forms.ChoiceField(label=_("Until"), choices=_QUARTERS[1:])
    title = forms.CharField(label=_("What for"), max_length=200, required=False)


class VersionForm(forms.Form):
    version = forms.IntegerField(min_value=1)


class DecideForm(VersionForm):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
