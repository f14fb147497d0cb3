"""Forms of the space pages; the service checks what they leave out (grid, hours, scope)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from feidi_web.space.models import (
    MAX_CAPACITY,
    MAX_LONGEST_MINUTES,
    BookableBy,
    MembershipKind,
    Resource,
    ResourceKind,
    VisitPurpose,
)
from feidi_web.space.services import MAX_OCCURRENCES, RESOURCE_FIELDS

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


# --- operations ------------------------------------------------------------------------------

_WEEKDAYS = [
    ("1", _("Mon")),
    ("2", _("Tue")),
    ("3", _("Wed")),
    ("4", _("Thu")),
    ("5", _("Fri")),
    ("6", _("Sat")),
    ("7", _("Sun")),
]


def minute_of(hhmm: str) -> int:
    """ "09:30" → 570."""
    hours, minutes = (int(x) for x in hhmm.split(":"))
    return hours * 60 + minutes


def hhmm_of(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


class ResourceForm(forms.Form):
    """A resource's values; ``services.resource_problems`` checks them all again."""

    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=ResourceKind.choices)
    location = forms.CharField(label=_("Where"), max_length=100, required=False)
    capacity = forms.IntegerField(label=_("Capacity (people)"), min_value=1, max_value=MAX_CAPACITY)
    open_days = forms.MultipleChoiceField(
        label=_("Open on"), choices=_WEEKDAYS, widget=forms.CheckboxSelectMultiple
    )
    opens = forms.ChoiceField(label=_("Opens"), choices=_QUARTERS[:-1])
    closes = forms.ChoiceField(label=_("Closes"), choices=_QUARTERS[1:])
    bookable_by = forms.ChoiceField(label=_("Who may book"), choices=BookableBy.choices)
    longest_minutes = forms.IntegerField(
        label=_("Longest booking (minutes)"),
        min_value=15,
        max_value=MAX_LONGEST_MINUTES,
        help_text=_("A multiple of 15 minutes."),
    )
    needs_approval = forms.BooleanField(label=_("Each booking needs approval"), required=False)
    hourly_price = forms.DecimalField(
        label=_("Price per hour (yuan)"),
        min_value=0,
        max_digits=8,
        decimal_places=2,
        initial=0,
        help_text=_("0 is free of charge."),
    )
    active = forms.BooleanField(label=_("Bookable"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, admin: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if admin:
            self.fields["jurisdiction_code"] = forms.CharField(
                label=_("Division (six-digit code)"), max_length=6
            )

    @staticmethod
    def initial_of(resource: Resource) -> dict[str, Any]:
        return {
            **{f: getattr(resource, f) for f in RESOURCE_FIELDS if f not in ("open_days",)},
            "open_days": list(resource.open_days),
            "opens": hhmm_of(resource.opens_minute),
            "closes": hhmm_of(resource.closes_minute),
            "version": resource.version,
        }

    def values(self) -> dict[str, Any]:
        """The cleaned data as the service takes it."""
        data = self.cleaned_data
        return {
            **{f: data.get(f) for f in RESOURCE_FIELDS if f in data},
            "opens_minute": minute_of(data["opens"]),
            "closes_minute": minute_of(data["closes"]),
        }


#: RFC 5545 weekday names, by ISO weekday.
RRULE_DAYS = {"1": "MO", "2": "TU", "3": "WE", "4": "TH", "5": "FR", "6": "SA", "7": "SU"}
#: The most exception dates one series takes.
MAX_EXCEPTIONS = 60


class SeriesForm(forms.Form):
    """A recurring booking: daily, or weekly on chosen weekdays, from a first day, until a
    date or for a number of occurrences, without its exception dates."""

    first_day = forms.DateField(label=_("First day"), widget=forms.DateInput({"type": "date"}))
    start = forms.ChoiceField(label=_("From"), choices=_QUARTERS[:-1])
    end = forms.ChoiceField(label=_("Until"), choices=_QUARTERS[1:])
    frequency = forms.ChoiceField(
        label=_("Repeats"),
        choices=[("weekly", _("Weekly, on the days chosen")), ("daily", _("Every day"))],
        initial="weekly",
    )
    weekdays = forms.MultipleChoiceField(
        label=pgettext_lazy("weekdays", "On"),
        choices=_WEEKDAYS,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    until = forms.DateField(
        label=_("Last day"), required=False, widget=forms.DateInput({"type": "date"})
    )
    count = forms.IntegerField(
        label=_("Or: number of occurrences"),
        required=False,
        min_value=1,
        max_value=MAX_OCCURRENCES,
        help_text=_("Give a last day or a number of occurrences (at most 60)."),
    )
    exceptions = forms.CharField(
        label=_("Except on"),
        required=False,
        max_length=2000,
        widget=forms.Textarea({"rows": 2}),
        help_text=_("Dates to skip, such as 2026-10-01, separated by commas or lines."),
    )
    title = forms.CharField(label=_("What for"), max_length=200, required=False)

    def clean_exceptions(self) -> list[date]:
        text = self.cleaned_data.get("exceptions") or ""
        found: list[date] = []
        for token in re.split(r"[\s,;，；、]+", text.strip()):
            if not token:
                continue
            try:
                found.append(date.fromisoformat(token))
            except ValueError:
                raise forms.ValidationError(
                    _("“%(text)s” is not a date; write dates as 2026-10-01.") % {"text": token[:20]}
                ) from None
        if len(found) > MAX_EXCEPTIONS:
            raise forms.ValidationError(_("At most %(n)d exception dates.") % {"n": MAX_EXCEPTIONS})
        return found

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None
        until, count = data.get("until"), data.get("count")
        if (until is None) == (count is None) and not self.has_error("count"):
            self.add_error("until", _("Give either a last day or a number of occurrences."))
        first = data.get("first_day")
        if until is not None and first is not None and until < first:
            self.add_error("until", _("The last day comes on or after the first day."))
        if data.get("frequency") == "weekly" and not data.get("weekdays"):
            self.add_error("weekdays", _("Choose at least one day of the week."))
        start, end = data.get("start"), data.get("end")
        if start and end and minute_of(end) <= minute_of(start):
            self.add_error("end", _("The end must come after the start."))
        return data

    def rule(self) -> str:
        """The RFC 5545 RRULE of the cleaned form, e.g. ``FREQ=WEEKLY;BYDAY=MO,WE;COUNT=8``."""
        data = self.cleaned_data
        parts = [f"FREQ={'WEEKLY' if data['frequency'] == 'weekly' else 'DAILY'}"]
        if data["frequency"] == "weekly":
            parts.append("BYDAY=" + ",".join(RRULE_DAYS[d] for d in sorted(data["weekdays"])))
        if data.get("count"):
            parts.append(f"COUNT={data['count']}")
        else:
            parts.append(f"UNTIL={data['until']:%Y%m%d}T235959")
        return "RRULE:" + ";".join(parts)


class MembershipForm(forms.Form):
    party_name = forms.CharField(
        label=_("Resident firm"),
        max_length=200,
        help_text=_("The firm's name exactly as the registry has it."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=MembershipKind.choices)
    resource = forms.TypedChoiceField(
        label=_("Assigned desk or office"), coerce=int, required=False, empty_value=None
    )
    starts_on = forms.DateField(label=_("From"), widget=forms.DateInput({"type": "date"}))
    ends_on = forms.DateField(label=_("Until"), widget=forms.DateInput({"type": "date"}))
    monthly_fee = forms.DecimalField(
        label=_("Fee per month (yuan)"), min_value=0, max_digits=10, decimal_places=2, initial=0
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(
        self, *args: Any, resources: list[tuple[int, str]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["resource"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", _("— none —")), *(resources or [])]


class RenewForm(VersionForm):
    ends_on = forms.DateField(label=_("New term until"), widget=forms.DateInput({"type": "date"}))
    monthly_fee = forms.DecimalField(
        label=_("Fee per month (yuan)"),
        min_value=0,
        max_digits=10,
        decimal_places=2,
        required=False,
        help_text=_("Empty: the same fee as now."),
    )


class EndForm(VersionForm):
    action = forms.ChoiceField(choices=[("end", _("End early")), ("cancel", _("Cancel"))])


class VisitForm(forms.Form):
    visitor_name = forms.CharField(label=_("Visitor"), max_length=100)
    organisation = forms.CharField(
        label=_("Organisation"),
        max_length=200,
        required=False,
        help_text=_("A party of the registry by its name; an unknown name is kept in the note."),
    )
    host = forms.ChoiceField(label=_("Host"), required=False)
    purpose = forms.ChoiceField(label=_("Purpose"), choices=VisitPurpose.choices)
    arrived_at = forms.DateTimeField(
        label=_("Arrived"),
        required=False,
        widget=forms.DateTimeInput({"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Empty: now."),
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(
        self,
        *args: Any,
        hosts: list[tuple[str, str]] | None = None,
        admin: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["host"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("— none —")), *(hosts or [])]
        if admin:
            self.fields["jurisdiction_code"] = forms.CharField(
                label=_("Division (six-digit code)"), max_length=6
            )
