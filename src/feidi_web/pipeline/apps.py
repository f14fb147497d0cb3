from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "feidi_web.pipeline"
    label = "pipeline"
    verbose_name = _("Investment projects")
