from django.apps import AppConfig


class Config(AppConfig):
    name = "feidi_web.enterprises"
    label = "enterprises"
