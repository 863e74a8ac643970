from django.apps import AppConfig


class SigninConfig(AppConfig):
    name = "signin"
    verbose_name = "Sign-in protection"

    def ready(self) -> None:
        from signin import checks  # noqa: F401  (registers the deploy check)
