"""On PostgreSQL: no two active bookings of one resource overlap, kept by an exclusion
constraint; on SQLite this migration does nothing (``BookingSlot``'s unique key keeps it).

The constraint is Django's own ``ExclusionConstraint``, added through the schema editor —
but only when the connection is PostgreSQL, and deliberately *not* declared in
``Booking.Meta.constraints``: there it would enter the migration state, and SQLite would
have to render it whenever it rebuilds the table (any later ``AlterField``), and model
validation would run its ``&&`` query on SQLite. The btree_gist extension (for ``=`` on the
resource inside a GiST index) is created here too, under the same guard: Django's
``BtreeGistExtension`` operation is a no-op elsewhere going forwards, but going backwards it
queries ``pg_extension`` on any database, so unapplying on SQLite failed. Unapplying leaves
the extension in place (other objects may use it).
"""

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeBoundary, RangeOperators
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
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        schema_editor.add_constraint(apps.get_model("space", "Booking"), no_overlap())


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_constraint(apps.get_model("space", "Booking"), no_overlap())


class Migration(migrations.Migration):
    dependencies = [("space", "0001_initial")]

    operations = [migrations.RunPython(add, remove)]
