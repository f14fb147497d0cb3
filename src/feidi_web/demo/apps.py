from django.apps import AppConfig


class Config(AppConfig):
    """The demo city: loads it through the same services a user's spreadsheet goes through."""

    name = "feidi_web.demo"
    label = "demo"
