"""The enclave's space over HTTP: resources of the caller's scope, their bookings, booking
and cancelling. A booking whose time is taken is answered 409 with the reason; the
database decides (see ``space.models``), so of many requests for one slot exactly one wins."""

from datetime import datetime
from decimal import Decimal

from ninja import Field, Router, Schema, Status

from feidi_web.api.schemas import errors
from feidi_web.common.audit import VIA_API
from feidi_web.enterprises.permissions import enterprise_get_for_user
from feidi_web.space.models import Booking
from feidi_web.space.permissions import (
    booking_get_for_user,
    require_space_user,
    resource_get_for_user,
    resources_for_user,
)
from feidi_web.space.selectors import my_bookings
from feidi_web.space.services import BookingTaken, booking_cancel, booking_create

router = Router(tags=["space"])


class ResourceOut(Schema):
    id: int
    name: str
    kind: str = Field(description="open_desk, quick_office, meeting_room, exhibition_hall, …")
    kind_label: str = Field(description="The kind in the caller's language.")
    location: str
    capacity: int
    open_days: str = Field(description="ISO weekdays it is open, 1 = Monday: e.g. 12345.")
    opens: str = Field(description="Daily opening, HH:MM.")
    closes: str = Field(description="Daily closing, HH:MM (24:00: midnight).")
    longest_minutes: int
    needs_approval: bool
    hourly_price: Decimal = Field(description="Yuan per hour; 0 is free.")
    active: bool

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_opens(obj) -> str:
        return f"{obj.opens_minute // 60:02d}:{obj.opens_minute % 60:02d}"

    @staticmethod
    def resolve_closes(obj) -> str:
        return f"{obj.closes_minute // 60:02d}:{obj.closes_minute % 60:02d}"


class BookingIn(Schema):
    resource: int
    start: datetime = Field(description="ISO date-time with its offset, on the quarter hour.")
    end: datetime
    title: str = Field("", max_length=200)
    party: str | None = Field(
        None, description="Who it is for: a credit code or p<id> (firm users: their own firm)."
    )


class BookingOut(Schema):
    id: int
    resource: int = Field(validation_alias="resource_id")
    start: datetime
    end: datetime
    status: str = Field(description="requested (awaiting approval), confirmed, cancelled, rejected")
    title: str
    party: int | None = Field(validation_alias="party_id")
    price: Decimal
    version: int


class TakenOut(Schema):
    detail: str = Field(description="By what the time is taken, and when.")


@router.get("/resources", response={200: list[ResourceOut], **errors(403)}, summary="Resources")
def resource_list(request):
    """The centre's resources the caller may see (firm users: those their firm may book)."""
    user = request.auth
    require_space_user(user)
    return resources_for_user(user)


@router.get("/bookings", response={200: list[BookingOut], **errors(403)}, summary="Bookings")
def booking_list(request):
    """The caller's own and their firm's bookings (staff: also the division's coming ones)."""
    user = request.auth
    require_space_user(user)
    return my_bookings(user)[:500]


@router.post(
    "/bookings",
    response={201: BookingOut, 409: TakenOut, **errors(403, 404)},
    summary="Book a resource",
)
def booking_post(request, body: BookingIn):
    """Books ``resource`` from ``start`` to ``end``: 201 with the booking (``requested`` when
    the resource needs approval), 409 when the time overlaps an active booking, 422 with the
    reasons when a value is refused."""
    user = request.auth
    resource = resource_get_for_user(user, body.resource)
    party = enterprise_get_for_user(user, body.party) if body.party else None
    try:
        booking = booking_create(
            actor=user,
            resource=resource,
            start=body.start,
            end=body.end,
            title=body.title,
            party=party,
            via=VIA_API,
        )
    except BookingTaken as taken:
        return Status(409, {"detail": taken.reason})
    return Status(201, booking)


@router.post(
    "/bookings/{booking_id}/cancel",
    response={200: BookingOut, **errors(403, 404)},
    summary="Cancel a booking",
)
def booking_cancel_post(request, booking_id: int) -> Booking:
    user = request.auth
    booking = booking_get_for_user(user, booking_id)
    return booking_cancel(actor=user, booking=booking, via=VIA_API)
