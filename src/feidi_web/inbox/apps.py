from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "feidi_web.inbox"
    label = "inbox"
    verbose_name = _("Inbox")
