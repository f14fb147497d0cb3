from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "feidi_web.matchmaking"
    label = "matchmaking"
    verbose_name = _("Matchmaking")
