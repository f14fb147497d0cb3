from django.urls import path

from feidi_web.evaluations import views

app_name = "evaluations"
urlpatterns = [
    path("", views.run_list, name="list"),
    path("<int:run_id>/", views.run_detail, name="detail"),
    path("<int:run_id>/progress/", views.run_progress, name="progress"),
    path("<int:run_id>/cancel/", views.run_cancel, name="cancel"),
    path("<int:run_id>/retry/", views.run_retry, name="retry"),
]
