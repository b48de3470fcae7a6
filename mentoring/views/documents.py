"""Per-mentee documents to print and sign: the mentor–mentee agreement and the individual plan."""

from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from mentoring import orders as order_service
from mentoring import selectors
from mentoring.models import Membership, MentorLink, PlanItem
from mentoring.plan_target import plan_target_percent
from registry import audit, grammar
from registry.pdf import pdf_response, render_pdf
from registry.scoping import get_visible_or_404, read_only

# Seed 002, Положение, 5.1 and 6.1: what the mentor and the mentee undertake.
MENTOR_DUTIES = (
    ("разрабатывать индивидуальный план — комплекс мероприятий в рамках организации работы наставнической "
     "пары/группы;"),
    "участвовать в реализации Дорожной карты в рамках компетенции;",
    "регулярно посещать образовательные события, организованные в рамках обучения наставников;",
    "оказывать всестороннюю помощь и поддержку наставляемому;",
    "предоставлять результаты наставнической работы по запросу куратора;",
    ("способствовать развитию информационного освещения реализации системы наставничества в образовательной "
     "организации;"),
    "внимательно и уважительно относиться к наставляемому.",
)
MENTEE_DUTIES = (
    "регулярно посещать встречи, образовательные события в соответствии с индивидуальным планом;",
    "выполнять своевременно и качественно задачи, поставленные наставником;",
    "внимательно и уважительно относиться к наставнику и другим участникам наставнической группы.",
)

BLANK_NAME = "_" * 30


def _membership(request, pk):
    return get_visible_or_404(
        Membership.objects.select_related(
            "mentee__participant", "pair__programme__organisation__municipality", "pair__programme__form",
            "pair__programme__academic_year",
        ).prefetch_related(
            Prefetch("pair__mentor_links", queryset=MentorLink.objects.select_related("mentor__participant")),
            "plan_items",
        ), request, pk=pk)


def _mentor_link(membership: Membership):
    """The current mentor; for a pair that has ended, the last one."""
    links = list(membership.pair.mentor_links.all())
    current = next((link for link in links if link.ended_on is None), None)
    return current or (links[-1] if links else None)


def _representative(person, on):
    """Who signs for a minor: the representative of the latest valid mentoring consent, if any."""
    today = timezone.localdate()
    for day in dict.fromkeys((today, on)):
        consent = selectors.representative_consent(person, on=day)
        if consent is not None:
            representative = grammar.Person.parse(consent.representative_name)
            return {"name": representative.full, "person": representative, "short": representative.signature,
                    "relation": consent.get_representative_relation_display().lower()
                    if consent.representative_relation else ""}
    return {"name": "", "person": None, "short": "", "relation": ""}


def _party(person, on, role: str):
    """A side of the agreement; ``role`` («наставляемый») and «несовершеннолетний» agree with the person."""
    minor = person.is_minor_on(on)
    gender = grammar.Person.of(person).resolved_gender
    return {
        "person": person,
        "line": order_service.participant_line(person),
        "role": grammar.agree(role, gender) if role != "наставник" else role,
        "minor": minor,
        "minor_word": grammar.agree("несовершеннолетний", gender),
        "representative": _representative(person, on) if minor else None,
    }


def _record(request, title: str, membership: Membership, link) -> None:
    """The document names the mentee and the mentor: its download is in each one's trail and in the
    export log, as any other download of a person's data."""
    people = [membership.mentee.participant] + ([link.mentor.participant] if link else [])
    for person in people:
        audit.record_export(title=title, rows=None, scope=request.scope, organisation_id=person.organisation_id,
                            instance=person)


def _filename(kind: str, person) -> str:
    return f"{kind}_{grammar.Person.of(person).in_filename}.pdf"


@read_only
def agreement_pdf(request, pk):
    membership = _membership(request, pk)
    pair = membership.pair
    if pair.status in (pair.Status.PROPOSED, pair.Status.REJECTED):
        # A proposal is not a pair yet: there is nobody to agree with.
        raise Http404
    link = _mentor_link(membership)
    if link is None:
        raise Http404
    programme = pair.programme
    on = max(filter(None, (membership.joined_on, link.started_on, pair.started_on)))
    end = membership.left_on or pair.ended_on or pair.planned_end_on or programme.ends_on
    mentor = _party(link.mentor.participant, on, "наставник")
    mentee = _party(membership.mentee.participant, on, "наставляемый")
    pdf = render_pdf("mentoring/pdf/agreement.html", {
        "organisation": programme.organisation, "programme": programme, "pair": pair, "membership": membership,
        "programme_phrase": order_service.programme_phrase(programme),
        "mentor": mentor, "mentee": mentee, "date_text": grammar.date_words(on),
        "term": order_service.term(on, end), "mentor_duties": MENTOR_DUTIES, "mentee_duties": MENTEE_DUTIES,
        "blank_name": BLANK_NAME, "generated_on": timezone.localdate(),
    }, request=request)
    _record(request, _("Соглашение между наставником и наставляемым"), membership, link)
    return pdf_response(pdf, _filename("Соглашение", membership.mentee.participant))


@read_only
def plan_pdf(request, pk):
    membership = _membership(request, pk)
    pair = membership.pair
    programme = pair.programme
    link = _mentor_link(membership)
    items = list(selectors.plan_items(membership))
    counted = [item for item in items if item.status != PlanItem.Status.CANCELLED]
    done = sum(item.status == PlanItem.Status.DONE for item in counted)
    approval = selectors.plan_approval(pair)
    start = max(filter(None, (membership.joined_on, pair.started_on)), default=None)
    completion = membership.plan_completion()
    target = plan_target_percent(programme.organisation, programme.academic_year)
    pdf = render_pdf("mentoring/pdf/plan.html", {
        "organisation": programme.organisation, "programme": programme, "pair": pair, "membership": membership,
        "programme_name": programme.title or f"по форме «{programme.form}», {programme.academic_year} учебный год",
        "mentee": membership.mentee.participant,
        "mentee_line": order_service.participant_line(membership.mentee.participant),
        "mentor": link.mentor.participant if link else None,
        "mentor_line": order_service.participant_line(link.mentor.participant) if link else "",
        "items": items, "done": done, "counted": len(counted), "completion": completion,
        "target": target, "reached": completion >= target,
        "term": order_service.term(start, membership.left_on or pair.ended_on or pair.planned_end_on),
        "approval": approval, "generated_on": timezone.localdate(),
        "approval_reference": grammar.reference(approval.issued_on, approval.number) if approval else "",
    }, request=request)
    _record(request, _("Индивидуальный план развития"), membership, link)
    return pdf_response(pdf, _filename("Индивидуальный_план", membership.mentee.participant))
