from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "feidi_web.common"
    label = "common"
    verbose_name = _("Audit trail")
