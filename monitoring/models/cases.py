"""The base of best practices (кейсы) and their files."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from registry.scoping import ScopedQuerySet

# --- best practices -----------------------------------------------------------------------------------


class BestPracticeQuerySet(ScopedQuerySet):
    scope_path = "organisation"

    def visible_to(self, scope):
        """Every case of an organisation one works in, and the published cases of whatever else one
        reaches (the municipality, the region): a school's drafts stay in the school."""
        if scope.is_superuser:
            return self.all()
        own = Q(organisation_id__in=sorted(scope.organisation_ids))
        return self.filter(own | (Q(published=True) & scope.q("organisation")))


class BestPractice(models.Model):
    """A case (кейс) for the best-practice base."""

    organisation = models.ForeignKey("registry.Organisation", on_delete=models.PROTECT, related_name="cases",
                                     verbose_name=_("организация"))
    form = models.ForeignKey("mentoring.MentoringForm", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="cases", verbose_name=_("форма наставничества"))
    pair = models.ForeignKey("mentoring.Pair", on_delete=models.SET_NULL, null=True, blank=True, related_name="cases")
    title = models.CharField(_("название"), max_length=300)
    description = models.TextField(_("описание"))
    results = models.TextField(_("результаты"), blank=True)
    published = models.BooleanField(_("опубликован для района и региона"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = BestPracticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("лучшая практика")
        verbose_name_plural = _("лучшие практики")
        ordering = ["-created_at"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("monitoring:case_detail", args=[self.pk])

    def get_additional_data(self) -> dict:
        return {"organisation": self.organisation_id}


def case_upload_to(instance, filename):
    return f"cases/{instance.case.organisation_id}/{filename}"


class BestPracticeFile(models.Model):
    case = models.ForeignKey(BestPractice, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(_("файл"), upload_to=case_upload_to)
    title = models.CharField(_("описание"), max_length=200, blank=True)
