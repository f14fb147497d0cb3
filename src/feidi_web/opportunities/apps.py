from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "feidi_web.opportunities"
    label = "opportunities"
    verbose_name = _("Industry opportunities")
