"""On PostgreSQL: no two active bookings of one resource overlap, kept by an exclusion
constraint; on SQLite this migration does nothing (``BookingSlot``'s unique key keeps it).

The constraint is Django's own ``ExclusionConstraint``, added through the schema editor —
but only when the connection is PostgreSQL, and deliberately *not* declared in
``Booking.Meta.constraints``: there it would enter the migration state, and SQLite would
have to render it whenever it rebuilds the table (any later ``AlterField``), and model
validation would run its ``&&`` query on SQLite. ``BtreeGistExtension`` is vendor-guarded by
Django itself (a no-op elsewhere).
"""

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeBoundary, RangeOperators
from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations
from django.db.models import Func, Q

NAME = "booking_no_overlap"


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


def no_overlap() -> ExclusionConstraint:
    return ExclusionConstraint(
        name=NAME,
        expressions=[
            ("resource", RangeOperators.EQUAL),
            (TsTzRange("start", "end", RangeBoundary()), RangeOperators.OVERLAPS),
        ],
        condition=Q(status__in=["requested", "confirmed"]),
    )


def add(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_constraint(apps.get_model("space", "Booking"), no_overlap())


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_constraint(apps.get_model("space", "Booking"), no_overlap())


class Migration(migrations.Migration):
    dependencies = [("space", "0001_initial")]

    operations = [
        BtreeGistExtension(),
        migrations.RunPython(add, remove),
    ]
