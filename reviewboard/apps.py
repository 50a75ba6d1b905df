from django.apps import AppConfig


class ReviewboardConfig(AppConfig):
    name = "reviewboard"
    verbose_name = "Medical Advisory Board"
