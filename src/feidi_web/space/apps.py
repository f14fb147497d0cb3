from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "feidi_web.space"
    label = "space"
    verbose_name = _("Enclave space")
