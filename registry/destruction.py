"""Destruction of personal data (152-ФЗ art. 21 ч. 4–5) with the act the law asks for.

Who is due (``due``): a person without a valid consent to take part in mentoring is due
``PD_DAYS_AFTER_REVOCATION`` days after the consent was revoked or expired (the law's 30 days); an
archived person — the purpose achieved — ``PD_DAYS_AFTER_ARCHIVING`` days after archiving, whichever
comes first. A person who never signed a consent and is not archived is not due: the curator is still
collecting it.

``destroy`` anonymises the people of one organisation in one run: names become «Участник № 1234»,
the birth date keeps its year (for statistics), contacts, class, position, free texts, the legal
representative and the special groups are erased, scans and portfolios deleted from storage; the other
apps erase their part on ``personal_data_destroyed`` (plans' and meetings' texts, answers' links to the
person, case files, export files). What the organisation must keep stays: aggregate figures, frozen
report snapshots and signed orders (archival documents). The audit trail keeps who did what when,
without the data. Each run writes one ``DestructionAct`` with its PDF and the extract of the event log.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from registry import audit
from registry.models import (
    AuditEntry,
    Consent,
    ConsentPurpose,
    DestructionAct,
    MenteeProfile,
    MentorProfile,
    Organisation,
    Participant,
)
from registry.pdf import render_pdf
from registry.signals import announce_change, personal_data_destroyed

CARRIER = _("информационная система «Наставник» (база данных и файловое хранилище на сервере организации)")
METHOD = _("удаление (обезличивание) записей в базе данных и удаление файлов скан-копий из файлового "
           "хранилища средствами информационной системы")


def label_for(participant) -> str:
    return _("Участник № %(pk)s") % {"pk": participant.pk}


@dataclass(frozen=True)
class Due:
    participant: Participant
    due_on: datetime.date
    reason: str

    @property
    def overdue(self) -> bool:
        return self.due_on <= timezone.localdate()


def _due_for(person: Participant, consents: list[Consent], on: datetime.date) -> Due | None:
    candidates = []
    mentoring = [c for c in consents if c.purpose == ConsentPurpose.MENTORING and c.signed_on <= on]
    if mentoring and not any(c.is_valid_on(on) for c in mentoring):
        latest = max(mentoring, key=lambda c: (c.signed_on, c.pk))
        lapsed_on = latest.revoked_on if latest.revoked_on is not None else latest.valid_until
        if lapsed_on is not None:
            words = (_("отзыв согласия на обработку персональных данных %(date)s") if latest.revoked_on
                     else _("истечение срока действия согласия на обработку персональных данных %(date)s"))
            candidates.append(Due(person, lapsed_on + datetime.timedelta(days=settings.PD_DAYS_AFTER_REVOCATION),
                                  words % {"date": lapsed_on.strftime("%d.%m.%Y")}))
    if person.is_archived and person.archived_on:
        candidates.append(Due(person, person.archived_on + datetime.timedelta(days=settings.PD_DAYS_AFTER_ARCHIVING),
                              _("достижение цели обработки (выбытие из программы %(date)s) и истечение срока "
                                "хранения") % {"date": person.archived_on.strftime("%d.%m.%Y")}))
    return min(candidates, key=lambda d: d.due_on) if candidates else None


def due(participants, *, on: datetime.date | None = None, within_days: int | None = None) -> list[Due]:
    """Those of ``participants`` (a scoped queryset) whose data is due for destruction, soonest first;
    ``within_days``: also those due in that many days."""
    on = on or timezone.localdate()
    valid = Consent.objects.valid_on(on).filter(participant=OuterRef("pk"), purpose=ConsentPurpose.MENTORING)
    candidates = (participants.filter(anonymised_at__isnull=True)
                  .filter(Q(is_archived=True) | (Q(consents__purpose=ConsentPurpose.MENTORING) & ~Exists(valid)))
                  .distinct().select_related("organisation").prefetch_related("consents"))
    horizon = on + datetime.timedelta(days=within_days or 0)
    rows = [row for row in (_due_for(p, list(p.consents.all()), on) for p in candidates)
            if row is not None and row.due_on <= horizon]
    return sorted(rows, key=lambda row: (row.due_on, row.participant.last_name, row.participant.pk))


# --- destroying ------------------------------------------------------------------------------------


def _delete_file(field) -> bool:
    if not field:
        return False
    field.storage.delete(field.name)
    return True


def _anonymise_registry(person: Participant) -> list[str]:
    """Erase what the registry holds; the categories destroyed."""
    categories = [_("фамилия, имя, отчество"), _("дата рождения (сохранён год для статистики)")]
    if person.class_name:
        categories.append(_("класс / группа"))
    if person.position:
        categories.append(_("должность, место работы"))
    if person.phone or person.email:
        categories.append(_("контактные данные (телефон, электронная почта)"))
    consents = list(person.consents.all())
    if any(c.representative_name for c in consents):
        categories.append(_("сведения о законном представителе и документе о его полномочиях"))
    if any(_delete_file(c.scan) for c in consents):
        categories.append(_("скан-копии согласий на обработку персональных данных"))
    Consent.objects.filter(participant=person).update(
        representative_name="", representative_document="", revocation_reason="", scan="")
    mentor = MentorProfile.objects.filter(participant=person).first()
    if mentor is not None:
        files = [_delete_file(mentor.portfolio_file), _delete_file(mentor.certificate_file)]
        categories.append(_("сведения профиля наставника (компетенции, интересы, опыт, время встреч)"))
        if any(files):
            categories.append(_("портфолио и справка об отсутствии судимости (файлы)"))
        MentorProfile.objects.filter(pk=mentor.pk).update(
            competencies="", interests="", experience="", meeting_times="", portfolio_url="", portfolio_file="",
            certificate_file="")
    mentee = MenteeProfile.objects.filter(participant=person).first()
    if mentee is not None:
        categories.append(_("запрос наставляемого, время встреч, принадлежность к особым группам"))
        MenteeProfile.objects.filter(pk=mentee.pk).update(
            request="", meeting_times="", **{name: False for name in MenteeProfile.SPECIAL_GROUP_FIELDS})
    label = label_for(person)
    person.last_name, person.first_name, person.patronymic = _("Участник"), f"№ {person.pk}", ""
    if person.birth_date:
        person.birth_date = datetime.date(person.birth_date.year, 1, 1)
    person.class_name = person.position = person.phone = person.email = person.archive_reason = ""
    person.gender = ""  # set by hand for declining the name: it goes with the name
    person.anonymised_at = timezone.now()
    with audit.disable_auditlog():  # the old values must not land in the trail
        person.save()
    audit.anonymise_trail(person.pk, label)
    return categories


def _purge_imports(organisation_id: int) -> list[str]:
    """The organisation's uploaded participant files and their checked rows hold the names, birth dates and
    contacts of whoever they listed: they go with the people's data. An import being checked right now is
    left to finish; one checked but not put into the registry cannot be any more (its rows would bring the
    destroyed person back) and says so."""
    from registry.models import ParticipantImport

    Status = ParticipantImport.Status
    kept = (Status.PENDING, Status.PARSING)
    imports = ParticipantImport.objects.filter(organisation_id=organisation_id).exclude(status__in=kept)
    stale = imports.exclude(file="") | imports.filter(preview__isnull=False)
    found = list(stale.only("pk", "file"))
    if not found:
        return []
    for upload in found:
        _delete_file(upload.file)
    ids = [upload.pk for upload in found]
    ParticipantImport.objects.filter(pk__in=ids, status=Status.CHECKED).update(
        status=Status.FAILED, parse_error=_("Файл удалён при уничтожении персональных данных: загрузите его снова."))
    ParticipantImport.objects.filter(pk__in=ids).update(file="", preview=None)
    return [_("загруженные файлы участников (XLSX) и результаты их проверки")]


def _next_sequence(organisation_id: int, year: int) -> int:
    last = (DestructionAct.objects.filter(organisation_id=organisation_id, year=year)
            .order_by("-sequence").values_list("sequence", flat=True).first())
    return (last or 0) + 1


def _made_by_text(by, organisation: Organisation) -> str:
    if by is None:
        return _("информационная система «Наставник», автоматически по расписанию (ответственный — "
                 "руководитель организации %(director)s)") % {"director": organisation.director_name or "—"}
    from registry.models import RoleAssignment

    role = (RoleAssignment.objects.filter(user=by, is_active=True, organisation=organisation)
            .order_by("role").first())
    return f"{by.display_name}, {role.get_role_display().lower()}" if role else by.display_name


def destroy(participants: list[Participant], *, by=None, on: datetime.date | None = None,
            reasons: dict[int, str] | None = None) -> list[DestructionAct]:
    """Destroy the data of ``participants``; one act per organisation. Already anonymised people are skipped."""
    on = on or timezone.localdate()
    reasons = reasons or {}
    by_organisation: dict[int, list[Participant]] = {}
    for person in participants:
        by_organisation.setdefault(person.organisation_id, []).append(person)
    acts = []
    for organisation_id, people in sorted(by_organisation.items()):
        act = _destroy_in(organisation_id, people, by=by, on=on, reasons=reasons)
        if act is not None:
            acts.append(act)
    return acts


def _destroy_in(organisation_id, people, *, by, on, reasons) -> DestructionAct | None:
    organisation = Organisation.objects.select_related("municipality").get(pk=organisation_id)
    subjects, categories = [], []
    with transaction.atomic():
        locked = list(Participant.objects.select_for_update().filter(
            pk__in=[p.pk for p in people], anonymised_at__isnull=True).order_by("pk"))
        if not locked:
            return None  # a double click, or the daily run got there first
        started = timezone.now()
        for person in locked:
            found = _anonymise_registry(person)
            for _receiver, extra in personal_data_destroyed.send(sender=Participant, participant=person,
                                                                label=label_for(person)):
                found += extra or []
            audit.record_destruction(person, found, by=by)
            categories += [c for c in found if c not in categories]
            subjects.append({"label": label_for(person), "category": person.get_category_display(),
                             "birth_year": person.birth_date.year if person.birth_date else None,
                             "reason": reasons.get(person.pk, ""), "categories": found})
        categories += _purge_imports(organisation.pk)
        reason = "; ".join(dict.fromkeys(s["reason"] for s in subjects if s["reason"])) or _(
            "решение оператора об уничтожении персональных данных")
        for _attempt in range(3):
            try:
                with transaction.atomic():
                    act = DestructionAct.objects.create(
                        organisation=organisation, year=on.year, sequence=_next_sequence(organisation.pk, on.year),
                        made_on=on, made_by=by, made_by_text=_made_by_text(by, organisation), reason=reason,
                        subjects=subjects, categories=categories, carrier=str(CARRIER), method=str(METHOD))
                break
            except IntegrityError:
                continue
        else:
            raise IntegrityError("no free act number")
        extract = list(AuditEntry.objects.filter(participant_id__in=[p.pk for p in locked], timestamp__gte=started,
                                                 action=AuditEntry.Action.DELETE).select_related("actor")
                       .order_by("timestamp", "pk"))
        act.pdf.save(f"act-{act.pk}.pdf", ContentFile(render_pdf("registry/pdf/destruction_act.html",
                                                                 {"act": act, "organisation": organisation})),
                     save=False)
        act.log_extract.save(f"act-{act.pk}-log.pdf", ContentFile(render_pdf(
            "registry/pdf/destruction_log.html", {"act": act, "organisation": organisation, "entries": extract})),
            save=False)
        DestructionAct.objects.filter(pk=act.pk).update(pdf=act.pdf.name, log_extract=act.log_extract.name)
        announce_change(Participant, organisation.pk)
    return act


def render_act_file(act: DestructionAct, part: str) -> bytes:
    """The act (``part="act"``) or its extract of the event log (``"log"``) rendered again from what the
    act stored, for its DOCX; the PDF signed on the day is the stored file. A person's data is destroyed
    once, so the destruction events of the act's subjects are the extract's rows."""
    organisation = act.organisation
    if part == "act":
        return render_pdf("registry/pdf/destruction_act.html", {"act": act, "organisation": organisation})
    entries = (AuditEntry.objects.filter(organisation_id=organisation.pk, action=AuditEntry.Action.DELETE,
                                         object_repr__in=[s["label"] for s in act.subjects],
                                         additional_data__destroyed=True)
               .select_related("actor").order_by("timestamp", "pk"))
    return render_pdf("registry/pdf/destruction_log.html",
                      {"act": act, "organisation": organisation, "entries": list(entries)})


def destroy_due(*, on: datetime.date | None = None) -> list[DestructionAct]:
    """The daily run: everyone whose destruction date has come, in every organisation."""
    on = on or timezone.localdate()
    rows = due(Participant.objects.all(), on=on)
    return destroy([row.participant for row in rows], on=on,
                   reasons={row.participant.pk: row.reason for row in rows})
