from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "notify"
    verbose_name = "Notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from notify.services import notifications_clean_up, notify_session_ended
        from syncengine.extensions import register_retention, register_session_observer

        register_session_observer("notify", notify_session_ended)
        register_retention("notifications", notifications_clean_up)
