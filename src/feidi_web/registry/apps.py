from django.apps import AppConfig


class Config(AppConfig):
    """Registry pages: the enterprise list and the firm page, which show the registry's data
    with the latest evaluation results — above both the registry and the evaluations."""

    name = "feidi_web.registry"
    label = "registry"
