from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "dozor.api"
    label = "api"
    verbose_name = "API"
