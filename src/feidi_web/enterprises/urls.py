from django.urls import path

from feidi_web.enterprises import views

app_name = "enterprises"
urlpatterns = [
    path("imports/", views.import_list, name="imports"),
    path("imports/<int:import_id>/", views.import_detail, name="import_detail"),
    path("imports/<int:import_id>/commit/", views.import_commit_view, name="import_commit"),
    path("new/", views.party_new, name="party_new"),
    path("<str:ref>/credit-code/", views.party_credit_code, name="party_credit_code"),
    path("<str:ref>/years/<int:year>/", views.fiscal_year_edit, name="year_edit"),
]
