from django.apps import AppConfig


class Config(AppConfig):
    name = "feidi_web.accounts"
    label = "accounts"

    def ready(self) -> None:
        from feidi_web.accounts import signals  # noqa: F401  (connects the log-in signals)
