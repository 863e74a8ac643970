from django.apps import AppConfig


class EmailsConfig(AppConfig):
    name = "emails"
    verbose_name = "Email saving"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from emails.stream import EMAIL_STEP, link_filters_of
        from syncengine.extensions import register_link_filters, register_session_step

        register_session_step(EMAIL_STEP)
        register_link_filters(link_filters_of)
