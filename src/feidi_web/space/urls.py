from django.urls import path

from feidi_web.space import views

app_name = "space"
urlpatterns = [
    path("", views.space_list, name="list"),
    path("resources/<int:resource_id>/book/", views.resource_book, name="book"),
    path("bookings/", views.booking_list, name="bookings"),
    path("bookings/<int:booking_id>/cancel/", views.booking_cancel, name="cancel"),
    path("approvals/", views.approval_list, name="approvals"),
    path("bookings/<int:booking_id>/decide/", views.booking_decide, name="decide"),
    # operations: resources edited, recurring bookings, front desk, members, visitors
    path("resources/new/", views.resource_new, name="resource_new"),
    path("resources/<int:resource_id>/edit/", views.resource_edit, name="resource_edit"),
    path("resources/<int:resource_id>/repeat/", views.resource_book_series, name="book_series"),
    path("today/", views.front_desk, name="today"),
    path("bookings/<int:booking_id>/check-in/", views.booking_check_in, name="check_in"),
    path("bookings/<int:booking_id>/lead/", views.booking_lead, name="booking_lead"),
    path("members/", views.member_list, name="members"),
    path("members/new/", views.member_new, name="member_new"),
    path("members/<int:membership_id>/renew/", views.member_renew, name="member_renew"),
    path("members/<int:membership_id>/end/", views.member_end, name="member_end"),
    path("visitors/", views.visitor_list, name="visitors"),
    path("visitors/<int:visit_id>/left/", views.visit_left, name="visit_left"),
    path("visitors/<int:visit_id>/lead/", views.visit_lead, name="visit_lead"),
    # calendar feeds (the key in the address stands for its owner) and utilisation
    path("calendar/", views.calendar_keys, name="calendar"),
    path("feed/<str:key>/mine.ics", views.feed_mine, name="feed_mine"),
    path(
        "feed/<str:key>/resources/<int:resource_id>.ics", views.feed_resource, name="feed_resource"
    ),
    path("usage/", views.usage_page, name="usage"),
    path("usage.xlsx", views.usage_xlsx, name="usage_xlsx"),
    path("usage.pdf", views.usage_pdf, name="usage_pdf"),
]
