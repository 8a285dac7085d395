from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "کاربران و مراکز"

    def ready(self) -> None:
        from accounts import schema  # noqa: F401  (registers the OpenAPI token scheme)
