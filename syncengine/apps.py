from django.apps import AppConfig


class SyncEngineConfig(AppConfig):
    name = "syncengine"
    verbose_name = "Sync engine"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from syncengine import checks, signals  # noqa: F401  (registers deploy checks and receivers)
