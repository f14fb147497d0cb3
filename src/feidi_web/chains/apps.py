from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "feidi_web.chains"
    label = "chains"
    verbose_name = _("Industry chains")
