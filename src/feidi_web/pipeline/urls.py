from django.urls import path

from feidi_web.pipeline import views

app_name = "pipeline"

urlpatterns = [
    path("", views.project_list, name="list"),
    path("new/", views.project_new, name="new"),
    path("funnel/", views.funnel, name="funnel"),
    path("export.xlsx", views.export, name="export"),
    path("<int:project_id>/", views.project_detail, name="detail"),
    path("<int:project_id>/move/", views.project_move, name="move"),
    path("<int:project_id>/edit/", views.project_edit, name="edit"),
    path("<int:project_id>/follow-ups/", views.follow_up_add, name="follow_up_add"),
    path(
        "<int:project_id>/follow-ups/<int:task_id>/done/",
        views.follow_up_done,
        name="follow_up_done",
    ),
]
