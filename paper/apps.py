from django.apps import AppConfig


class PaperConfig(AppConfig):
    name = "paper"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "نسخه کاغذی"
