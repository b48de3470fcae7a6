"""The orders register: orders of an organisation or a municipality, prepared, signed and frozen."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mentoring import order_kinds
from mentoring.models.pairs import Pair
from mentoring.models.programmes import Programme
from registry.scoping import ScopedQuerySet


class OrderQuerySet(ScopedQuerySet):
    """An order belongs to an organisation's register or, for the municipal orders, to the municipality's
    (signed by the head of the education authority): scoped like a roadmap of either owner."""

    scope_path = "organisation"

    def visible_to(self, scope):
        return self.filter(scope.q("organisation") & Q(organisation__isnull=False)
                           | scope.q_municipality("municipality") & Q(municipality__isnull=False))

    def permissions(self, scope, order) -> frozenset:
        if order.organisation_id:
            return scope.permissions_for(order.organisation)
        return scope.permissions_for_municipality(order.municipality)


def order_upload_to(instance, filename):
    owner = instance.organisation_id or f"municipality-{instance.municipality_id}"
    return f"orders/{owner}/{instance.academic_year_id}/{filename}"


class Order(models.Model):
    """An order (приказ) of the organisation: prepared by the curator, signed by the director.

    Signing numbers it for good, freezes its content and stores the printed PDF in the register.
    """

    # One module per kind in mentoring/order_kinds/ (value, label, text); ``Order.Kind.PAIRS`` etc. as a
    # TextChoices built from them, and the field's choices a callable, so a new kind needs no migration.
    Kind = order_kinds.Kinds()

    class Status(models.TextChoices):
        DRAFT = "draft", _("Проект")
        SIGNED = "signed", _("Подписан")

    organisation = models.ForeignKey("registry.Organisation", on_delete=models.PROTECT, related_name="orders",
                                     null=True, blank=True, verbose_name=_("организация"))
    municipality = models.ForeignKey("registry.Municipality", on_delete=models.PROTECT, related_name="orders",
                                     null=True, blank=True, verbose_name=_("муниципалитет"))
    academic_year = models.ForeignKey("registry.AcademicYear", on_delete=models.PROTECT, related_name="orders",
                                      verbose_name=_("учебный год"))
    kind = models.CharField(_("вид приказа"), max_length=20, choices=order_kinds.choices)
    number = models.CharField(_("номер"), max_length=30)
    issued_on = models.DateField(_("дата"), default=timezone.localdate)
    status = models.CharField(_("состояние"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, null=True, blank=True, related_name="orders",
                                  verbose_name=_("программа"))
    pairs = models.ManyToManyField(Pair, blank=True, related_name="orders", verbose_name=_("пары и группы"))
    rewarded = models.ManyToManyField("registry.Participant", blank=True, related_name="reward_orders",
                                      verbose_name=_("поощряемые"))
    reward_text = models.CharField(_("мера поощрения"), max_length=300, blank=True,
                                   default=_("объявить благодарность"))
    # What a kind's text needs beyond the registry (mentoring.order_kinds): the approved roadmap's title,
    # the final event's date and place.
    details = models.JSONField(_("сведения для текста"), default=dict, blank=True, editable=False)
    content = models.JSONField(_("содержание на момент подписания"), default=dict, blank=True, editable=False)
    pdf = models.FileField(_("PDF"), upload_to=order_upload_to, blank=True, editable=False)
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", editable=False)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", editable=False)
    signed_at = models.DateTimeField(_("подписан"), null=True, blank=True, editable=False)

    objects = OrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("приказ")
        verbose_name_plural = _("приказы")
        ordering = ["-issued_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "academic_year", "number"], name="order_number_unique"),
            models.UniqueConstraint(fields=["municipality", "academic_year", "number"],
                                    condition=Q(municipality__isnull=False), name="municipal_order_number_unique"),
            models.CheckConstraint(condition=Q(organisation__isnull=False, municipality__isnull=True)
                                   | Q(organisation__isnull=True, municipality__isnull=False),
                                   name="order_belongs_to_one_owner"),
        ]

    def __str__(self):
        return f"№ {self.number} от {self.issued_on:%d.%m.%Y} «{self.get_kind_display()}»"

    def get_absolute_url(self):
        return reverse("mentoring:order_detail", args=[self.pk])

    @property
    def is_signed(self) -> bool:
        return self.status == self.Status.SIGNED

    @property
    def owner(self):
        """The organisation, or the municipality of a municipal order."""
        return self.organisation or self.municipality
