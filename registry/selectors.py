"""Registry reads the views, imports and pages call: consent texts, the home page's and the
organisations' figures, the gaps a curator has to close, and each registry page's rows.

Whatever a view shows beyond the object it reached through ``get_visible_or_404`` comes from here: a read
for a user starts from ``visible_to(scope)`` (``registry.scoping``), or from an object already reached
through the scope, or from the user's own rows."""

import datetime

from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from registry import destruction
from registry.list_counts import cached_rows
from registry.models import (
    AcademicYear,
    AuditEntry,
    Consent,
    ConsentPurpose,
    ConsentText,
    DestructionAct,
    MenteeProfile,
    MentorProfile,
    Notification,
    Organisation,
    OrganisationHeadcount,
    Participant,
    ParticipantImport,
    Partner,
    RoleAssignment,
    Topic,
)
from registry.models.consents import text_signer


def current_consent_text(*, purpose: str, signed_by: str) -> ConsentText | None:
    return ConsentText.objects.filter(purpose=purpose, signer=text_signer(signed_by), is_current=True).first()


def participants_lacking_consent(queryset, *, on: datetime.date | None = None):
    """Current participants without a valid consent to take part in mentoring on ``on``."""
    return queryset.current().with_consent_state(on).filter(has_valid_consent=False)


def organisation_summaries(organisations, *, on: datetime.date | None = None):
    """Per organisation: participants, mentors, mentees, with a valid consent — one query in all."""
    on = on or timezone.localdate()
    current = Q(participants__is_archived=False)
    valid_consent = Exists(
        Consent.objects.valid_on(on).filter(participant=OuterRef("participants"), purpose=Consent.Purpose.MENTORING)
    )
    return organisations.annotate(
        participant_count=Count("participants", filter=current, distinct=True),
        mentor_count=Count("participants", filter=current & Q(participants__mentor_profile__isnull=False), distinct=True),
        mentee_count=Count("participants", filter=current & Q(participants__mentee_profile__isnull=False), distinct=True),
        consent_count=Count("participants", filter=current & Q(valid_consent), distinct=True),
    )


def mentors_lacking_certificate(mentor_profiles):
    """Outside mentors (parents, graduates, employers, partners' staff) without the certificate on file."""
    outside = Q(participant__category__in=Participant.OUTSIDE_CATEGORIES) | Q(partner__isnull=False)
    missing = Q(certificate_date__isnull=True) | Q(certificate_file="")
    return mentor_profiles.filter(participant__is_archived=False).filter(outside & missing)


def academic_years():
    """The years a page offers to switch to, newest first."""
    return AcademicYear.objects.order_by("-start_year")


# --- the home page ----------------------------------------------------------------------------------


def visible_participants(scope):
    """The participants the scope reaches, archived too: the base of the home page's figures and lists."""
    return Participant.objects.visible_to(scope)


def people_lacking_consent(scope, *, limit: int):
    """The first ``limit`` current people of the scope without a valid consent to mentoring, by name.

    Finding them means looking at every participant of the scope (60 ms at a district's 90,000), so their
    ids are kept (``list_counts.cached_rows``) until the participants or the consents change or the day
    does; the people themselves (with ``has_any_consent``: lapsed or never given) are read fresh by those
    ids. Only ids go to the cache, never a name."""
    order = ("last_name", "first_name", "patronymic", "pk")
    lacking = participants_lacking_consent(visible_participants(scope)).order_by(*order)
    ids = cached_rows(lacking.values_list("pk", flat=True)[:limit])
    return (Participant.objects.filter(pk__in=ids).with_consent_state(among=ids).select_related("organisation")
            .order_by(*order))


def mentors_lacking_certificate_in(scope, *, limit: int):
    """The first ``limit`` outside mentors of the scope without the certificate on file."""
    return mentors_lacking_certificate(MentorProfile.objects.visible_to(scope)).select_related("participant")[:limit]


def own_organisation(scope) -> Organisation:
    """The one organisation of a single-organisation scope."""
    return Organisation.objects.visible_to(scope).get(pk=next(iter(scope.organisation_ids)))


def visible_organisations(scope):
    """The organisations the scope reaches (a queryset: the district figures group their people)."""
    return Organisation.objects.visible_to(scope)


# --- organisations ----------------------------------------------------------------------------------


def organisation_rows(scope, *, search: str = ""):
    """The scope's organisations with their municipality and ``organisation_summaries``' counts; ``search``
    in the short or the full name."""
    organisations = organisation_summaries(visible_organisations(scope).select_related("municipality"))
    if search:
        organisations = organisations.filter(Q(short_name__icontains=search) | Q(full_name__icontains=search))
    return organisations


def organisation_summary(organisation: Organisation) -> Organisation:
    """``organisation_summaries``' counts of one organisation (already reached through the scope)."""
    return organisation_summaries(Organisation.objects.filter(pk=organisation.pk)).get()


def organisation_staff(organisation: Organisation):
    """The organisation's role assignments with their users: active first, by role and surname."""
    return (RoleAssignment.objects.filter(organisation=organisation).select_related("user")
            .order_by("-is_active", "role", "user__last_name"))


def headcounts_by_year(organisation: Organisation) -> dict:
    """The organisation's head counts by academic year id."""
    return {h.academic_year_id: h for h in organisation.headcounts.all()}


def headcount(organisation: Organisation, year: AcademicYear) -> OrganisationHeadcount | None:
    """The organisation's head counts for ``year``, or None when not entered."""
    return OrganisationHeadcount.objects.filter(organisation=organisation, academic_year=year).first()


# --- participants -----------------------------------------------------------------------------------


def participant_list_rows(ids):
    """The page's people with their profiles, organisation and consent state: the count and the sort of
    the whole scope run over bare keys, the consent subqueries over these ≤ page-size rows only."""
    # Flat values, not related objects: a row shows the organisation's short name and whether each profile
    # exists (three model instances a row more cost as much as the rest of the row).
    return (Participant.objects.filter(pk__in=ids).order_by()
            .annotate(organisation_short_name=F("organisation__short_name"), mentor_profile_pk=F("mentor_profile__pk"),
                      mentee_profile_pk=F("mentee_profile__pk"))
            .with_consent_state(among=ids))


def mentee_class_names(organisation_id: int):
    """The distinct class names of the organisation's current (not archived, not anonymised) mentees."""
    return (Participant.objects.filter(organisation_id=organisation_id, is_archived=False,
                                       mentee_profile__isnull=False, anonymised_at__isnull=True)
            .exclude(class_name="").order_by().values_list("class_name", flat=True).distinct())


def participant_consents(participant: Participant) -> list:
    """The person's consents with their wording and who entered and revoked them, newest first."""
    return list(participant.consents.select_related("text", "created_by", "revoked_by").order_by("-signed_on", "-pk"))


def participant_profiles(participant: Participant) -> tuple[MentorProfile | None, MenteeProfile | None]:
    """The person's mentor and mentee profiles with their topics (None where there is none)."""
    mentor = getattr(participant, "mentor_profile", None)
    mentee = getattr(participant, "mentee_profile", None)
    if mentor is not None:
        mentor = MentorProfile.objects.prefetch_related("topics").get(pk=mentor.pk)
    if mentee is not None:
        mentee = MenteeProfile.objects.prefetch_related("topics").get(pk=mentee.pk)
    return mentor, mentee


def open_processing_stops(participant: Participant):
    """The person's processing stops still in force, with who stopped it."""
    return participant.processing_stops.open().select_related("stopped_by")


def processing_stops(participant: Participant):
    """All the person's processing stops, with who stopped and who resumed it."""
    return participant.processing_stops.select_related("stopped_by", "resumed_by")


def destruction_due_for(participant: Participant):
    """When and why the person's data fall due for destruction, however far off (``destruction.Due``), or None."""
    return next(iter(destruction.due(Participant.objects.filter(pk=participant.pk), within_days=100000)), None)


# --- consent blanks ---------------------------------------------------------------------------------


def organisation_partners(organisation_id: int):
    """The organisation's partners by name (a transfer blank for each)."""
    return Partner.objects.filter(organisation_id=organisation_id).order_by("name")


def transfer_recipients(organisation: Organisation, *, partner_id: int | None = None) -> list[Partner]:
    """Up to two of the organisation's partners (only ``partner_id`` when given): the recipient a transfer
    consent names is the one found when it is exactly one."""
    partners = Partner.objects.filter(organisation=organisation)
    if partner_id is not None:
        partners = partners.filter(pk=partner_id)
    return list(partners[:2])


def current_blank_text(*, purpose: str, signer: str) -> ConsentText | None:
    """The current wording for ``purpose`` signed as ``signer`` (a ``ConsentText.Signer``), or None."""
    return ConsentText.objects.filter(purpose=purpose, signer=signer, is_current=True).first()


def current_blank_texts(*, purpose: str) -> dict:
    """The current wordings for ``purpose`` by ``ConsentText.Signer``."""
    return {text.signer: text for text in ConsentText.objects.filter(purpose=purpose, is_current=True)}


def class_mentees(organisation: Organisation, class_name: str, *, purpose: str = ConsentPurpose.MENTORING,
                  missing_only: bool = False):
    """The mentees of a class (not archived), by name; ``missing_only``: those without a valid consent
    for ``purpose`` today."""
    people = Participant.objects.filter(organisation=organisation, class_name=class_name, is_archived=False,
                                        mentee_profile__isnull=False, anonymised_at__isnull=True)
    if missing_only:
        valid = Consent.objects.valid_on(timezone.localdate()).filter(purpose=purpose).values("participant_id")
        people = people.exclude(pk__in=valid)
    return people.select_related("organisation__municipality").order_by("last_name", "first_name", "patronymic", "pk")


# --- partners ---------------------------------------------------------------------------------------


def partner_rows(scope, *, search: str = ""):
    """The scope's partners with their organisation and how many current mentors each provides; ``search``
    in the name."""
    partners = (Partner.objects.visible_to(scope).select_related("organisation")
                .annotate(mentor_count=Count("mentors", filter=Q(mentors__participant__is_archived=False))))
    return partners.filter(name__icontains=search) if search else partners


def partner_mentors(partner: Partner):
    """The partner's mentors who are current participants, with their person."""
    return partner.mentors.select_related("participant").filter(participant__is_archived=False)


# --- personal data ----------------------------------------------------------------------------------


def history_entries(participant: Participant, *, kind: str = ""):
    """The audit entries about the person, with actor and object type; only of ``kind`` when given."""
    entries = AuditEntry.objects.filter(participant=participant).select_related("actor", "content_type")
    return entries.filter(kind=kind) if kind else entries


def destruction_due_in(organisations, *, within_days: int) -> list:
    """The organisations' people due for destruction now or within ``within_days``, soonest first."""
    return destruction.due(Participant.objects.filter(organisation__in=organisations), within_days=within_days)


def destruction_acts(organisations):
    """The organisations' acts of destruction, with organisation and who made them."""
    return DestructionAct.objects.filter(organisation__in=organisations).select_related("organisation", "made_by")


def export_log_entries(scope, organisations):
    """The export records of the scope: those of ``organisations``, and the district-wide ones of their
    municipalities for a municipal curator or a superuser."""
    municipalities = {o.municipality_id for o in organisations}
    district = sorted(municipalities) if scope.municipality_ids or scope.is_superuser else []
    return (AuditEntry.objects.visible_to(scope).filter(kind=AuditEntry.Kind.EXPORT)
            .filter(Q(organisation__in=organisations) | Q(organisation__isnull=True, municipality_id__in=district))
            .select_related("actor", "organisation", "municipality"))


# --- the vocabulary ---------------------------------------------------------------------------------


def visible_topics(scope):
    """The vocabulary entries the scope may use: the portal-wide ones and its organisations' own (all for a
    superuser)."""
    if scope.is_superuser:
        return Topic.objects.all()
    return Topic.objects.usable_in(visible_organisations(scope).values_list("pk", flat=True))


def topic_rows(scope, *, search: str = ""):
    """``visible_topics`` with their owner and how many of the scope's mentors and mentees use each;
    ``search`` in the name."""
    # Counts only over the user's own scope: other schools' people are not theirs to count.
    topics = visible_topics(scope).select_related("organisation").annotate(
        mentor_count=Count("mentors", filter=scope.q("mentors__participant__organisation"), distinct=True),
        mentee_count=Count("mentees", filter=scope.q("mentees__participant__organisation"), distinct=True),
    )
    return topics.filter(name__icontains=search) if search else topics


def visible_topic(scope, pk: int) -> Topic | None:
    """The vocabulary entry ``pk`` with its owner if the scope may use it, else None."""
    topic = Topic.objects.filter(pk=pk).select_related("organisation").first()
    return topic if topic is not None and topic in visible_topics(scope) else None


# --- imports, notices, the second factor ------------------------------------------------------------


def committed_import_of_file(organisation_id: int, sha256: str, *, exclude_pk: int | None = None):
    """The import that already put this very file (by its bytes) into the organisation's registry, or None."""
    return ParticipantImport.objects.committed_copy(organisation_id, sha256, exclude_pk=exclude_pk)


def recent_imports(scope, organisations, *, limit: int = 10):
    """The last ``limit`` imports of the scope into ``organisations``, without their stored previews."""
    return (ParticipantImport.objects.visible_to(scope).filter(organisation__in=organisations)
            .select_related("organisation", "uploaded_by").defer("preview")[:limit])


def user_notices(user, *, kind: str = "", unread_only: bool = False):
    """The user's own notices; only of ``kind`` and only unread ones when asked."""
    notices = Notification.objects.for_user(user)
    if kind:
        notices = notices.filter(kind=kind)
    return notices.unread() if unread_only else notices


def unread_notices(user, *, ids=None):
    """The user's unread notices; only those of ``ids`` when given."""
    notices = Notification.objects.for_user(user).unread()
    return notices if ids is None else notices.filter(pk__in=ids)


def user_notice(user, pk: int) -> Notification | None:
    """The user's own notice ``pk``, or None (another user's too)."""
    return Notification.objects.for_user(user).filter(pk=pk).first()


def has_confirmed_code_generator(user) -> bool:
    """Whether the user has set up and confirmed a one-time code generator."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()
