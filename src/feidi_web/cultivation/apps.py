from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "feidi_web.cultivation"
    label = "cultivation"
    verbose_name = _("Diagnosis and services")
