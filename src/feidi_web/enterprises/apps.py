from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "feidi_web.enterprises"
    label = "enterprises"
    verbose_name = _("Enterprise registry")
