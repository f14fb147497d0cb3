from django.urls import path

from feidi_web.pool import views

app_name = "pool"
urlpatterns = [
    path("", views.pool, name="pool"),
]
