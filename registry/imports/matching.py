"""What a row of a participant file does to the organisation's registry, and doing it.

A row whose person is already in the organisation — the same normalised full name and birth date, as
``ParticipantQuerySet.duplicates_of`` compares them — updates that person: a filled cell replaces what
the registry holds, an empty one changes nothing. ``match_registry`` gives every row its status (NEW,
CHANGED with each change old → new, or UNCHANGED); the preview shows it, the commit checks that it
still holds and ``apply_changes`` makes exactly the changes listed. Nothing is taken away: a role the
file leaves empty stays, and a consent is only ever added, through ``registry.services.record_consent``,
so that the processing rules (``registry.processing.reconcile``) run as when it is typed in by hand.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from registry import grammar
from registry.imports.columns import COLUMN_TITLES, DUPLICATE_CHUNK, PERSON_COLUMNS, ROLE_LABELS, ROLE_MENTEE, ROLE_MENTOR
from registry.imports.preview import CHANGED, NEW, UNCHANGED, Change, ImportRow
from registry.models import Consent, ConsentPurpose, MenteeProfile, MentorProfile, Participant
from registry.models.people import normalise_class_name
from registry.services import record_consent

#: The person's own fields a file may change (the name and birth date are what finds the person).
UPDATED_FIELDS = ("category", "class_name", "position", "phone", "email")
PROFILES = {ROLE_MENTOR: ("mentor_profile", MentorProfile), ROLE_MENTEE: ("mentee_profile", MenteeProfile)}
#: The order roles are named in: «наставляемый, наставник».
ROLE_ORDER = (ROLE_MENTEE, ROLE_MENTOR)
NOTHING = "—"


@dataclass
class Existing:
    """A person of the registry as the comparison needs them, loaded for a chunk of rows at once."""

    person: Participant
    #: Topic ids and names of each profile the person has, by role.
    topics: dict[str, dict[int, str]] = field(default_factory=dict)
    #: (purpose, signed_on, revoked_on, valid_until) of every consent, oldest first.
    consents: list[tuple] = field(default_factory=list)

    def profile(self, role: str):
        return getattr(self.person, PROFILES[role][0], None)


def match_registry(rows: list[ImportRow], organisation) -> None:
    """Each row's status, and the errors about the registry: the person archived, or there twice.

    Asked for a chunk of rows at once (OR-ing one ``duplicates_of`` per row cost seconds of query
    building for a full file), in a constant number of queries per chunk; a test holds the answers to
    ``duplicates_of``'s.
    """
    keyed = [row for row in rows if row.duplicate_key is not None]
    for start in range(0, len(keyed), DUPLICATE_CHUNK):
        chunk = keyed[start:start + DUPLICATE_CHUNK]
        found = _load(organisation, {row.duplicate_key[0] for row in chunk})
        for row in chunk:
            people = found.get(row.duplicate_key, [])
            current = [existing for existing in people if not existing.person.is_archived]
            if people and not current:
                row.add_error(_("Этот человек уже есть в реестре организации (совпадают ФИО и дата рождения) — "
                                "в архиве. Верните его из архива вместо повторной загрузки."), *PERSON_COLUMNS)
            elif len(current) > 1:
                row.add_error(_("В реестре организации несколько человек с такими ФИО и датой рождения: исправьте "
                                "реестр, чтобы было понятно, кого обновлять."), *PERSON_COLUMNS)
            elif current:
                row.match_id = current[0].person.pk
                row.changes = changes(row, current[0])
                if _stopped_without_new_consent(row, current[0]):
                    row.add_error(STOPPED, *PERSON_COLUMNS)
    for row in rows:
        if not row.errors:
            row.status = NEW if row.match_id is None else CHANGED if row.changes else UNCHANGED


STOPPED = _("Согласие этого человека на обработку персональных данных отозвано или истекло: обработка его "
            "данных остановлена. Обновить его сведения можно только вместе с новым согласием (колонки согласия).")


def _stopped_without_new_consent(row: ImportRow, existing: Existing) -> bool:
    """The row would change the data of someone whose mentoring consent was revoked or expired (processing
    stopped, 152-ФЗ art. 21) and brings no new consent valid today: refused, as the page refuses it."""
    if not any(change.field != "consent" for change in row.changes):
        return False
    today = timezone.localdate()
    signed = [Consent(purpose=purpose, signed_on=signed_on, revoked_on=revoked, valid_until=until)
              for purpose, signed_on, revoked, until in existing.consents
              if purpose == ConsentPurpose.MENTORING and signed_on <= today]
    # The model's rule of validity, on unsaved copies of the consents already read (no query).
    if not signed or any(consent.is_valid_on(today) for consent in signed):
        return False
    consent = row.consent
    return not (consent is not None and consent.purpose == ConsentPurpose.MENTORING and consent.is_valid_on(today))


def _load(organisation, names: set[str]) -> dict[tuple, list[Existing]]:
    people = (Participant.objects.filter(organisation_id=organisation.pk, search_name__in=names)
              .select_related("mentor_profile", "mentee_profile"))
    found: dict[tuple, list[Existing]] = defaultdict(list)
    current: dict[int, Existing] = {}
    for person in people:
        existing = Existing(person)
        found[person.search_name, person.birth_date].append(existing)
        if not person.is_archived:
            current[person.pk] = existing
    for role, (_name, model) in PROFILES.items():
        owners = {existing.profile(role).pk: existing for existing in current.values() if existing.profile(role)}
        for existing in owners.values():
            existing.topics[role] = {}
        if owners:
            through = model.topics.through
            owner = f"{model._meta.model_name}_id"
            for profile_id, topic_id, name in through.objects.filter(**{f"{owner}__in": list(owners)}).values_list(
                    owner, "topic_id", "topic__name"):
                owners[profile_id].topics[role][topic_id] = name
    if current:
        for participant_id, *consent in Consent.objects.filter(participant_id__in=list(current)).order_by(
                "signed_on", "pk").values_list("participant_id", "purpose", "signed_on", "revoked_on", "valid_until"):
            current[participant_id].consents.append(tuple(consent))
    return found


# --- the changes ------------------------------------------------------------------------------------


def _shown(name: str, value) -> str:
    if name == "category" and value:
        return str(Participant.Category(value).label)
    return value or NOTHING


def changes(row: ImportRow, existing: Existing) -> list[Change]:
    """What the row changes for the person, in the order of the template's columns."""
    found = []
    person, given = existing.person, row.participant
    for name in UPDATED_FIELDS:
        value = getattr(given, name)
        if name == "class_name":
            value = normalise_class_name(value)
        if value and value != getattr(person, name):
            found.append(Change(name, COLUMN_TITLES[name], _shown(name, getattr(person, name)), _shown(name, value)))

    held = [role for role in ROLE_ORDER if existing.profile(role) is not None]
    for role in ROLE_ORDER:
        if role not in row.roles:
            continue
        if role not in held:
            after = [other for other in ROLE_ORDER if other in held or other == role]
            found.append(Change(role, _("Роль"), ", ".join(ROLE_LABELS[r] for r in held) or NOTHING,
                                ", ".join(ROLE_LABELS[r] for r in after)))
        topics_now = existing.topics.get(role, {})
        if row.topics and {topic.pk for topic in row.topics} != set(topics_now):
            found.append(Change(f"{role}_topics", _("Компетенции") if role == ROLE_MENTOR else _("Запросы"),
                                "; ".join(sorted(topics_now.values(), key=str.lower)) or NOTHING,
                                "; ".join(topic.name for topic in row.topics)))
        profile = existing.profile(role)
        if role == ROLE_MENTOR and row.capacity and (profile is None or profile.capacity != row.capacity):
            found.append(Change("capacity", COLUMN_TITLES["capacity"],
                                str(profile.capacity) if profile is not None else NOTHING, str(row.capacity)))

    consent = row.consent
    if consent is not None:
        same = [c for c in existing.consents if c[0] == consent.purpose]
        if not any(signed_on == consent.signed_on for _purpose, signed_on, *_rest in same):
            found.append(Change("consent", _("Согласие «%(purpose)s»") % {"purpose": consent.get_purpose_display()},
                                _consent_shown(*same[-1][1:]) if same else NOTHING, describe_consent(consent)))
    return found


def _consent_shown(signed_on, revoked_on, valid_until) -> str:
    text = _("от %(date)s") % {"date": f"{signed_on:%d.%m.%Y}"}
    if revoked_on:
        return _("%(consent)s, отозвано %(date)s") % {"consent": text, "date": f"{revoked_on:%d.%m.%Y}"}
    if valid_until:
        return _("%(consent)s, действует до %(date)s") % {"consent": text, "date": f"{valid_until:%d.%m.%Y}"}
    return text


def describe_consent(consent: Consent) -> str:
    """«от 01.09.2025, подписала Иванова Анна Сергеевна (мать)»."""
    text = _consent_shown(consent.signed_on, None, None)
    if consent.representative_name:
        verb = grammar.by_gender(grammar.Person.parse(consent.representative_name), _("подписал"), _("подписала"))
        return _("%(consent)s, %(verb)s %(name)s (%(relation)s)") % {
            "consent": text, "verb": verb, "name": consent.representative_name,
            "relation": str(consent.get_representative_relation_display()).lower()}
    return text


# --- making them ------------------------------------------------------------------------------------


def record_row_consent(row: ImportRow, person: Participant, *, by) -> Consent:
    """The row's consent, stored for ``person`` by the consent service (its checks, then reconcile)."""
    consent = row.consent
    return record_consent(
        participant=person, by=by, purpose=consent.purpose, signed_by=consent.signed_by, signed_on=consent.signed_on,
        text=consent.text, representative_name=consent.representative_name,
        representative_relation=consent.representative_relation,
        representative_document=consent.representative_document)


def apply_changes(row: ImportRow, person: Participant, *, by) -> None:
    """Make the row's changes (``row.changes``, as the preview listed them) to ``person``. The
    person's own fields are saved with ``save`` so that the audit trail has them field by field."""
    fields = [change.field for change in row.changes if change.field in UPDATED_FIELDS]
    for name in fields:
        setattr(person, name, getattr(row.participant, name))
    if fields:
        person.save(update_fields=[*fields, "search_name", "updated_at"])
    done = {change.field for change in row.changes}
    for role, (attribute, model) in PROFILES.items():
        if role in done:
            profile = model.objects.create(participant=person, **(
                {"capacity": row.capacity} if role == ROLE_MENTOR and row.capacity else {}))
            profile.topics.set(row.topics)
            continue
        profile = getattr(person, attribute, None)
        if f"{role}_topics" in done:
            profile.topics.set(row.topics)
        if role == ROLE_MENTOR and "capacity" in done:
            profile.capacity = row.capacity
            profile.save(update_fields=["capacity"])
    if "consent" in done:
        record_row_consent(row, person, by=by)
