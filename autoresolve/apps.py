from django.apps import AppConfig


class AutoresolveConfig(AppConfig):
    """Autoresolving: the people a rep meets and writes to, read from what their emails say."""

    name = "autoresolve"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from autoresolve.making import people_make, people_makeable, people_making_enabled
        from syncengine.extensions import PeopleMaking, register_people_maker

        register_people_maker(PeopleMaking(people_make, people_makeable, people_making_enabled))
