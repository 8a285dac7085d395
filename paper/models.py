"""The site's public signing keys, kept so that copies signed before a key rotation still
verify (paper/keys lists every key that signed a copy that may still be used)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SiteKey(models.Model):
    kid = models.CharField(_("شناسه کلید"), max_length=64, unique=True)
    alg = models.CharField(_("الگوریتم"), max_length=8)
    public_jwk = models.JSONField(_("کلید عمومی (JWK)"))
    created_at = models.DateTimeField(_("نخستین استفاده"), default=timezone.now)
    last_used_at = models.DateTimeField(_("آخرین امضا"), default=timezone.now)
    revoked_at = models.DateTimeField(_("زمان ابطال"), null=True, blank=True)

    class Meta:
        verbose_name = _("کلید امضای سامانه")
        verbose_name_plural = _("کلیدهای امضای سامانه")
        ordering = ["-last_used_at"]

    def __str__(self) -> str:
        return f"{self.alg} {self.kid[:16]}"
