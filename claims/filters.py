"""django-filter sets for the claims app's lists: each parameter parsed and checked once,
a bad value a 400 naming it (never silently ignored)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from accounts.errors import Invalid
from claims import invoicing
from claims.models import Invoice


class InvoiceFilter(django_filters.FilterSet):
    period = django_filters.CharFilter(method="in_period",
                                       help_text="a Jalali month, 1405-08")
    status = django_filters.ChoiceFilter(choices=Invoice.Status.choices)

    class Meta:
        model = Invoice
        fields = ["period", "status"]

    def in_period(self, queryset, name, value):
        return queryset.filter(period=invoicing.month_parse(value).label)


def filtered(filter_class, params, queryset):
    """The queryset narrowed by `params`, or a 400 naming the parameters at fault."""
    found = filter_class(params, queryset=queryset)
    if not found.is_valid():
        errors = {name: [str(m) for m in messages] for name, messages in found.errors.items()}
        raise Invalid(next(iter(errors.values()))[0] if errors else _("پارامتر نامعتبر."),
                      code="filter", errors=errors)
    return found.qs
