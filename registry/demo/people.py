"""One organisation's participants, generated before insertion (``OrganisationPeople``): who they are,
who mentors and who is mentored, who left, in what state their consent is."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable

from registry.demo.context import DemoContext
from registry.demo.names import (
    EMAIL_DOMAINS,
    PATRONYMICS,
    Names,
    birth_for_age,
    phone,
    random_date,
    surname_base_of,
    surname_for,
    translit,
    years_before,
)
from registry.demo.organisations import PARTNERS, planned_quotas
from registry.demo.papers import PersonPapers
from registry.demo.users import USERS, UserSpec
from registry.demo.vocabulary import ARCHIVE_REASONS, COLLEGE_GROUPS, GRADUATE_MENTORS, PARENT_MENTORS, TEACHERS_BY_KIND
from registry.models import (
    Consent,
    MenteeProfile,
    MentorProfile,
    Organisation,
    Participant,
)
from registry.models.people import age_on
from registry.scoping import Role

C = Participant.Category


@dataclasses.dataclass
class PersonPlan:
    """A participant before insertion, with what will be attached to it."""

    participant: Participant
    gender: str
    surname_base: str
    father: str
    grade: int = 0  # school grade or college course
    older: bool = False  # may mentor younger students
    first_year: bool = False  # joined this September: no earlier papers
    staff: bool = False  # a curator or working-group member
    orphan: bool = False
    archive: bool = False
    mentor: bool = False
    mentee: bool = False
    certificate: bool = True
    consent_state: str = "valid"
    mentor_profile: MentorProfile | None = None
    mentor_topics: tuple[str, ...] = ()
    mentee_profile: MenteeProfile | None = None
    mentee_topics: tuple[str, ...] = ()
    consents: list[Consent] = dataclasses.field(default_factory=list)


CONSENT_SHARES = {"valid": 0.76, "missing": 0.10, "expired": 0.08, "revoked": 0.06}


class OrganisationPeople(PersonPapers):
    """Generates one organisation's participants with their profiles and consents, not yet saved."""

    def __init__(self, ctx: DemoContext, organisation: Organisation):
        self.ctx = ctx
        self.organisation = organisation
        self.spec = ctx.spec_for(organisation)
        self.rng = ctx.rng("people", self.spec.short_name)
        self.names = Names(self.rng)
        self.today = ctx.today
        self.year_start = ctx.current_year.starts_on
        # Foreign keys are set by id: the related descriptors cost more than the rest of a row.
        curator = ctx.curators.get(organisation.pk)
        self.curator_id = curator.pk if curator else None
        self.partners = ctx.partners.get(organisation.pk, [])
        self.seen: set[tuple[str, datetime.date | None]] = set()
        self.plans: list[PersonPlan] = []

    # --- participants ------------------------------------------------------------------------

    def build(self) -> list[PersonPlan]:
        quotas = planned_quotas(self.spec.kind, self.ctx.participants_per_organisation)
        index = self.ctx.index_of(self.organisation)
        staff = [u for u in USERS if u.where == index
                 and u.role in (Role.SCHOOL_CURATOR, Role.WORKING_GROUP)][:quotas[C.TEACHER]]
        for spec in staff:
            self.add_staff(spec)
        self.repeat(quotas[C.TEACHER] - len(staff), self.add_teacher, young=False)
        self.repeat(quotas[C.YOUNG_SPECIALIST], self.add_teacher, young=True)
        self.repeat(quotas[C.STUDENT], self.add_student)
        students = [p for p in self.plans if p.participant.category == C.STUDENT]
        self.repeat(quotas[C.PARENT], self.add_parent, students)
        self.repeat(quotas[C.GRADUATE], self.add_outside, C.GRADUATE)
        self.repeat(quotas[C.EMPLOYER], self.add_outside, C.EMPLOYER)
        self.rng.shuffle(self.plans)
        self.assign_roles()
        self.assign_archive()
        self.assign_consent_states()
        for plan in self.plans:
            if plan.mentor:
                self.make_mentor(plan)
            if plan.mentee:
                self.make_mentee(plan)
            self.make_consents(plan)
        return self.plans

    @staticmethod
    def repeat(times: int, make: Callable[..., PersonPlan | None], *args, **kwargs) -> None:
        """Call ``make`` ``times`` times; a name that is already taken is drawn again (a few tries)."""
        for _ in range(times):
            for _attempt in range(10):
                if make(*args, **kwargs) is not None:
                    break

    def add(self, *, gender: str, last: str, surname_base: str, first: str, patronymic: str, father: str,
            category: str, birth_date: datetime.date | None, **fields) -> PersonPlan | None:
        """Queue a participant, unless the organisation already has one with this name and birth date."""
        key = (f"{last} {first} {patronymic}", birth_date)
        if key in self.seen:  # the registry's duplicate check would refuse it
            return None
        self.seen.add(key)
        participant = Participant(
            organisation_id=self.organisation.pk, last_name=last, first_name=first, patronymic=patronymic,
            birth_date=birth_date, category=category, created_by_id=self.curator_id, **fields,
        )
        participant.fill_search_name()
        plan = PersonPlan(participant=participant, gender=gender, surname_base=surname_base, father=father)
        self.plans.append(plan)
        return plan

    def generated(self, gender: str, *, child: bool = False) -> dict:
        last, first, patronymic, father = self.names.child(gender) if child else self.names.adult(gender)
        return {"gender": gender, "last": last, "surname_base": surname_base_of(last), "first": first,
                "patronymic": patronymic, "father": father}

    def contacts(self, person: dict, *, phone_share: float, email_share: float) -> dict:
        rng = self.rng
        email = ""
        if rng.random() < email_share:
            email = (f"{translit(person['last'])}.{translit(person['first'])[:1]}{rng.randint(1, 99)}"
                     f"@{rng.choice(EMAIL_DOMAINS)}")
        return {"phone": phone(rng) if rng.random() < phone_share else "", "email": email}

    def add_staff(self, spec: UserSpec) -> PersonPlan | None:
        """A curator or working-group member is also a teacher in the registry of their organisation."""
        gender = "f" if spec.patronymic.endswith("на") else "m"
        father = next((f for f, forms in PATRONYMICS.items() if spec.patronymic in forms), "Иван")
        person = {"gender": gender, "last": spec.last_name, "surname_base": surname_base_of(spec.last_name),
                  "first": spec.first_name, "patronymic": spec.patronymic, "father": father}
        plan = self.add(**person, category=C.TEACHER, birth_date=birth_for_age(self.rng, self.today, 32, 58),
                        position=spec.position, phone=phone(self.rng), email=f"{spec.username}@nastavnik.example")
        if plan is not None:
            plan.staff = True
        return plan

    def add_teacher(self, *, young: bool) -> PersonPlan | None:
        rng = self.rng
        person = self.generated("f" if rng.random() < (0.75 if young else 0.85) else "m")
        positions = TEACHERS_BY_KIND[self.spec.kind]
        position = rng.choice(positions[:-1] if young else positions)[0]
        birth = birth_for_age(rng, self.today, 22, 29) if young else birth_for_age(rng, self.today, 27, 64)
        return self.add(**person, category=C.YOUNG_SPECIALIST if young else C.TEACHER, birth_date=birth,
                        position=position, **self.contacts(person, phone_share=0.95, email_share=0.6))

    def add_student(self) -> PersonPlan | None:
        rng = self.rng
        person = self.generated(rng.choice("mf"), child=True)
        if self.spec.kind == Organisation.Kind.COLLEGE:
            # Admitted after the 9th grade at 15 or 16; the group is named after the year of admission.
            course = rng.choice((1, 1, 2, 2, 3, 4))
            age_on_start = 14 + course + (1 if rng.random() < 0.25 else 0)
            admitted = self.ctx.current_year.start_year - course + 1
            class_name = f"{rng.choice(COLLEGE_GROUPS)}-{admitted % 100:02d}"
            grade, older = course, course >= 3
        else:
            grade = rng.randint(1, self.spec.max_grade)
            age_on_start = grade + 6
            class_name = f"{grade}{rng.choice(self.spec.letters)}"
            older = grade >= 8 and self.spec.kind == Organisation.Kind.SCHOOL
        # ``age_on_start`` years old on 1 September of the current academic year.
        birth = random_date(rng, years_before(self.year_start, age_on_start + 1) + datetime.timedelta(days=1),
                            years_before(self.year_start, age_on_start))
        age = age_on(birth, self.today)
        plan = self.add(**person, category=C.STUDENT, birth_date=birth, class_name=class_name,
                        **self.contacts(person, phone_share=0.6 if age >= 12 else 0,
                                        email_share=0.25 if age >= 14 else 0))
        if plan is not None:
            plan.grade, plan.older = grade, older
            plan.first_year = grade == 1
            plan.orphan = rng.random() < 0.02
        return plan

    def add_parent(self, students: list[PersonPlan]) -> PersonPlan | None:
        """Mostly the mother or father of a student of the same organisation."""
        rng = self.rng
        gender = "f" if rng.random() < 0.7 else "m"
        person = self.generated(gender)
        if students:
            child = rng.choice(students)
            person["surname_base"] = child.surname_base
            person["last"] = surname_for(child.surname_base, gender)
            if gender == "m":
                person["first"] = child.father
        profile = rng.choice(PARENT_MENTORS)
        return self.add(**person, category=C.PARENT,
                        birth_date=birth_for_age(rng, self.today, 29, 52) if rng.random() < 0.7 else None,
                        position=profile[2] if gender == "m" else profile[3],
                        **self.contacts(person, phone_share=1, email_share=0.4))

    def add_outside(self, category: str) -> PersonPlan | None:
        rng = self.rng
        if category == C.GRADUATE:
            person = self.generated(rng.choice("mf"))
            profile = rng.choice(GRADUATE_MENTORS)
            position = profile[2] if person["gender"] == "m" else profile[3]
            birth = birth_for_age(rng, self.today, 19, 30)
        else:
            person = self.generated("f" if rng.random() < 0.35 else "m")
            jobs = dict(PARTNERS[self.spec.partners])
            if self.partners and rng.random() < 0.75:  # staff of a partner under an agreement
                company = rng.choice(self.partners).name
                job = jobs.get(company, "Специалист")
            else:
                company, job = rng.choice(PARTNERS[self.spec.partners])
            position = f"{job}, {company}"
            birth = birth_for_age(rng, self.today, 28, 60) if rng.random() < 0.8 else None
        return self.add(**person, category=category, birth_date=birth, position=position,
                        **self.contacts(person, phone_share=1, email_share=0.5))

    # --- who mentors, who is mentored, who left ----------------------------------------------

    def assign_roles(self) -> None:
        rng = self.rng
        first_of: set[str] = set()

        def first(key: str) -> bool:
            if key in first_of:
                return False
            first_of.add(key)
            return True

        for plan in self.plans:
            category = plan.participant.category
            if category == C.TEACHER:
                plan.mentor = first("teacher") or rng.random() < 0.7
            elif category == C.YOUNG_SPECIALIST:
                plan.mentee = first("young") or rng.random() < 0.9
            elif category == C.STUDENT and plan.older:
                # «ученик – ученик»: an older student mentors younger ones and is mentored by a teacher.
                both = first("older")
                plan.mentor = both or rng.random() < 0.2
                plan.mentee = both or rng.random() < 0.6
            elif category == C.STUDENT:
                plan.mentee = first("student") or rng.random() < 0.75
            else:
                plan.mentor = first("outside") or rng.random() < 0.6
                if plan.mentor:
                    # The first outside mentor has not brought the certificate yet: the home page shows it.
                    plan.certificate = not first("no-certificate") and rng.random() < 0.85

    def assign_archive(self) -> None:
        candidates = [p for p in self.plans if p.participant.category in (C.STUDENT, C.TEACHER) and not p.staff]
        count = max(1, round(len(self.plans) * 0.02)) if len(self.plans) >= 10 else 0
        for plan in self.rng.sample(candidates, k=min(count, len(candidates))):
            participant = plan.participant
            plan.archive = True
            participant.is_archived = True
            participant.archived_on = random_date(self.rng, self.year_start, self.today)
            if participant.category == C.STUDENT:
                key = {"college": "college", "centre": "centre"}.get(self.spec.kind, "student")
            else:
                key = "adult"
            participant.archive_reason = self.rng.choice(ARCHIVE_REASONS[key]).format(
                a="а" if plan.gender == "f" else "")

    def assign_consent_states(self) -> None:
        total = len(self.plans)
        deck: list[str] = []
        for state, share in CONSENT_SHARES.items():
            count = round(total * share)
            if state != "valid" and total >= 8:
                count = max(1, count)
            deck += [state] * count
        deck = (deck + ["valid"] * total)[:total]
        self.rng.shuffle(deck)
        for plan, state in zip(self.plans, deck):
            plan.consent_state = state
