"""Step 70: the participants of the organisations that have none yet, generated chunk by chunk and
inserted with their profiles, topics, consents and the files they name, in bulk."""

from __future__ import annotations

import random

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from registry.demo.context import (
    ORGANISATION_CHUNK,
    DemoContext,
    bulk_create,
    demo_step,
    is_doubling,
    refresh_statistics,
)
from registry.demo.people import OrganisationPeople, PersonPlan
from registry.models import (
    Consent,
    ConsentPurpose,
    ConsentText,
    MenteeProfile,
    MentorProfile,
    Participant,
    Topic,
)
from registry.services import current_consent_text


@demo_step(order=70)
def build_people(ctx: DemoContext) -> None:
    """Participants with profiles and consents, for organisations that have none yet."""
    populated = set(Participant.objects.filter(organisation__in=ctx.organisations)
                    .values_list("organisation_id", flat=True).distinct())
    ctx.skipped_organisation_ids = populated
    todo = [o for o in ctx.organisations if o.pk not in populated]
    if not todo or ctx.participants_per_organisation == 0:
        return
    topics = dict(Topic.objects.values_list("name", "pk"))
    texts = consent_texts()
    for start in range(0, len(todo), ORGANISATION_CHUNK):
        chunk = todo[start:start + ORGANISATION_CHUNK]
        plans: list[PersonPlan] = []
        for organisation in chunk:
            plans.extend(OrganisationPeople(ctx, organisation).build())
        insert_people(ctx, plans, topics, texts)
        ctx.populated_organisation_ids.update(o.pk for o in chunk)
        if is_doubling(start // ORGANISATION_CHUNK + 1) or start + ORGANISATION_CHUNK >= len(todo):
            refresh_statistics(Participant, MentorProfile, MenteeProfile, Consent, MentorProfile.topics.through,
                               MenteeProfile.topics.through)
        if len(todo) > ORGANISATION_CHUNK:
            ctx.say(f"  … участники: {min(start + ORGANISATION_CHUNK, len(todo))} из {len(todo)} организаций")


def consent_texts() -> dict[tuple[str, str], ConsentText]:
    """The current wording per (purpose, signed_by), looked up once by the registry's own service."""
    texts = {}
    for purpose in (ConsentPurpose.MENTORING, ConsentPurpose.PUBLICATION):
        for signed_by in Consent.SignedBy.values:
            text = current_consent_text(purpose=purpose, signed_by=signed_by)
            if text is None:
                raise RuntimeError(f"No current consent wording for {purpose}/{signed_by}: run the migrations first.")
            texts[(purpose, signed_by)] = text
    return texts


def placeholder_pdf(*lines: str) -> bytes:
    """A one-page PDF with a few ASCII lines: the stand-in for a scanned paper."""
    text = " ".join(f"({line.replace('(', '[').replace(')', ']')}) Tj 0 -18 Td" for line in lines)
    stream = f"BT /F1 12 Tf 72 770 Td {text} ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def insert_people(ctx: DemoContext, plans: list[PersonPlan], topics: dict[str, int], texts: dict) -> None:
    bulk_create(Participant, [plan.participant for plan in plans])
    ctx.created["участников"] += len(plans)

    # Certificates and scans are files, written before the rows that name them: in the named
    # organisations one small PDF each; a generated school shares one certificate among its mentors,
    # which keeps a benchmark-sized district from writing thousands of files.
    named = {o.pk for o, s in zip(ctx.organisations, ctx.specs) if s.named}
    shared_certificates: dict[int, str] = {}
    mentors = []
    for plan in plans:
        profile = plan.mentor_profile
        if profile is None:
            continue
        participant = plan.participant
        profile.participant_id = participant.pk  # known now
        if profile.certificate_date:
            organisation_id = participant.organisation_id
            if organisation_id in named:
                profile.certificate_file = default_storage.save(
                    f"certificates/{organisation_id}/spravka-{participant.pk}.pdf",
                    ContentFile(placeholder_pdf("Nastavnik demo", "Certificate of no criminal record",
                                                f"participant #{participant.pk}, {profile.certificate_date:%d.%m.%Y}")),
                )
            else:
                if organisation_id not in shared_certificates:
                    shared_certificates[organisation_id] = default_storage.save(
                        f"certificates/{organisation_id}/spravka.pdf",
                        ContentFile(placeholder_pdf("Nastavnik demo", "Certificate of no criminal record")),
                    )
                profile.certificate_file = shared_certificates[organisation_id]
        mentors.append(profile)
    bulk_create(MentorProfile, mentors)
    ctx.created["профилей наставников"] += len(mentors)

    mentees = []
    for plan in plans:
        if plan.mentee_profile is not None:
            plan.mentee_profile.participant_id = plan.participant.pk
            mentees.append(plan.mentee_profile)
    bulk_create(MenteeProfile, mentees)
    ctx.created["профилей наставляемых"] += len(mentees)

    mentor_links = [
        MentorProfile.topics.through(mentorprofile_id=plan.mentor_profile.pk, topic_id=topics[name])
        for plan in plans if plan.mentor_profile is not None for name in plan.mentor_topics if name in topics
    ]
    mentee_links = [
        MenteeProfile.topics.through(menteeprofile_id=plan.mentee_profile.pk, topic_id=topics[name])
        for plan in plans if plan.mentee_profile is not None
        for name in dict.fromkeys(plan.mentee_topics) if name in topics
    ]
    bulk_create(MentorProfile.topics.through, mentor_links)
    bulk_create(MenteeProfile.topics.through, mentee_links)

    consents = []
    for plan in plans:
        rng = random.Random(f"{ctx.seed}/scan/{plan.participant.search_name}")
        for consent in plan.consents:
            consent.participant_id = plan.participant.pk
            consent.text_id = texts[(consent.purpose, consent.signed_by)].pk
            if plan.participant.organisation_id in named and rng.random() < 0.3:
                consent.scan = default_storage.save(
                    f"consents/{plan.participant.organisation_id}/{rng.getrandbits(128):032x}.pdf",
                    ContentFile(placeholder_pdf("Nastavnik demo", "Scanned consent",
                                                f"participant #{plan.participant.pk}, {consent.signed_on:%d.%m.%Y}")),
                )
            consents.append(consent)
    bulk_create(Consent, consents)
    ctx.created["согласий"] += len(consents)
