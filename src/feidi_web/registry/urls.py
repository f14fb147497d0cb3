from django.urls import path

from feidi_web.registry import views

app_name = "registry"
# Mounted at /enterprises/ after the registry's own URLs (imports, figure edits), so that
# "imports/" is never read as a credit code.
urlpatterns = [
    path("", views.enterprise_list, name="list"),
    path("<str:ref>/", views.enterprise_detail, name="detail"),
]
