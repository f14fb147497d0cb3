from django.urls import path

from feidi_web.dashboards import views

app_name = "dashboards"
urlpatterns = [
    path("", views.cockpit, name="cockpit"),
    path("chains/", views.cockpit_chains, name="chains"),
]
