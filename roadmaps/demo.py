"""Demo data of roadmaps: each organisation's roadmap for this year from the template of its kind,
the district roadmap, last year's roadmap of the first school (this year's is its copy), approval
orders and progress with some deadlines missed — so the matrix and «просрочено» have something to show."""

from __future__ import annotations

import datetime

from registry.demo import DemoContext, demo_step
from registry.models import Organisation, RoleAssignment
from registry.scoping import Role
from roadmaps import selectors, services
from roadmaps.models import Occurrence, Roadmap, RoadmapTemplate

TEMPLATE_BY_KIND = {
    Organisation.Kind.SCHOOL: ("school-003", "school-001"),
    Organisation.Kind.COLLEGE: ("college-002", "college-002-2021", "college-002-2020"),
    Organisation.Kind.CENTRE: ("centre-004",),
}
EVIDENCE = ["Протокол педагогического совета", "Приказ по организации", "Анкеты участников собраны",
            "Размещено на сайте школы", "Протокол заседания рабочей группы", "Отчёт куратора"]


def _template(codes) -> RoadmapTemplate | None:
    templates = {t.code: t for t in RoadmapTemplate.objects.filter(code__in=codes)}
    return next((templates[code] for code in codes if code in templates), None)


def _progress(ctx: DemoContext, roadmap: Roadmap, rng, *, done_share: float) -> None:
    """Past deadlines mostly met, a few missed; the next month's work in progress."""
    today = ctx.today
    changed = []
    for occurrence in Occurrence.objects.filter(item__roadmap=roadmap).order_by("due_on"):
        if occurrence.due_on < today and rng.random() < done_share:
            occurrence.status = Occurrence.Status.DONE
            occurrence.done_on = max(occurrence.starts_on, occurrence.due_on - datetime.timedelta(days=rng.randint(0, 10)))
            occurrence.evidence = rng.choice(EVIDENCE)
        elif occurrence.starts_on <= today <= occurrence.due_on and rng.random() < 0.5:
            occurrence.status = Occurrence.Status.IN_PROGRESS
        else:
            continue
        changed.append(occurrence)
    Occurrence.objects.bulk_update(changed, ["status", "done_on", "evidence"])


# The number mentoring.demo leaves free in this year's register for the order approving the roadmap.
ROADMAP_ORDER_NUMBER = "3-н"


def _director(organisation):
    assignment = (RoleAssignment.objects.filter(organisation=organisation, role=Role.DIRECTOR, is_active=True)
                  .select_related("user").first())
    return assignment.user if assignment else None


@demo_step(order=120)
def build_roadmaps(ctx: DemoContext) -> None:
    year, previous = ctx.current_year, ctx.years[-2]
    district = _template(("district-000",))
    if district and not Roadmap.objects.filter(municipality=ctx.municipality, academic_year=year).exists():
        roadmap = services.create_from_template(template=district, academic_year=year,
                                                municipality=ctx.municipality, by=ctx.users.get("municipal"))
        municipal = ctx.users.get("municipal")
        # Approved by an order of the municipality's register, after the curator's appointment (mentoring.demo).
        services.approve(roadmap, order_number=selectors.suggest_order_number(roadmap),
                         order_date=year.starts_on.replace(day=5), by=municipal)
        _progress(ctx, roadmap, ctx.rng("roadmap", "district"), done_share=0.85)
        ctx.created["дорожных карт"] += 1
    for index, organisation in enumerate(ctx.organisations):
        if organisation.pk not in ctx.populated_organisation_ids:
            continue
        template = _template(TEMPLATE_BY_KIND.get(organisation.kind, ()))
        if template is None:
            continue
        rng = ctx.rng("roadmap", organisation.short_name)
        curator = ctx.curators.get(organisation.pk)
        if index == 0:
            # Last year's roadmap, done and approved; this year's is its copy, re-dated.
            last = services.create_from_template(template=template, academic_year=previous,
                                                 organisation=organisation, by=curator)
            # Approved by orders of the register (registry.approvals): last year's register has no other
            # order; this year's leaves «3-н» for it (mentoring.demo).
            services.approve(last, order_number=selectors.suggest_order_number(last),
                             order_date=previous.starts_on.replace(day=2), by=_director(organisation) or curator)
            _progress(ctx, last, rng, done_share=0.95)
            roadmap = services.copy_to_year(last, academic_year=year, by=curator)
            services.approve(roadmap, order_number=ROADMAP_ORDER_NUMBER, order_date=year.starts_on.replace(day=2),
                             by=_director(organisation) or curator)
            ctx.created["дорожных карт"] += 2
        else:
            roadmap = services.create_from_template(template=template, academic_year=year,
                                                    organisation=organisation, by=curator)
            ctx.created["дорожных карт"] += 1
        _progress(ctx, roadmap, rng, done_share=0.6 + 0.35 * rng.random())


@demo_step(order=950)
def deadline_notices(ctx: DemoContext) -> None:
    """Today's reminders and the notices of overdue items in the portal, as the morning scan would make
    them; no digest letters."""
    from roadmaps.reminders import record_in_app

    ctx.created["напоминаний о сроках"] += record_in_app(ctx.today)
