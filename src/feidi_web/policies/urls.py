from django.urls import path

from feidi_web.policies import views, views_benefits

app_name = "policies"
urlpatterns = [
    path("", views.policy_list, name="list"),
    path("firms/<str:credit_code>/", views.firm_page, name="firm"),
    path("local/", views.local_list, name="local"),
    path("local/new/", views.local_new, name="local_new"),
    path("local/<slug:slug>/", views.local_policy, name="local_policy"),
    path("local/<slug:slug>/new-version/", views.version_new, name="version_new"),
    path("local/<slug:slug>/v<int:number>/", views.version_detail, name="version"),
    path("local/<slug:slug>/v<int:number>/edit/", views.version_edit, name="version_edit"),
    path("local/<slug:slug>/v<int:number>/preview/", views.version_preview, name="version_preview"),
    path("local/<slug:slug>/v<int:number>/publish/", views.version_publish, name="version_publish"),
]

# Digests, 免申即享 lists and applications: add their paths here, above the catch-all.
urlpatterns += [
    path("digests/", views_benefits.digest_list, name="digests"),
    path("free/", views_benefits.free_list, name="free"),
    path("free/export.xlsx", views_benefits.free_export, name="free_export"),
    path("applications/", views_benefits.application_list, name="applications"),
    path("applications/export.xlsx", views_benefits.application_export, name="applications_export"),
    path(
        "applications/<int:application_id>/", views_benefits.application_detail, name="application"
    ),
    path(
        "applications/<int:application_id>/move/",
        views_benefits.application_move,
        name="application_move",
    ),
    path("firms/<str:credit_code>/apply/<slug:policy_id>/", views_benefits.apply, name="apply"),
]

# One policy by its id: LAST, it would catch any single-segment path above it.
urlpatterns += [
    path("<slug:policy_id>/", views.policy_detail, name="detail"),
    path("<slug:policy_id>/export.xlsx", views.policy_export, name="export"),
]
