from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo data (`seed_demo`): at the top of the graph, it may import every app."""

    name = "demo"
    verbose_name = "داده‌های نمایشی"
