from django.urls import path

from feidi_web.cultivation import views

app_name = "cultivation"
urlpatterns = [
    path("", views.diagnosis_list, name="list"),
    path("export.xlsx", views.diagnosis_export, name="export"),
    path("firms/<str:ref>/", views.firm_diagnosis, name="firm"),
    path("firms/<str:ref>/review/", views.firm_review, name="review"),
    path("firms/<str:ref>/refer/", views.firm_refer, name="refer"),
    path("cases/", views.case_list, name="cases"),
    path("cases/<int:case_id>/", views.case_detail, name="case"),
    path("cases/<int:case_id>/move/", views.case_move, name="case_move"),
    path("services/", views.service_list, name="services"),
    path("report.pdf", views.report_pdf, name="report_pdf"),
    path("report.xlsx", views.report_xlsx, name="report_xlsx"),
]
