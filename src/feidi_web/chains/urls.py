from django.urls import path

from feidi_web.chains import views

app_name = "chains"
urlpatterns = [
    path("", views.chain_list, name="list"),
    path("export.xlsx", views.export, name="export"),
    path("firms/<str:ref>/correct/", views.firm_correct, name="firm_correct"),
    path("<slug:chain_id>/", views.chain_detail, name="detail"),
    path("<slug:chain_id>/<slug:node_id>/", views.chain_node, name="node"),
]
