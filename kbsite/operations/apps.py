from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "kbsite.operations"
    label = "operations"
    verbose_name = "Operations"
