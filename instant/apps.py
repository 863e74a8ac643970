from django.apps import AppConfig


class InstantConfig(AppConfig):
    """Instant sync: provider change notifications queue a session within seconds."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "instant"
    verbose_name = "Instant sync"

    def ready(self) -> None:
        from instant import signals  # noqa: F401 - connects the post-session hook
