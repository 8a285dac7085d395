from django.apps import AppConfig


class PrescriptionsConfig(AppConfig):
    name = "prescriptions"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "نسخه‌ها"
