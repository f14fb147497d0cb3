from django.urls import path

from feidi_web.opportunities import views

app_name = "opportunities"
urlpatterns = [
    path("", views.opportunity_list, name="list"),
    path("export.xlsx", views.export, name="export"),
]
