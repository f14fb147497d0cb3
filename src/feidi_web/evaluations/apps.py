from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "feidi_web.evaluations"
    label = "evaluations"
    verbose_name = _("Evaluations")
