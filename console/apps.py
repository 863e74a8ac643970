from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "console"
    verbose_name = "Operations console"

    def ready(self) -> None:
        from console.retention import console_clean_up
        from syncengine.extensions import register_retention

        register_retention("console_requests", console_clean_up)
