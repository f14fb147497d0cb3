from django.urls import path

from feidi_web.matchmaking import views

app_name = "matchmaking"

urlpatterns = [
    path("", views.profile_list, name="list"),
    path("new/", views.profile_new, name="new"),
    path("<int:profile_id>/", views.profile_detail, name="detail"),
    path("<int:profile_id>/review/", views.profile_review, name="review"),
    path("<int:profile_id>/renew/", views.profile_renew, name="renew"),
    path("<int:profile_id>/recommend/", views.profile_recommend, name="recommend"),
    path("<int:profile_id>/chains/", views.profile_chain_correct, name="chain_correct"),
    path("<int:profile_id>/propose/", views.profile_propose, name="propose"),
    path("pairings/<int:match_id>/", views.pairing, name="pairing"),
    path("pairings/<int:match_id>/answer/", views.pairing_answer, name="answer"),
    path("pairings/<int:match_id>/date/", views.pairing_date, name="date"),
    path("pairings/<int:match_id>/pilot/", views.pairing_pilot, name="pilot"),
    path("pairings/<int:match_id>/land/", views.pairing_land, name="land"),
    path(
        "pairings/<int:match_id>/milestones/<int:milestone_id>/done/",
        views.milestone_done,
        name="milestone_done",
    ),
]
