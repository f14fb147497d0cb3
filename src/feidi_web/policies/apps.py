from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "feidi_web.policies"
    label = "policies"
    verbose_name = _("Policy channel")
