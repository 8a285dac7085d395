from django.apps import AppConfig


class FhirConfig(AppConfig):
    name = "fhir_r4"
    label = "fhir"
    verbose_name = "FHIR R4"
