from django.apps import AppConfig


class EmailsConfig(AppConfig):
    name = "emails"
    verbose_name = "Email saving"
    default_auto_field = "django.db.models.BigAutoField"
