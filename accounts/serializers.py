from collections.abc import Mapping

from django.core.exceptions import ObjectDoesNotExist
from django.utils.functional import cached_property
from rest_framework import serializers
from rest_framework.fields import Field, SkipField
from rest_framework.relations import PKOnlyObject

from accounts.identity import MAX_DB_ID
from accounts.models import AccessLog, Membership


def membership_data(membership: Membership | None) -> dict | None:
    """The contract's Membership shape."""
    if membership is None:
        return None
    facility = membership.facility
    return {
        "id": membership.pk,
        "role": membership.role,
        "facility": (
            {"id": facility.pk, "name": facility.name, "kind": facility.kind} if facility else None
        ),
    }


class FieldsBuiltOnce:
    """For serializers on hot paths: DRF builds a serializer's fields again for every
    instance it makes (deep copies of every declared field, nested serializers' too; a
    ModelSerializer reads its model's metadata and translates every label each time),
    which was about 40% of serialising a counter lookup and most of checking a
    prescription's body. Here they are built once per class and process, on a prototype
    without context, and shared: the fields keep no state between calls (validation keeps
    its values and errors in locals), and the nested serializers among them keep their own
    fields the same way. A serializer under a context (its methods may read it) or
    validating a partial update (its fields read `root.partial`) builds its own, as DRF
    does. `tests/test_serializer_fields.py` proves the answers and the errors equal."""

    @cached_property
    def fields(self):
        if self.context or getattr(self.root, "partial", False):
            return super().fields
        cls = type(self)
        built = cls.__dict__.get("_fields_built_once")
        if built is None:
            built = super(FieldsBuiltOnce, cls()).fields
            cls._fields_built_once = built
        return built

    def to_representation(self, instance):
        """DRF's own, with each field's attribute path worked out once: a plain
        attribute walk for the fields that read one (DRF tests every step of every
        field for a mapping and a callable, a third of serialising a lookup). Anything
        the walk does not settle (a missing attribute, a callable, a mapping, a field
        with its own `get_attribute`) goes DRF's way, so the answer is the same."""
        cls = type(self)
        if self.fields is not cls.__dict__.get("_fields_built_once") or isinstance(
                instance, Mapping):
            return super().to_representation(instance)
        plan = cls.__dict__.get("_plan_built_once")
        if plan is None:
            plan = cls._plan_built_once = [
                (field.field_name, field,
                 field.source_attrs if type(field).get_attribute is Field.get_attribute
                 else None)
                for field in self.fields.values() if not field.write_only]
        answer = {}
        for name, field, attrs in plan:
            value = instance
            try:
                if attrs is None:
                    raise AttributeError
                for attr in attrs:
                    value = getattr(value, attr)
                if callable(value):
                    raise AttributeError
            except (AttributeError, ObjectDoesNotExist):
                try:
                    value = field.get_attribute(instance)
                except SkipField:
                    continue
                if isinstance(value, PKOnlyObject) and value.pk is None:
                    answer[name] = None
                    continue
            answer[name] = None if value is None else field.to_representation(value)
        return answer


class OtpRequestIn(serializers.Serializer):
    national_code = serializers.CharField(max_length=32)
    mobile = serializers.CharField(max_length=32)


class OtpRequestOut(serializers.Serializer):
    detail = serializers.CharField()
    expires_in = serializers.IntegerField()
    resend_in = serializers.IntegerField()


class OtpVerifyIn(serializers.Serializer):
    national_code = serializers.CharField(max_length=32)
    code = serializers.CharField(max_length=16)
    membership = serializers.IntegerField(required=False, allow_null=True, min_value=1,
        max_value=MAX_DB_ID)


class MembershipOut(serializers.Serializer):
    id = serializers.IntegerField()
    role = serializers.CharField()
    facility = serializers.DictField(allow_null=True)


class OtpVerifyOut(serializers.Serializer):
    token = serializers.CharField()
    membership = MembershipOut(allow_null=True)
    memberships = MembershipOut(many=True)


class MembershipIn(serializers.Serializer):
    membership = serializers.IntegerField(min_value=1,
        max_value=MAX_DB_ID)


class MembershipSwitchOut(serializers.Serializer):
    membership = MembershipOut()


class MeOut(serializers.Serializer):
    national_code = serializers.CharField()
    full_name = serializers.CharField()
    membership = MembershipOut(allow_null=True)
    memberships = MembershipOut(many=True)


class AccessLogOut(serializers.ModelSerializer):
    who = serializers.SerializerMethodField()
    role = serializers.SerializerMethodField()
    facility = serializers.SerializerMethodField()

    class Meta:
        model = AccessLog
        fields = ["at", "action", "target", "who", "role", "facility"]

    def get_who(self, obj: AccessLog) -> str:
        return obj.actor.full_name if obj.actor else ""

    def get_role(self, obj: AccessLog) -> str | None:
        return obj.membership.role if obj.membership else None

    def get_facility(self, obj: AccessLog) -> dict | None:
        if obj.membership is None or obj.membership.facility is None:
            return None
        facility = obj.membership.facility
        return {"id": facility.pk, "name": facility.name, "kind": facility.kind}


class DoctorKeyIn(serializers.Serializer):
    public_key = serializers.CharField(max_length=2000, trim_whitespace=False)
    label = serializers.CharField(max_length=100, required=False, allow_blank=True)


class DoctorKeyOut(serializers.Serializer):
    id = serializers.IntegerField()
    fingerprint = serializers.CharField()
    label = serializers.CharField()
    public_key = serializers.CharField()
    created_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField(allow_null=True)
    active = serializers.BooleanField()


class DoctorKeyCreatedOut(serializers.Serializer):
    id = serializers.IntegerField()
    fingerprint = serializers.CharField()
