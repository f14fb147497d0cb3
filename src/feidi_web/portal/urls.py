from django.urls import path

from feidi_web.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
]
