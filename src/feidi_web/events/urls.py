from django.urls import path

from feidi_web.events import views

app_name = "events"

urlpatterns = [
    path("", views.event_list, name="list"),
    path("new/", views.event_new, name="new"),
    path("<int:event_id>/", views.event_detail, name="detail"),
    path("<int:event_id>/edit/", views.event_edit, name="edit"),
    path("<int:event_id>/status/", views.event_status, name="status"),
    path("<int:event_id>/register/", views.event_register, name="register"),
    path("<int:event_id>/schedule/", views.schedule_make, name="schedule"),
    path("<int:event_id>/reschedule/", views.schedule_remake, name="reschedule"),
    path("<int:event_id>/schedule/print/", views.schedule_print, name="print"),
    path("<int:event_id>/leads/", views.event_leads, name="leads"),
    path("registrations/<int:registration_id>/", views.registration_detail, name="registration"),
    path(
        "registrations/<int:registration_id>/cancel/",
        views.registration_cancel,
        name="registration_cancel",
    ),
    path(
        "registrations/<int:registration_id>/availability/",
        views.registration_availability,
        name="availability",
    ),
    path("registrations/<int:registration_id>/requests/", views.request_new, name="request_new"),
    path("requests/<int:request_id>/answer/", views.request_answer, name="request_answer"),
    path("requests/<int:request_id>/cancel/", views.request_cancel, name="request_cancel"),
    path("checkin/<str:token>/", views.checkin, name="checkin"),
]
