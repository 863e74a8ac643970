from django.apps import AppConfig


class BlocklistsConfig(AppConfig):
    name = "blocklists"
    verbose_name = "Blocklists"

    def ready(self) -> None:
        from blocklists.people_rules import people_rules_of
        from syncengine.extensions import register_people_rules

        register_people_rules(people_rules_of)
