"""Consent to personal-data processing (152-ФЗ, art. 9; publication under art. 10.1), one per purpose, never deleted.

Who signs depends on the person's age on the day of signing, and that rule lives in ``signer_by_age``
only: the consent form, the import, the printed blank and the demo all ask it.
"""

import datetime
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.models.people import ADULT_AGE, SELF_CONSENT_AGE, age_on
from registry.scoping import ScopedQuerySet
from registry.signals import announce_change
from registry.validators import validate_scan


class ConsentPurpose(models.TextChoices):
    MENTORING = "mentoring", _("Участие в программе наставничества")
    PUBLICATION = "publication", _("Размещение фото- и видеоматериалов")
    PARTNER_TRANSFER = "partner_transfer", _("Передача сведений организации-партнёру")


class ConsentText(models.Model):
    """A version of the consent wording. A signed consent records which version it was."""

    class Signer(models.TextChoices):
        ADULT = "adult", _("Совершеннолетний участник")
        REPRESENTATIVE = "representative", _("Законный представитель несовершеннолетнего")
        # 14–17: the child gives the consent and the representative signs it too.
        MINOR = "minor", _("Несовершеннолетний от 14 лет вместе с законным представителем")

    purpose = models.CharField(_("цель"), max_length=20, choices=ConsentPurpose.choices)
    signer = models.CharField(_("кто подписывает"), max_length=20, choices=Signer.choices)
    version = models.CharField(_("версия"), max_length=20)
    title = models.CharField(_("заголовок"), max_length=300)
    body = models.TextField(
        _("текст"),
        help_text=_("Подстановки: {participant}, {representative}, {organisation}, {address}, {purpose}, {minor} "
                    "(«несовершеннолетний» в роде ребёнка), {requisites} (ИНН и ОГРН), {website}, {authority} "
                    "(орган управления образованием), {partner} (получатель сведений с адресом и соглашением); "
                    "падеж через двоеточие: {organisation:datv}, {participant:gent}, {minor:gent} "
                    "(gent, datv, accs, ablt, loct)."),
    )
    is_current = models.BooleanField(_("действующая редакция"), default=True)
    introduced_on = models.DateField(_("введена"), default=timezone.localdate)

    class Meta:
        verbose_name = _("текст согласия")
        verbose_name_plural = _("тексты согласий")
        ordering = ["purpose", "signer", "-introduced_on"]
        constraints = [
            models.UniqueConstraint(fields=["purpose", "signer", "version"], name="consent_text_unique_version"),
            models.UniqueConstraint(
                fields=["purpose", "signer"], condition=Q(is_current=True), name="consent_text_one_current"
            ),
        ]

    def __str__(self):
        return f"{self.get_purpose_display()} — {self.get_signer_display()}, ред. {self.version}"


def signer_by_age(birth_date: datetime.date | None, on: datetime.date, *, is_student: bool) -> str | None:
    """Who signs a consent on ``on`` (Consent.SignedBy): under 14 the legal representative alone, from the
    14th birthday to the 18th the child together with the representative, from the 18th birthday the
    person. None: a student without a birth date, who may be either of the first two."""
    if birth_date is None:
        return None if is_student else Consent.SignedBy.PARTICIPANT
    age = age_on(birth_date, on)
    if age < SELF_CONSENT_AGE:
        return Consent.SignedBy.REPRESENTATIVE
    if age < ADULT_AGE:
        return Consent.SignedBy.BOTH
    return Consent.SignedBy.PARTICIPANT


def text_signer(signed_by: str) -> str:
    """The wording (ConsentText.Signer) that a consent signed by ``signed_by`` is given in."""
    return {
        Consent.SignedBy.PARTICIPANT: ConsentText.Signer.ADULT,
        Consent.SignedBy.REPRESENTATIVE: ConsentText.Signer.REPRESENTATIVE,
        Consent.SignedBy.BOTH: ConsentText.Signer.MINOR,
    }[signed_by]


class ConsentQuerySet(ScopedQuerySet):
    scope_path = "participant__organisation"

    def valid_on(self, day: datetime.date):
        return self.filter(signed_on__lte=day).filter(
            Q(revoked_on__isnull=True) | Q(revoked_on__gt=day)
        ).filter(Q(valid_until__isnull=True) | Q(valid_until__gte=day))

    def signed_by_representative(self):
        """Consents a legal representative signed (``Consent.REPRESENTATIVE_SIGNERS``): the one rule of who
        is a participant's representative, whatever else a row may hold in its representative fields."""
        return self.filter(signed_by__in=Consent.REPRESENTATIVE_SIGNERS).exclude(representative_name="")


def scan_upload_to(instance, filename):
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"consents/{instance.participant.organisation_id}/{uuid.uuid4().hex}.{extension}"


class Consent(models.Model):
    Purpose = ConsentPurpose

    class SignedBy(models.TextChoices):
        PARTICIPANT = "participant", _("Участник лично")
        REPRESENTATIVE = "representative", _("Законный представитель")
        BOTH = "both", _("Законный представитель вместе с несовершеннолетним")

    #: Who signs as a legal representative: the one rule (``needs_representative``, the blank to print,
    #: the agreement's and the export's representative all follow it).
    REPRESENTATIVE_SIGNERS = (SignedBy.REPRESENTATIVE, SignedBy.BOTH)

    class Relation(models.TextChoices):
        MOTHER = "mother", _("Мать")
        FATHER = "father", _("Отец")
        GUARDIAN = "guardian", _("Опекун")
        TRUSTEE = "trustee", _("Попечитель")
        OTHER = "other", _("Иной законный представитель")

    participant = models.ForeignKey(
        "registry.Participant", on_delete=models.PROTECT, related_name="consents", verbose_name=_("участник")
    )
    purpose = models.CharField(_("цель обработки"), max_length=20, choices=ConsentPurpose.choices,
                               default=ConsentPurpose.MENTORING)
    text = models.ForeignKey(
        ConsentText, on_delete=models.PROTECT, related_name="consents", verbose_name=_("редакция текста")
    )
    partner = models.ForeignKey(
        "registry.Partner", on_delete=models.PROTECT, null=True, blank=True, related_name="consents",
        verbose_name=_("кому передаются сведения"),
        help_text=_("Для согласия на передачу сведений: организация-партнёр, названная в согласии."),
    )
    signed_by = models.CharField(_("кто подписал"), max_length=20, choices=SignedBy.choices)
    representative_name = models.CharField(_("ФИО законного представителя"), max_length=300, blank=True)
    representative_relation = models.CharField(
        _("кем приходится"), max_length=20, choices=Relation.choices, blank=True
    )
    representative_document = models.CharField(
        _("документ, подтверждающий полномочия"), max_length=300, blank=True,
        help_text=_("Например: «свидетельство о рождении III-МЮ № 123456» или «постановление об опеке № 15 от 01.02.2020»."),
    )
    signed_on = models.DateField(_("дата подписания"))
    valid_until = models.DateField(
        _("действует до"), null=True, blank=True, help_text=_("Оставьте пустым, если срок не ограничен (до отзыва).")
    )
    scan = models.FileField(_("скан-копия"), upload_to=scan_upload_to, blank=True, validators=[validate_scan])
    revoked_on = models.DateField(_("дата отзыва"), null=True, blank=True)
    revocation_reason = models.CharField(_("причина отзыва"), max_length=300, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    created_at = models.DateTimeField(_("внесено"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )

    objects = ConsentQuerySet.as_manager()

    class Meta:
        verbose_name = _("согласие на обработку персональных данных")
        verbose_name_plural = _("согласия на обработку персональных данных")
        ordering = ["-signed_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(revoked_on__isnull=True) | Q(revoked_on__gte=models.F("signed_on")),
                name="consent_revoked_after_signed",
                violation_error_message=_("Согласие нельзя отозвать раньше, чем оно подписано."),
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("signed_on")),
                name="consent_valid_until_after_signed",
                violation_error_message=_("Срок действия не может закончиться раньше даты подписания."),
            ),
        ]

    def __str__(self):
        return f"{self.get_purpose_display()}: {self.participant} от {self.signed_on:%d.%m.%Y}"

    def get_absolute_url(self):
        return reverse("registry:participant_detail", args=[self.participant_id]) + f"#consent-{self.pk}"

    def get_additional_data(self) -> dict:
        return {"organisation": self.participant.organisation_id, "participant": self.participant_id}

    # --- rules -------------------------------------------------------------------------------

    @staticmethod
    def required_signers(birth_date: datetime.date | None, signed_on: datetime.date, is_student: bool) -> set[str]:
        """Who may sign on ``signed_on`` (``signer_by_age``; a student without a birth date: either kind of minor)."""
        signer = signer_by_age(birth_date, signed_on, is_student=is_student)
        if signer is None:
            return {Consent.SignedBy.REPRESENTATIVE, Consent.SignedBy.BOTH}
        return {signer}

    def clean(self):
        errors = {}
        today = timezone.localdate()
        if self.signed_on and self.signed_on > today:
            errors["signed_on"] = _("Дата подписания не может быть в будущем.")
        participant = self.participant if self.participant_id else None
        if participant and self.signed_on:
            if participant.birth_date and self.signed_on < participant.birth_date:
                errors["signed_on"] = _("Дата подписания раньше даты рождения участника.")
            allowed = self.required_signers(
                participant.birth_date, self.signed_on, participant.category == participant.Category.STUDENT
            )
            if self.signed_by and self.signed_by not in allowed:
                age = participant.age_on(self.signed_on)
                if Consent.SignedBy.REPRESENTATIVE in allowed and len(allowed) == 1:
                    message = _("Участнику на дату подписания %(age)s лет: до 14 лет согласие подписывает только законный представитель.")
                elif Consent.SignedBy.BOTH in allowed:
                    message = _("Участнику на дату подписания %(age)s лет: с 14 до 18 лет согласие подписывает законный представитель вместе с несовершеннолетним.")
                else:
                    message = _("Участник на дату подписания совершеннолетний (%(age)s лет) и подписывает согласие сам.")
                errors["signed_by"] = message % {"age": age if age is not None else "?"}
        if self.needs_representative:
            if not self.representative_name.strip():
                errors["representative_name"] = _("Укажите ФИО законного представителя.")
            if not self.representative_relation:
                errors["representative_relation"] = _("Укажите, кем представитель приходится участнику.")
            if not self.representative_document.strip():
                errors["representative_document"] = _("Укажите документ, подтверждающий полномочия представителя.")
        # A transfer is consented to one named recipient: the consent for partner A does not cover B.
        if self.purpose == ConsentPurpose.PARTNER_TRANSFER:
            if not self.partner_id:
                errors["partner"] = _("Укажите организацию-партнёра, которой передаются сведения: она названа в согласии.")
            elif participant and self.partner.organisation_id != participant.organisation_id:
                errors["partner"] = _("Организация-партнёр относится к другой организации.")
        elif self.partner_id:
            errors["partner"] = _("Организация-партнёр указывается только в согласии на передачу сведений.")
        if self.text_id and self.purpose and self.text.purpose != self.purpose:
            errors["text"] = _("Редакция текста относится к другой цели обработки.")
        if self.revoked_on and self.signed_on and self.revoked_on < self.signed_on:
            errors["revoked_on"] = _("Согласие нельзя отозвать раньше, чем оно подписано.")
        if self.valid_until and self.signed_on and self.valid_until < self.signed_on:
            errors["valid_until"] = _("Срок действия не может закончиться раньше даты подписания.")
        if errors:
            raise ValidationError(errors)

    def is_valid_on(self, day: datetime.date | None = None) -> bool:
        day = day or timezone.localdate()
        if self.signed_on > day:
            return False
        if self.revoked_on is not None and self.revoked_on <= day:
            return False
        return self.valid_until is None or self.valid_until >= day

    @property
    def is_revoked(self) -> bool:
        return self.revoked_on is not None

    @property
    def needs_representative(self) -> bool:
        return self.signed_by in self.REPRESENTATIVE_SIGNERS

    def revoke(self, *, on: datetime.date, reason: str, by=None) -> None:
        """Revocation keeps the record: the consent stops being valid from ``on``."""
        if self.revoked_on is not None:
            raise ValidationError(_("Согласие уже отозвано %(date)s.") % {"date": self.revoked_on.strftime("%d.%m.%Y")})
        if on < self.signed_on:
            raise ValidationError(_("Согласие нельзя отозвать раньше, чем оно подписано."))
        if on > timezone.localdate():
            raise ValidationError(_("Дата отзыва не может быть в будущем."))
        if not reason.strip():
            raise ValidationError(_("Укажите причину отзыва."))
        # A conditional update, so a double submit cannot overwrite the first revocation.
        updated = type(self).objects.filter(pk=self.pk, revoked_on__isnull=True).update(
            revoked_on=on, revocation_reason=reason.strip(), revoked_by=by
        )
        if updated != 1:
            raise ValidationError(_("Согласие уже отозвано."))
        self.revoked_on, self.revocation_reason, self.revoked_by = on, reason.strip(), by
        announce_change(type(self), self.participant.organisation_id)
        from registry import audit

        audit.record_update(self, {"revoked_on": [None, on], "revocation_reason": ["", self.revocation_reason]})
