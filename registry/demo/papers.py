"""A demo person's papers: the mentor's and the mentee's profiles and the consents, drawn from the
organisation's generator (``PersonPapers``, mixed into ``people.OrganisationPeople``, whose attributes
it reads: ``rng``, ``spec``, ``ctx``, ``today``, ``year_start``, ``partners``, ``curator_id``)."""

from __future__ import annotations

import datetime
import random
from typing import TYPE_CHECKING, Any

from registry.demo.names import (
    ADULT_FEMALE_NAMES,
    FATHER_NAMES,
    Names,
    feminine_surname,
    patronymic_for,
    random_date,
    years_before,
)
from registry.demo.vocabulary import (
    BIRTH_CERTIFICATE_SERIES,
    CENTRE_TOPICS,
    COLLEGE_STUDENT_MENTOR_PROFILES,
    COLLEGE_TOPICS,
    EMPLOYER_COMPETENCIES,
    GRADUATE_MENTORS,
    INTERESTS,
    JUNIOR_TOPICS,
    MEETING_TIMES,
    MIDDLE_TOPICS,
    PARENT_MENTORS,
    REQUESTS,
    REVOCATION_REASONS,
    SENIOR_TOPICS,
    STUDENT_MENTOR_PROFILES,
    SUBJECTS_DATIVE,
    TEACHERS_BY_KIND,
    YOUNG_SPECIALIST_TOPICS,
)
from registry.models import (
    Consent,
    ConsentPurpose,
    MenteeProfile,
    MentorProfile,
    Organisation,
    Participant,
)
from registry.models.consents import signer_by_age

if TYPE_CHECKING:
    from registry.demo.people import PersonPlan


C = Participant.Category


class PersonPapers:
    """Profiles and consents of a ``PersonPlan``."""

    # --- profiles ----------------------------------------------------------------------------

    def make_mentor(self, plan: PersonPlan) -> None:
        rng = self.rng
        participant = plan.participant
        category = participant.category
        certificate_date = None
        long_term = False
        partner = None
        portfolio_url = ""
        if category == C.TEACHER:
            teachers = TEACHERS_BY_KIND[self.spec.kind]
            entry = next((t for t in teachers if t[0] == participant.position), rng.choice(teachers))
            topics, competencies = entry[1], entry[2]
            if rng.random() < 0.6:
                ages = (10, 17) if self.spec.kind != Organisation.Kind.COLLEGE else (15, 20)
                experience = f"Наставник обучающихся с {rng.randint(2015, 2024)} года (форма «учитель – ученик»)."
            else:
                ages = (21, 35)
                experience = f"Наставник молодых специалистов с {rng.randint(2010, 2024)} года."
            capacity = rng.randint(1, 3)
            long_term = rng.random() < 0.4
            if rng.random() < 0.15:
                key = "".join(rng.choices("abcdefghijkmnpqrstuvwxyz0123456789", k=14))
                portfolio_url = f"https://disk.yandex.ru/d/{key}"
        elif category == C.STUDENT:
            college = self.spec.kind == Organisation.Kind.COLLEGE
            pool = COLLEGE_STUDENT_MENTOR_PROFILES if college else STUDENT_MENTOR_PROFILES
            topics, competencies = rng.choice(pool)
            competencies = competencies.format(subject=rng.choice(SUBJECTS_DATIVE))
            age = participant.age_on(self.today)
            ages = (max(7, age - 6), max(7, age - 2))
            experience = ("Сопровождение первокурсников (форма «студент – студент»)." if college
                          else "Помощь младшим обучающимся (форма «ученик – ученик»).")
            capacity = rng.randint(1, 2)
        else:
            if category == C.PARENT:
                entry = next(e for e in PARENT_MENTORS if participant.position in e[2:])
                topics, competencies = entry[0], entry[1]
                ages = (10, 17)
            elif category == C.GRADUATE:
                entry = next(e for e in GRADUATE_MENTORS if participant.position in e[2:])
                topics = entry[0]
                competencies = entry[1].format(graduate="Выпускница" if plan.gender == "f" else "Выпускник",
                                               year=graduation_year(participant.birth_date))
                ages = (13, 18)
                long_term = rng.random() < 0.5
            elif self.spec.kind == Organisation.Kind.COLLEGE:
                topics, competencies = rng.choice(EMPLOYER_COMPETENCIES)
                ages = (15, 20)
            else:
                topics = ("Профессиональное самоопределение", "Волонтёрство и социальные проекты")
                competencies = (f"Стаж работы {rng.randint(5, 30)} лет; проводит экскурсии и профессиональные "
                                "пробы для обучающихся.")
                ages = (12, 17)
            if category == C.EMPLOYER:
                partner = next((p for p in self.partners if participant.position.endswith(p.name)), None)
            past = "Проводила" if plan.gender == "f" else "Проводил"
            experience = rng.choice(("", f"{past} профессиональные пробы для обучающихся.",
                                     "Участвует в программе наставничества второй год."))
            capacity = rng.randint(1, 4)
            if plan.certificate:
                certificate_date = random_date(rng, self.today - datetime.timedelta(days=700),
                                               self.today - datetime.timedelta(days=10))
        plan.mentor_profile = MentorProfile(
            competencies=competencies, interests=rng.choice(INTERESTS),
            mentee_age_min=ages[0], mentee_age_max=ages[1], meeting_times=rng.choice(MEETING_TIMES),
            capacity=capacity, experience=experience, portfolio_url=portfolio_url,
            partner_id=partner.pk if partner else None,
            certificate_date=certificate_date, in_long_term_base=long_term,
            joined_on=random_date(rng, self.year_start - datetime.timedelta(days=365 if long_term else 0),
                                  self.today),
        )
        plan.mentor_topics = tuple(topics)

    def make_mentee(self, plan: PersonPlan) -> None:
        rng = self.rng
        participant = plan.participant
        sources = MenteeProfile.RequestSource
        if participant.category == C.YOUNG_SPECIALIST:
            pool = YOUNG_SPECIALIST_TOPICS
            source = rng.choice((sources.QUESTIONNAIRE, sources.QUESTIONNAIRE, sources.ATTESTATION, sources.SELF))
        else:
            if self.spec.kind == Organisation.Kind.COLLEGE:
                pool = COLLEGE_TOPICS
            elif self.spec.kind == Organisation.Kind.CENTRE:
                pool = CENTRE_TOPICS
            elif plan.grade <= 4:
                pool = JUNIOR_TOPICS
            elif plan.grade <= 8:
                pool = MIDDLE_TOPICS
            else:
                pool = SENIOR_TOPICS
            source = rng.choices(
                (sources.QUESTIONNAIRE, sources.CLASS_TEACHER, sources.PSYCHOLOGIST, sources.SOCIAL_PEDAGOGUE,
                 sources.PARENTS, sources.PERSONAL_FILE, sources.SELF),
                weights=(35, 25, 10, 8, 12, 5, 5),
            )[0]
        main = rng.choice(pool)
        topics = [main] + ([rng.choice(pool)] if rng.random() < 0.4 else [])
        request = rng.choice(REQUESTS[main]).format(
            subject=rng.choice(SUBJECTS_DATIVE[:9]), exam="ОГЭ" if plan.grade <= 9 else "ЕГЭ")
        is_student = participant.category == C.STUDENT
        roll = rng.random()
        profile = MenteeProfile(
            request=request, request_source=source,
            has_disabilities=is_student and (roll < 0.04 or (self.spec.kind == "centre" and roll < 0.25)),
            is_gifted=is_student and (main == "Олимпиадная подготовка" or 0.5 < roll < 0.53),
            in_difficult_situation=is_student and 0.9 < roll < 0.95,
            is_rural=is_student and rng.random() < self.spec.rural_share,
            is_orphan=plan.orphan,
            joined_on=random_date(rng, self.year_start, self.today),
        )
        if profile.in_difficult_situation and profile.request_source == sources.QUESTIONNAIRE:
            profile.request_source = sources.SOCIAL_PEDAGOGUE
        plan.mentee_profile = profile
        plan.mentee_topics = tuple(topics)

    # --- consents ----------------------------------------------------------------------------

    def make_consents(self, plan: PersonPlan) -> None:
        rng = self.rng
        state = plan.consent_state
        if state == "missing":
            return
        today, year_start = self.today, self.year_start
        previous_start = years_before(year_start, 1)
        if plan.first_year:  # a first-grader has signed nothing before this September
            previous_start = year_start
            if state == "expired":
                state = "revoked"
        fields: dict[str, Any] = {}
        if state == "valid":
            if rng.random() < 0.7:
                signed = random_date(rng, year_start, today)
            else:
                signed = random_date(rng, previous_start, year_start - datetime.timedelta(days=1))
            if signed >= year_start and rng.random() < 0.3:
                fields["valid_until"] = year_end(year_start)
        elif state == "expired":
            start = years_before(year_start, rng.choice((1, 2)))
            signed = random_date(rng, start, start + datetime.timedelta(days=45))
            fields["valid_until"] = year_end(start)
        else:  # revoked
            signed = random_date(rng, previous_start, max(previous_start, today - datetime.timedelta(days=14)))
            fields["revoked_on"] = random_date(rng, min(signed + datetime.timedelta(days=7), today), today)
            fields["revocation_reason"] = rng.choice(REVOCATION_REASONS)
            fields["revoked_by_id"] = self.curator_id
        signed_by = self.signer(plan, signed)
        fields.update(self.representative(plan, signed_by))
        plan.consents.append(Consent(
            purpose=ConsentPurpose.MENTORING, signed_by=signed_by, signed_on=signed, created_by_id=self.curator_id,
            **fields,
        ))
        if state == "valid" and rng.random() < 0.35:
            # Photos on the school site: signed the same day, by the same people.
            plan.consents.append(Consent(
                purpose=ConsentPurpose.PUBLICATION, signed_by=signed_by, signed_on=signed,
                created_by_id=self.curator_id, **self.representative(plan, signed_by),
            ))

    @staticmethod
    def signer(plan: PersonPlan, signed: datetime.date) -> str:
        # The demo gives every student a birth date; a person without one signs personally.
        return signer_by_age(plan.participant.birth_date, signed, is_student=False)

    def representative(self, plan: PersonPlan, signed_by: str) -> dict:
        if signed_by == Consent.SignedBy.PARTICIPANT:
            return {}
        rng = random.Random(f"{self.ctx.seed}/representative/{self.spec.short_name}/{plan.participant.search_name}")
        relation = Consent.Relation
        if plan.orphan:
            kind = relation.GUARDIAN if signed_by == Consent.SignedBy.REPRESENTATIVE else relation.TRUSTEE
            last, first, patronymic, _father = Names(rng).adult("f")
            act = "опеки" if kind == relation.GUARDIAN else "попечительства"
            issued = random_date(rng, plan.participant.birth_date, self.year_start)
            document = (f"постановление администрации Селивановского района № {rng.randint(10, 480)} "
                        f"от {issued:%d.%m.%Y} об установлении {act}")
            return {"representative_name": f"{last} {first} {patronymic}", "representative_relation": kind,
                    "representative_document": document}
        document = (f"свидетельство о рождении {rng.choice(('I', 'II', 'III', 'IV'))}-"
                    f"{rng.choice(BIRTH_CERTIFICATE_SERIES)} № {rng.randint(100000, 999999)}")
        if rng.random() < 0.75:
            first = rng.choice(ADULT_FEMALE_NAMES)
            name = f"{feminine_surname(plan.surname_base)} {first} {patronymic_for(rng.choice(FATHER_NAMES), 'f')}"
            kind = relation.MOTHER
        else:
            name = f"{plan.surname_base} {plan.father} {patronymic_for(rng.choice(FATHER_NAMES), 'm')}"
            kind = relation.FATHER
        return {"representative_name": name, "representative_relation": kind, "representative_document": document}


def graduation_year(birth_date: datetime.date) -> int:
    """The school-leaving year of someone born on ``birth_date`` (eleven grades from the age of seven)."""
    return birth_date.year + (18 if birth_date.month >= 9 else 17) + 1


def year_end(year_start: datetime.date) -> datetime.date:
    """31 August of the academic year that starts on ``year_start``."""
    return datetime.date(year_start.year + 1, 8, 31)
