"""Static files in production: WhiteNoise's compressed, hashed storage, tolerating a vendored
stylesheet that points at an image its package does not ship (django-jalali's datepicker
theme): that reference stays as written instead of failing `collectstatic`."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    manifest_strict = False

    def hashed_name(self, name, content=None, filename=None):
        try:
            return super().hashed_name(name, content, filename)
        except ValueError:
            if content is None and not self.exists(self.clean_name(name)):
                return name
            raise
