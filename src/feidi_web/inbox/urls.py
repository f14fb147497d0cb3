from django.urls import path

from feidi_web.inbox import views

app_name = "inbox"
urlpatterns = [
    path("", views.inbox, name="list"),
    path("read/", views.read, name="read"),
    path("badge/", views.badge, name="badge"),
]
