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
]
