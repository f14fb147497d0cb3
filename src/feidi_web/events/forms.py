from typing import cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from feidi_web.common.lang import core_lang
from feidi_web.events.models import (
    MAX_CAPACITY,
    MAX_PRIORITY,
    MAX_SLOTS,
    MAX_TABLES,
    SLOT_MINUTES,
    EventKind,
    EventStatus,
    ParticipantRole,
)
from feidi_web.pipeline.services import COUNTERPART_KINDS

_WHEN = forms.DateTimeInput({"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def slot_choices(times) -> list[tuple[str, str]]:
    """Checkbox labels for meeting slots: "1 · 14:00–14:15"."""
    return [
        (
            str(t.number),
            f"{t.number} · {timezone.localtime(t.starts):%H:%M}–{timezone.localtime(t.ends):%H:%M}",
        )
        for t in times
    ]


class EventForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=EventKind.choices)
    place = forms.CharField(label=_("Place"), max_length=200)
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=_WHEN)
    capacity = forms.IntegerField(
        label=_("Capacity"),
        min_value=1,
        max_value=MAX_CAPACITY,
        help_text=_("Registrations beyond it go on the wait list."),
    )
    first_slot_at = forms.DateTimeField(label=_("First meeting slot at"), widget=_WHEN)
    slots = forms.IntegerField(label=_("Meeting slots"), min_value=1, max_value=MAX_SLOTS)
    slot_minutes = forms.IntegerField(
        label=_("Minutes per slot"), min_value=SLOT_MINUTES[0], max_value=SLOT_MINUTES[1]
    )
    tables = forms.IntegerField(label=_("Tables"), min_value=1, max_value=MAX_TABLES)


class EventEditForm(EventForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class StatusForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    status = forms.ChoiceField(label=_("Status"), choices=EventStatus.choices)


class RegistrationForm(forms.Form):
    """A registration; a broker names the party (one of the county's, named exactly, or a
    new one registered with it), an enterprise user registers a person of their own firm."""

    person = forms.CharField(label=_("Participant's name"), max_length=100)
    contact = forms.CharField(label=_("Phone or contact"), max_length=120)
    role = forms.ChoiceField(label=_("Comes as"), choices=ParticipantRole.choices)
    slots = forms.MultipleChoiceField(
        label=_("Meeting slots they can attend"),
        required=False,
        widget=forms.CheckboxSelectMultiple({"class": "form-check-input"}),
        help_text=_("None ticked: every slot."),
    )

    def __init__(self, *args, broker: bool, times, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.MultipleChoiceField, self.fields["slots"]).choices = slot_choices(times)
        if broker:
            lang = core_lang()
            self.fields["party_name"] = forms.CharField(
                label=_("Party"),
                max_length=200,
                help_text=_("A company, team, lab or investor; one of the registry's is linked."),
            )
            self.fields["party_kind"] = forms.ChoiceField(
                label=_("Kind of party, if new"),
                required=False,
                choices=[
                    ("", _("As it comes")),
                    *((k.value, k.label(lang)) for k in COUNTERPART_KINDS),
                ],
            )
            self.fields["party_credit_code"] = forms.CharField(
                label=_("Its credit code, if new and it has one"), max_length=18, required=False
            )
            self.order_fields(["party_name", "party_kind", "party_credit_code"])

    def chosen_slots(self) -> list[int] | None:
        chosen = self.cleaned_data.get("slots") or []
        return [int(s) for s in chosen] or None


class AvailabilityForm(forms.Form):
    slots = forms.MultipleChoiceField(
        label=_("Meeting slots they can attend"),
        required=False,
        widget=forms.CheckboxSelectMultiple({"class": "form-check-input"}),
    )

    def __init__(self, *args, times, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.MultipleChoiceField, self.fields["slots"]).choices = slot_choices(times)


class MeetingRequestForm(forms.Form):
    invitee = forms.TypedChoiceField(label=_("Meet"), coerce=int)
    priority = forms.TypedChoiceField(
        label=_("Priority"),
        coerce=int,
        initial=3,
        help_text=_("5: the reason to come; 1: good to have."),
        choices=[(n, str(n)) for n in range(MAX_PRIORITY, 0, -1)],
    )

    def __init__(self, *args, others, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["invitee"]).choices = others


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(choices=[("accept", _("Accept")), ("decline", _("Decline"))])
