from django.apps import AppConfig


class PrescriptionsConfig(AppConfig):
    name = "prescriptions"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "نسخه‌ها"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from prescriptions import rule_version
        from prescriptions.models import ClinicalLimit, InsuranceRule, InteractionRule

        for model in (InsuranceRule, InteractionRule, ClinicalLimit):
            post_save.connect(rule_version.bump, sender=model, dispatch_uid=f"rules-{model}")
            post_delete.connect(rule_version.bump, sender=model, dispatch_uid=f"rules-{model}-x")
