from django.apps import AppConfig


class NoskheConfig(AppConfig):
    """The project's own plumbing (no models): database adapters installed at start-up."""

    name = "config"
    label = "noskhe_config"

    def ready(self) -> None:
        from config import sql

        sql.install_timestamptz_loader()
