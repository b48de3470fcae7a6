"""``load_demo``: runs the registered steps in one transaction and prints what the district holds."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from registry.demo.context import (
    DEFAULT_ORGANISATIONS,
    DEFAULT_PARTICIPANTS,
    DEFAULT_SEED,
    DemoContext,
    default_password,
    registered_steps,
    no_query_log,
)
from registry.demo.organisations import NAMED_ORGANISATIONS
from registry.models import (
    Consent,
    ConsentPurpose,
    MenteeProfile,
    MentorProfile,
    Participant,
)
from registry.signals import changes_held


def load_demo(*, organisations: int = DEFAULT_ORGANISATIONS, participants: int = DEFAULT_PARTICIPANTS,
              seed: int = DEFAULT_SEED, password: str | None = None, stdout=None) -> DemoContext:
    """Build (or complete) the demo district; returns the context with what was created."""
    if organisations < 1:
        raise ValueError("At least one organisation is needed.")
    if participants < 0:
        raise ValueError("The number of participants cannot be negative.")
    ctx = DemoContext(
        organisation_count=organisations, participants_per_organisation=participants, seed=seed,
        password=password or default_password(), stdout=stdout, today=timezone.localdate(),
    )
    from registry.audit import disable_auditlog
    from registry.notifications import without_email

    # The demo's thousands of rows are not anyone's actions: they stay out of the audit trail; its notices
    # are shown in the portal, and no letter goes to its made-up addresses.
    # Derived data (the dashboards' summaries) is brought up to date once, by the last steps, not per write.
    with transaction.atomic(), no_query_log(), disable_auditlog(), without_email(), changes_held():
        for step in registered_steps():
            step(ctx)
    print_summary(ctx)
    return ctx


def consent_state_counts(organisations, on: datetime.date) -> dict[str, int]:
    """Participants by the state of their consent to mentoring, as the registry shows it."""
    people = Participant.objects.filter(organisation__in=organisations)
    mentoring = Consent.objects.filter(participant__organisation__in=organisations, purpose=ConsentPurpose.MENTORING)
    valid_ids = mentoring.valid_on(on).values("participant_id")
    lapsed = people.filter(consents__purpose=ConsentPurpose.MENTORING).exclude(pk__in=valid_ids).distinct()
    return {
        "действует": people.filter(pk__in=valid_ids).count(),
        "отозвано": lapsed.filter(consents__revoked_on__lte=on).distinct().count(),
        "истёк срок": lapsed.filter(consents__valid_until__lt=on, consents__revoked_on__isnull=True)
        .distinct().count(),
        "нет согласия": people.exclude(consents__purpose=ConsentPurpose.MENTORING).count(),
        "подписал представитель (до 14 лет)": mentoring.filter(signed_by=Consent.SignedBy.REPRESENTATIVE).count(),
        "представитель вместе с ребёнком (14–17)": mentoring.filter(signed_by=Consent.SignedBy.BOTH).count(),
        "подписал сам участник": mentoring.filter(signed_by=Consent.SignedBy.PARTICIPANT).count(),
    }


def print_summary(ctx: DemoContext) -> None:
    say = ctx.say
    say(f"Демонстрационный район: {ctx.region} / {ctx.municipality}, текущий учебный год {ctx.current_year}.")
    made = ", ".join(f"{name} — {count}" for name, count in ctx.created.items() if count)
    say(f"Создано: {made}." if made else "Создано: ничего — всё уже было загружено.")
    if ctx.skipped_organisation_ids:
        say(f"Участники не добавлялись в {len(ctx.skipped_organisation_ids)} организаций, где они уже есть.")
    organisations = ctx.organisations
    participants = Participant.objects.filter(organisation__in=organisations)
    say(f"Всего в районе: организаций {len(organisations)}, участников {participants.count()} "
        f"(в архиве {participants.filter(is_archived=True).count()}), "
        f"наставников {MentorProfile.objects.filter(participant__organisation__in=organisations).count()}, "
        f"наставляемых {MenteeProfile.objects.filter(participant__organisation__in=organisations).count()}.")
    states = consent_state_counts(organisations, ctx.today)
    say("Согласия на участие в наставничестве: " + ", ".join(f"{k} — {v}" for k, v in states.items()) + ".")
    for organisation in organisations[:len(NAMED_ORGANISATIONS)]:
        say(f"  {organisation.short_name} — {organisation.get_kind_display()}")
    if len(organisations) > len(NAMED_ORGANISATIONS):
        say(f"  … и ещё {len(organisations) - len(NAMED_ORGANISATIONS)} школ")
    say(f"Входы (пароль: {ctx.password}; у учётных записей, созданных раньше, пароль не менялся):")
    width = max((len(login) for login, _ in ctx.logins), default=0)
    for login, description in ctx.logins:
        say(f"  {login.ljust(width)}  {description}")
