from django.apps import AppConfig


class BlocklistsConfig(AppConfig):
    name = "blocklists"
    verbose_name = "Blocklists"
