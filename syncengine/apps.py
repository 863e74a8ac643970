from django.apps import AppConfig


class SyncEngineConfig(AppConfig):
    name = "syncengine"
    verbose_name = "Sync engine"
    default_auto_field = "django.db.models.BigAutoField"
