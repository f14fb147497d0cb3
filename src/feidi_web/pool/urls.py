from django.urls import path

from feidi_web.pool import views

app_name = "pool"
urlpatterns = [
    path("", views.pool, name="pool"),
    path("export.xlsx", views.pool_export_xlsx, name="export_xlsx"),
    path("export.pdf", views.pool_export_pdf, name="export_pdf"),
]
