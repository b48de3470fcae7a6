"""Who logs in and in which role."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from registry import grammar
from registry.scoping import ORGANISATION_ROLES, Role


class User(AbstractUser):
    patronymic = models.CharField(_("отчество"), max_length=150, blank=True)
    gender = models.CharField(_("пол"), max_length=1, choices=grammar.GENDER_CHOICES, blank=True,
                              help_text=grammar.GENDER_HELP)
    email_reminders = models.BooleanField(
        _("присылать напоминания о сроках на почту"), default=True,
        help_text=_("Уведомления в портале приходят всегда; письма можно отключить."),
    )
    email_notices = models.BooleanField(
        _("присылать уведомления на почту"), default=True,
        help_text=_("Когда что-то ждёт вас: отчёт вернули, приказ ждёт подписи, истекает согласие. "
                    "В портале уведомления видны всегда."),
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("пользователь")
        verbose_name_plural = _("пользователи")

    @property
    def display_name(self) -> str:
        parts = [self.last_name, self.first_name, self.patronymic]
        return " ".join(p for p in parts if p) or self.username

    def get_short_name(self) -> str:
        """«Лебедева Е. В.»: the surname and initials, for the menu bar."""
        return grammar.Person.of(self).short or self.username


class RoleAssignmentQuerySet(models.QuerySet):
    def current(self, day=None):
        """Assignments in force on ``day`` (today): active, started, not yet ended."""
        from django.utils import timezone

        day = day or timezone.localdate()
        return self.filter(is_active=True).filter(Q(started_on__isnull=True) | Q(started_on__lte=day)).filter(
            Q(ended_on__isnull=True) | Q(ended_on__gte=day))


class RoleAssignment(models.Model):
    """A user's role at one level: region, municipality or organisation.

    Assignments are ended, not deleted, so the order that appointed a curator keeps its meaning.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_assignments", verbose_name=_("пользователь")
    )
    role = models.CharField(_("роль"), max_length=30, choices=Role.choices)
    region = models.ForeignKey(
        "registry.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("регион")
    )
    municipality = models.ForeignKey(
        "registry.Municipality", on_delete=models.PROTECT, null=True, blank=True, related_name="role_assignments",
        verbose_name=_("муниципалитет"),
    )
    organisation = models.ForeignKey(
        "registry.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="role_assignments",
        verbose_name=_("организация"),
    )
    position = models.CharField(_("должность"), max_length=200, blank=True)
    duty = models.TextField(
        _("обязанности в рабочей группе"), blank=True,
        help_text=_("Например: «осуществление персонифицированного учёта обучающихся…»"),
    )
    is_active = models.BooleanField(_("действует"), default=True)
    started_on = models.DateField(_("назначен"), null=True, blank=True)
    ended_on = models.DateField(_("освобождён"), null=True, blank=True)

    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("назначение на роль")
        verbose_name_plural = _("назначения на роли")
        ordering = ["role", "user__last_name"]
        constraints = [
            models.CheckConstraint(
                name="role_assignment_level_matches_role",
                condition=(
                    Q(role=Role.REGIONAL_OBSERVER, region__isnull=False, municipality__isnull=True, organisation__isnull=True)
                    | Q(role=Role.MUNICIPAL_CURATOR, municipality__isnull=False, organisation__isnull=True)
                    | Q(role__in=sorted(ORGANISATION_ROLES), organisation__isnull=False, municipality__isnull=True)
                ),
                violation_error_message=_(
                    "Региональная роль назначается на регион, муниципальная — на муниципалитет, "
                    "роли организации — на организацию."
                ),
            )
        ]

    def __str__(self):
        where = self.organisation or self.municipality or self.region
        return f"{self.user.display_name}: {self.get_role_display()} ({where})"

    def clean(self):
        if self.ended_on and self.started_on and self.ended_on < self.started_on:
            raise ValidationError({"ended_on": _("Дата освобождения раньше даты назначения.")})
