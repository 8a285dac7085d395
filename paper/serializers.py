from rest_framework import serializers


class VerifyIn(serializers.Serializer):
    payload = serializers.CharField(max_length=4000, trim_whitespace=True)


class VerifiedItemOut(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    quantity = serializers.IntegerField()
    dosage = serializers.CharField()


class PersonOut(serializers.Serializer):
    name = serializers.CharField()
    national_code = serializers.CharField(required=False)
    council_number = serializers.CharField(required=False)


class VerifyOut(serializers.Serializer):
    valid = serializers.BooleanField()
    tracking_code = serializers.CharField()
    hid = serializers.CharField()
    kind = serializers.CharField()
    issued_at = serializers.CharField()
    valid_until = serializers.CharField()
    signed_by = serializers.CharField(allow_null=True)
    doctor = PersonOut()
    doctor_key = serializers.CharField(allow_null=True)
    patient = PersonOut()
    items = VerifiedItemOut(many=True)
    site_key = serializers.CharField()
    status = serializers.CharField(allow_null=True)
    current_version = serializers.BooleanField(allow_null=True)


class JwkOut(serializers.Serializer):
    kty = serializers.CharField()
    crv = serializers.CharField()
    x = serializers.CharField()
    y = serializers.CharField(required=False)
    kid = serializers.CharField()
    alg = serializers.CharField()
    use = serializers.CharField()


class JwksOut(serializers.Serializer):
    keys = JwkOut(many=True)
