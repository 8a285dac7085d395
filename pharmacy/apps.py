from django.apps import AppConfig


class PharmacyConfig(AppConfig):
    name = "pharmacy"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "داروخانه و پاراکلینیک"
