from django.urls import path

from feidi_web.chains import views

app_name = "chains"
urlpatterns = [
    path("firms/<str:ref>/correct/", views.firm_correct, name="firm_correct"),
]
