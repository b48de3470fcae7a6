"""Demo data of mentoring: programmes, pairs found by the real matching, meetings, plans, history.

Runs after the registry's steps and only for organisations that got their people in this run, so a
second ``load_demo`` adds nothing. Pairs come from the portal's own matching (``matching.propose``, fed by
``demo_pairs.OrganisationPool`` with what ``proposals.proposal_for`` would read, each organisation's people
read once), most proposals are then confirmed; some stay proposed so the curator sees the workflow. The
mentor replacements and early ends go through the services (``services.replace_mentor``, ``close_pair``).
"""

from __future__ import annotations

import datetime

from django.db.models import Count

from mentoring import matching, proposals, selectors, services
from mentoring.demo_pairs import OrganisationPool
from mentoring.models import (
    Meeting,
    Membership,
    MentoringForm,
    MentorLink,
    Order,
    Pair,
    PlanItem,
    Preference,
    Programme,
    Support,
)
from registry.demo import DemoContext, demo_step, is_doubling, refresh_statistics
from registry.demo.context import bulk_create
from registry.models import MentorProfile, Organisation, Topic
from registry.signals import announce_change

FORMS_BY_KIND = {
    Organisation.Kind.SCHOOL: ("учитель – ученик", "ученик – ученик", "учитель – учитель", "работодатель – ученик"),
    Organisation.Kind.COLLEGE: ("студент – студент", "преподаватель – преподаватель", "работодатель – студент"),
    Organisation.Kind.CENTRE: ("учитель – учитель", "учитель – ученик"),
}

GOALS = {
    "учитель – ученик": "Раскрытие потенциала обучающихся, поддержка в учёбе и в выборе профессии.",
    "ученик – ученик": "Адаптация новых учеников, помощь в учёбе и проектах силами старшеклассников.",
    "учитель – учитель": "Закрепление молодых специалистов в профессии, рост методического мастерства.",
    "работодатель – ученик": "Знакомство школьников с профессиями и предприятиями района.",
    "студент – студент": "Адаптация первокурсников, помощь в освоении профессии.",
    "преподаватель – преподаватель": "Поддержка молодых преподавателей колледжа.",
    "работодатель – студент": "Практико-ориентированное обучение студентов на предприятиях-партнёрах.",
}

# The day of the demo's mentor replacements, before today: the service checks everyone's consent on it.
HISTORY_DAYS_AGO = datetime.timedelta(days=5)

FIRST_MEETINGS = [(Meeting.Kind.INTRODUCTION, "Знакомство, ожидания от программы"),
                  (Meeting.Kind.TRIAL, "Пробная совместная работа"),
                  (Meeting.Kind.PLANNING, "Составление индивидуального плана")]
MEETING_TOPICS = ["Разбор трудных задач", "Подготовка к конкурсу", "Обсуждение прочитанного",
                  "Экскурсия на предприятие", "Подготовка проекта", "Промежуточные итоги"]
PLAN_GOALS = [("Улучшить успеваемость по математике", "Еженедельные занятия, разбор домашних заданий"),
              ("Подготовить проект к школьной конференции", "Выбор темы, сбор материала, репетиция выступления"),
              ("Определиться с профилем обучения", "Профориентационные тесты, беседы, экскурсия"),
              ("Освоить новую методику урока", "Посещение уроков наставника, открытый урок"),
              ("Войти в коллектив класса", "Участие в классных делах, совместные мероприятия"),
              ("Подготовиться к олимпиаде", "Решение заданий прошлых лет, пробный тур")]


@demo_step(order=100)
def build_mentoring(ctx: DemoContext) -> None:
    forms = {form.name: form for form in MentoringForm.objects.all()}
    topic_names = dict(Topic.objects.values_list("pk", "name"))
    history_on = ctx.today - HISTORY_DAYS_AGO
    done = 0
    for organisation in ctx.organisations:
        if organisation.pk not in ctx.populated_organisation_ids:
            continue
        done += 1
        if is_doubling(done):  # the services of ``_history`` read pairs made so far: plans that fit the tables
            refresh_statistics(Programme, Preference, Pair, MentorLink, Membership, Meeting, PlanItem)
        rng = ctx.rng("mentoring", organisation.short_name)
        year = ctx.current_year
        curator = ctx.curators.get(organisation.pk)
        # The organisation's people, read once; each programme's matching works from them in memory.
        pool = OrganisationPool(organisation, on=ctx.today, history_on=history_on, topic_names=topic_names)
        later = Later()
        for index, name in enumerate(FORMS_BY_KIND.get(organisation.kind, ())):
            programme = Programme.objects.create(
                organisation=organisation, academic_year=year, form=forms[name],
                title=f"Программа наставничества «{name}»", goals=GOALS[name],
                tasks="Сформировать пары, составить индивидуальные планы, провести встречи по плану.",
                expected_results="Индивидуальные планы выполнены не менее чем на 90%; участники удовлетворены.",
                starts_on=year.starts_on.replace(month=10, day=1), ends_on=datetime.date(year.start_year + 1, 5, 31),
            )
            ctx.created["программ наставничества"] += 1
            if curator:
                programme.responsible.add(curator)
            wishes = _preferences(ctx, programme, rng, pool)
            # The portal's own matching («Подобрать пары»), its proposals written as the curator left them.
            proposal, data = pool.proposal(programme, wishes)
            rows = proposals.proposed_rows(programme, proposal, by=curator, on=ctx.today)
            ctx.created["предложений пар"] += len(rows)
            # The first programme of the first organisation keeps a few proposals unconfirmed.
            first = organisation.pk == ctx.organisations[0].pk and index == 0
            keep_proposed = 3 if first else 0
            # …and one of its pairs has not met for over a month, so its curator finds that among her notices.
            _confirm(ctx, programme, rows, data, keep_proposed, rng, pool, later, keep_quiet=1 if first else 0)
        later.write()
        announce_change(Pair, organisation.pk)  # written in bulk
    _room_for_proposals(ctx)


def _room_for_proposals(ctx: DemoContext) -> None:
    """The proposals left for the curator must be confirmable. Proposals hold no places, so the later
    programmes' matching and the demo's mentor replacement may have filled their mentors meanwhile; such a
    mentor agreed to take the proposed mentees too (capacity raised), or «Подтвердить» would only refuse."""
    kept = Membership.objects.filter(
        pair__status=Pair.Status.PROPOSED, pair__programme__academic_year=ctx.current_year,
        pair__programme__organisation_id__in=ctx.populated_organisation_ids, left_on__isnull=True,
        pair__mentor_links__ended_on__isnull=True,
    ).values("pair__mentor_links__mentor_id").annotate(n=Count("pk"))
    wanted = {row["pair__mentor_links__mentor_id"]: row["n"] for row in kept}
    load = selectors.mentor_load(wanted)
    for mentor in MentorProfile.objects.filter(pk__in=wanted):
        needed = load.get(mentor.pk, 0) + wanted[mentor.pk]
        if mentor.capacity < needed:
            mentor.capacity = needed
            mentor.save(update_fields=["capacity"])


def _preferences(ctx: DemoContext, programme: Programme, rng, pool: OrganisationPool) -> matching.Wishes:
    """A few wishes from the networking meeting, so matching has them to weigh: among the form's first twelve
    mentees and mentors (by category and registration, ``OrganisationPool.registered``)."""
    mentees = [m.pk for m in pool.form_mentees(programme, registered=True)[:12]]
    mentors = [m.pk for m in pool.form_mentors(programme, registered=True)[:12]]
    if not mentees or not mentors:
        return matching.Wishes()
    rows = {}
    for mentee in mentees[:6]:
        for rank, mentor in enumerate(rng.sample(mentors, min(2, len(mentors))), start=1):
            rows[("mentee", mentee, mentor)] = rank
    for mentor in mentors[:3]:
        rows[("mentor", rng.choice(mentees), mentor)] = 1
    bulk_create(Preference, [Preference(programme=programme, side=side, mentee_id=mentee, mentor_id=mentor, rank=rank)
                             for (side, mentee, mentor), rank in rows.items()])
    ctx.created["предпочтений после нетворкинга"] += len(rows)
    return matching.Wishes.from_rows((side, mentee, mentor, rank) for (side, mentee, mentor), rank in rows.items())


class Later:
    """An organisation's meetings, their attendees and plan items, inserted together once its programmes are
    matched (in the order they were made: nothing in between reads them)."""

    def __init__(self):
        self.meetings: list[tuple[Meeting, list[int]]] = []
        self.plan_items: list[PlanItem] = []

    def write(self) -> None:
        created = bulk_create(Meeting, [meeting for meeting, _ in self.meetings])
        through = Meeting.attendees.through
        bulk_create(through, [through(meeting_id=meeting.pk, participant_id=pid)
                              for meeting, (_, ids) in zip(created, self.meetings) for pid in ids])
        bulk_create(PlanItem, self.plan_items)


def _confirm(ctx: DemoContext, programme: Programme, rows, data, keep_proposed: int, rng, pool: OrganisationPool,
             later: Later, keep_quiet: int = 0) -> None:
    """Confirm all but the first ``keep_proposed`` proposals, dated after their people's consents, with their
    meetings and plans (inserted with the organisation's, ``Later``)."""
    person = {("mentor", m.id): m.participant_id for m in data.mentors}
    person.update({("mentee", m.id): m.participant_id for m in data.mentees})
    people = [[person["mentor", link.mentor_id], person["mentee", membership.mentee_id]]
              for _pair, link, membership in rows]
    to_confirm = rows[keep_proposed:]
    signed = pool.latest_consent
    meetings, plan_items = len(later.meetings), len(later.plan_items)
    today = ctx.today
    for position, ((pair, link, membership), ids) in enumerate(zip(to_confirm, people[keep_proposed:])):
        # A pair starts once every consent was on file; most began in October.
        earliest = max([signed.get(pid, today) for pid in ids] + [programme.starts_on])
        start = min(today, earliest + datetime.timedelta(days=rng.randint(0, 20)))
        pair.status = Pair.Status.ACTIVE if (today - start).days > 10 else Pair.Status.FORMING
        pair.started_on = link.started_on = membership.joined_on = start
        pool.take(link.mentor_id)
        quiet = rng.random() < 0.1 or position < keep_quiet
        day, first = start, list(FIRST_MEETINGS)
        limit = today - datetime.timedelta(days=35 if quiet else 0)
        while day <= limit:
            kind, topic = first.pop(0) if first else (Meeting.Kind.REGULAR, rng.choice(MEETING_TOPICS))
            meeting = Meeting(programme=programme, pair=pair, kind=kind, held_on=day,
                              format=Meeting.Format.REMOTE if rng.random() < 0.2 else Meeting.Format.IN_PERSON,
                              topic=topic, note="Встреча проведена по плану.",
                              mentee_feedback=rng.choice(["", "Было полезно", "Интересно, хочу продолжать"]))
            later.meetings.append((meeting, ids))
            day += datetime.timedelta(days=rng.randint(7, 18))
        for position, (goal, action) in enumerate(rng.sample(PLAN_GOALS, rng.randint(2, 4)), start=1):
            due = start + datetime.timedelta(days=30 * position)
            status = (PlanItem.Status.DONE if due < today and rng.random() < 0.8
                      else PlanItem.Status.IN_PROGRESS if due < today + datetime.timedelta(days=30)
                      else PlanItem.Status.PLANNED)
            later.plan_items.append(PlanItem(membership=membership, goal=goal, action=action, due_on=due,
                                             status=status, position=position,
                                             evidence="Отметка куратора" if status == PlanItem.Status.DONE else ""))
    for model, objects in zip((Pair, MentorLink, Membership), zip(*rows)):  # ``proposals.write_rows``, faster
        bulk_create(model, list(objects))
    ctx.created["пар и групп в работе"] += len(to_confirm)
    ctx.created["встреч"] += len(later.meetings) - meetings
    ctx.created["пунктов индивидуальных планов"] += len(later.plan_items) - plan_items
    _history(ctx, programme, [(pair, link.mentor_id, membership.mentee_id) for pair, link, membership in to_confirm],
             pool)


def _history(ctx: DemoContext, programme: Programme, pairs: list[tuple[Pair, int, int]],
             pool: OrganisationPool) -> None:
    """One mentor replaced on the mentee's request and one pair ended early: history to look at.
    ``pairs``: the confirmed pairs (one mentee each, as matching proposes them) with their mentor and mentee."""
    active = [row for row in pairs if row[0].status == Pair.Status.ACTIVE]
    if len(active) < 3:
        return
    replaced, replaced_mentor, mentee_id = active[0]
    # The first twenty other mentors of the form (by category and registration, ``OrganisationPool.registered``).
    spare = [m for m in pool.form_mentors(programme, registered=True) if m.pk != replaced_mentor][:20]
    # Those the service would surely refuse — no free place, no valid consent, the mentee themself, no
    # certificate for a child — are skipped before trying (the same rules, from the pool, instead of a
    # refused transaction each); the service checks every rule of the others.
    on = ctx.today - HISTORY_DAYS_AGO
    consenting = pool.consenting_on[on]
    mentee = pool.mentee(mentee_id).participant
    for mentor in spare if mentee.pk in consenting else ():
        if (pool.load.get(mentor.pk, 0) + 1 > mentor.capacity or mentor.participant_id not in consenting
                or mentor.participant_id == mentee.pk or mentor.lacks_certificate and mentee.is_minor_on(on)):
            continue
        try:
            services.replace_mentor(replaced, new_mentor=mentor, on=on,
                                    reason="Ходатайство наставляемого: не сложился личный контакт",
                                    on_mentee_request=True)
        except services.PairRuleError:
            continue
        pool.release(replaced_mentor)
        pool.take(mentor.pk)
        ctx.created["замен наставника"] += 1
        break
    ended, ended_mentor = active[1][0], active[1][1]
    services.close_pair(ended, status=Pair.Status.ENDED_EARLY, on=ctx.today - datetime.timedelta(days=3),
                        reason="Наставляемый перевёлся в другую школу")
    pool.release(ended_mentor)
    ctx.created["пар, прекращённых досрочно"] += 1



SUPPORT = [
    (Support.Kind.PSYCHOLOGIST, "педагог-психолог", "Беседа о школьной тревожности; упражнения на самооценку."),
    (Support.Kind.CONSULTATION, "социальный педагог", "Консультация с родителями: как поддержать ребёнка, пока идёт подбор."),
    (Support.Kind.SEARCH, "куратор программы", "Предложена кандидатура наставника из 10 класса; знакомство на нетворкинге."),
    (Support.Kind.CLASS_TEACHER, "классный руководитель", "Включён в проектную группу класса."),
]


@demo_step(order=105)
def build_support(ctx: DemoContext) -> None:
    """Support for some of the mentees matching left without a pair (seed 003), in the first schools:
    a few sessions and steps of the search each, some long ago, so the list has something to sort."""
    rows = []
    for organisation in ctx.organisations[:3]:
        if organisation.pk not in ctx.populated_organisation_ids:
            continue
        rng = ctx.rng("support", organisation.short_name)
        curator = ctx.curators.get(organisation.pk)
        for programme in Programme.objects.filter(organisation=organisation, academic_year=ctx.current_year):
            unpaired = [mentee for mentee, _reason in selectors.unpaired_mentees(programme, on=ctx.today)]
            consenting = selectors.participants_with_valid_consent([m.participant_id for m in unpaired], ctx.today)
            waiting = [mentee for mentee in unpaired if mentee.participant_id in consenting]
            for mentee in waiting[: max(1, 2 * len(waiting) // 3)]:
                for _session in range(rng.randint(1, 3)):
                    kind, who, note = rng.choice(SUPPORT)
                    rows.append(Support(mentee=mentee, programme=programme, kind=kind, given_by=who, note=note,
                                        given_on=ctx.today - datetime.timedelta(days=rng.randint(1, 60)),
                                        created_by=curator))
    Support.objects.bulk_create(rows)
    ctx.created["записей о сопровождении без пары"] += len(rows)


def _pairs_to_order(organisation, year) -> list[int]:
    """The open pairs an order may name today: none with a person whose consent has lapsed since the pair
    began (a consent revoked last week stops the processing at step 900; the order would refuse the pair)."""
    from registry.models import Participant
    from registry.processing import allowed_among

    pairs = Pair.objects.filter(programme__organisation=organisation, programme__academic_year=year,
                                status__in=Pair.OPEN_STATUSES)
    people_of = {}
    for pair_id, person in Membership.objects.filter(pair__in=pairs, left_on__isnull=True).values_list(
            "pair_id", "mentee__participant_id"):
        people_of.setdefault(pair_id, set()).add(person)
    for pair_id, person in MentorLink.objects.filter(pair__in=pairs, ended_on__isnull=True).values_list(
            "pair_id", "mentor__participant_id"):
        people_of.setdefault(pair_id, set()).add(person)
    everyone = {person for group in people_of.values() for person in group}
    allowed = set(allowed_among(Participant.objects.filter(pk__in=everyone)).values_list("pk", flat=True))
    return [pk for pk in pairs.values_list("pk", flat=True) if people_of.get(pk, set()) <= allowed]


@demo_step(order=110)
def build_orders(ctx: DemoContext) -> None:
    """The orders register of the named organisations: the founding order and the pairs order signed,
    a plans order left as a draft for the director; only the two demo curators' schools have signed ones,
    the others' wait as drafts. No PDF is stored at signing (seconds each): a signed order prints its frozen
    content when it is opened, the same text."""
    from functools import partial

    from mentoring.orders import prepare_order
    from mentoring.orders import sign_order as sign_storing

    sign_order = partial(sign_storing, store_pdf=False)
    from registry.models import RoleAssignment
    from registry.scoping import Role

    year = ctx.current_year
    # The municipality's register (seed 000, item 1.1): the municipal curator appointed, entered as signed by
    # the head of the education authority; «2» approves the district roadmap (roadmaps.demo).
    municipal = ctx.users.get("municipal")
    if municipal is not None and not Order.objects.filter(municipality=ctx.municipality, academic_year=year).exists():
        appointing = prepare_order(organisation=ctx.municipality, academic_year=year,
                                   kind=Order.Kind.MUNICIPAL_CURATOR, number="1", issued_on=year.starts_on, by=municipal)
        sign_order(appointing, by=municipal)
        ctx.created["приказов"] += 1
    for index, organisation in enumerate(ctx.organisations[:5]):
        if organisation.pk not in ctx.populated_organisation_ids:
            continue
        sign = sign_order if index < 2 else (lambda order, by: order)
        curator = ctx.curators.get(organisation.pk)
        director = (RoleAssignment.objects.filter(organisation=organisation, role=Role.DIRECTOR, is_active=True)
                    .select_related("user").first())
        signer = director.user if director else curator
        appointing = prepare_order(organisation=organisation, academic_year=year, kind=Order.Kind.CURATOR,
                                   number="1-н", issued_on=year.starts_on, by=curator)
        sign(appointing, by=signer)
        # Signed by ``sign_founding_orders`` once roadmaps.demo has drawn up the roadmap its appendix 2 prints.
        prepare_order(organisation=organisation, academic_year=year, kind=Order.Kind.ORGANISATION,
                      number="2-н", issued_on=year.starts_on.replace(day=2), by=curator)
        # «3-н» is the order approving the roadmap, issued when roadmaps.demo approves it (ROADMAP_ORDER_NUMBER).
        ctx.created["приказов"] += 2
        pairs = _pairs_to_order(organisation, year)
        if pairs:
            fixing = prepare_order(organisation=organisation, academic_year=year, kind=Order.Kind.PAIRS,
                                   number="4-н", issued_on=min(ctx.today, year.starts_on.replace(month=11, day=10)),
                                   pairs=pairs, by=curator)
            sign(fixing, by=signer)
            prepare_order(organisation=organisation, academic_year=year, kind=Order.Kind.PLANS, number="5-н",
                          issued_on=ctx.today, pairs=pairs, by=curator)
            ctx.created["приказов"] += 2
        # The final event of the year, planned for May: a draft the curator prepared early.
        prepare_order(organisation=organisation, academic_year=year, kind=Order.Kind.FINAL_EVENT, number="6-н",
                      issued_on=ctx.today, by=curator,
                      details={"held_on": year.ends_on.replace(month=5, day=20).isoformat(), "name": "Mentory fest",
                               "place": "актовый зал"})
        ctx.created["приказов"] += 1


@demo_step(order=125)
def sign_founding_orders(ctx: DemoContext) -> None:
    """The founding orders «2-н» of the first two organisations signed after roadmaps.demo (step 120): signed
    at step 110 their frozen appendix 2 said «Дорожная карта на учебный год не составлена» beside the roadmap
    approved by «3-н» of the same day."""
    from mentoring.orders import sign_order
    from registry.models import RoleAssignment
    from registry.scoping import Role

    for organisation in ctx.organisations[:2]:
        if organisation.pk not in ctx.populated_organisation_ids:
            continue
        founding = Order.objects.filter(organisation=organisation, academic_year=ctx.current_year,
                                        kind=Order.Kind.ORGANISATION, status=Order.Status.DRAFT).first()
        if founding is None:
            continue
        director = (RoleAssignment.objects.filter(organisation=organisation, role=Role.DIRECTOR, is_active=True)
                    .select_related("user").first())
        sign_order(founding, by=director.user if director else ctx.curators.get(organisation.pk), store_pdf=False)


@demo_step(order=950)
def quiet_pair_notices(ctx: DemoContext) -> None:
    """The curators' notices of pairs without a meeting for 30 days, as the daily check would make them."""
    from mentoring.notices import notify_quiet_pairs

    ctx.created["уведомлений"] += notify_quiet_pairs(ctx.today)
