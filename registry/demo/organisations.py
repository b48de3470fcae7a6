"""The district: region, municipality, the named organisations of the seed documents and generated schools,
academic years, head counts and partners (steps 10–40 and 60)."""

from __future__ import annotations

import dataclasses
import datetime
import random

from registry.demo.context import DemoContext, bulk_create, demo_step
from registry.demo.names import (
    ADULT_FEMALE_NAMES,
    ADULT_MALE_NAMES,
    FATHER_NAMES,
    SURNAMES,
    Names,
    initials_name,
    patronymic_for,
    phone,
    random_date,
    surname_for,
    translit,
)
from registry.models import (
    AcademicYear,
    Municipality,
    Organisation,
    OrganisationHeadcount,
    Participant,
    Partner,
    Region,
)

REGION_NAME = "Владимирская область"
MUNICIPALITY_NAME = "Селивановский район"
EDUCATION_AUTHORITY = "Управление образования администрации Селивановского района"
EDUCATION_HEAD = "Т. А. Ковалёва"  # signs the municipal orders
POSTCODE = "602332"
DISTRICT_ADDRESS = "Владимирская область, Селивановский район"

C = Participant.Category


@dataclasses.dataclass(frozen=True)
class OrganisationSpec:
    short_name: str
    full_name: str
    kind: str
    address: str
    director_name: str
    students: tuple[int, int]  # range of the number of students
    letters: str = "АБ"  # parallel classes per grade (schools)
    max_grade: int = 11
    rural_share: float = 0.1  # mentees living in villages
    partners: str = "school"  # key of PARTNERS
    named: bool = True


NAMED_ORGANISATIONS = (
    OrganisationSpec(
        short_name="МБОУ СОШ № 1 п. Красная Горбатка",
        full_name="Муниципальное бюджетное общеобразовательное учреждение «Средняя общеобразовательная "
        "школа № 1 п. Красная Горбатка»",
        kind=Organisation.Kind.SCHOOL,
        address=f"{POSTCODE}, {DISTRICT_ADDRESS}, п. Красная Горбатка, ул. Школьная, д. 2",
        director_name="Н.В. Соколова",
        students=(760, 880),
        letters="АБВ",
    ),
    OrganisationSpec(
        short_name="МКОУ СОШ № 10",
        full_name="Муниципальное казённое общеобразовательное учреждение «Средняя общеобразовательная школа № 10»",
        kind=Organisation.Kind.SCHOOL,
        address="602341, Владимирская область, Селивановский район, с. Новлянка, ул. Центральная, д. 15",
        director_name="А.П. Громов",
        students=(320, 380),
        rural_share=0.6,
    ),
    OrganisationSpec(
        short_name="ГБПОУ Селивановский строительный техникум",
        full_name="Государственное бюджетное профессиональное образовательное учреждение Владимирской "
        "области «Селивановский строительный техникум»",
        kind=Organisation.Kind.COLLEGE,
        address=f"{POSTCODE}, {DISTRICT_ADDRESS}, п. Красная Горбатка, ул. Красноармейская, д. 24",
        director_name="О.Н. Беляков",
        students=(520, 640),
        rural_share=0.4,
        partners="college",
    ),
    OrganisationSpec(
        short_name="ЦППМСП Селивановского района",
        full_name="Муниципальное бюджетное учреждение «Центр психолого-педагогической, медицинской и "
        "социальной помощи» Селивановского района",
        kind=Organisation.Kind.CENTRE,
        address=f"{POSTCODE}, {DISTRICT_ADDRESS}, п. Красная Горбатка, ул. Советская, д. 8",
        director_name="И.А. Зимина",
        students=(300, 360),
        max_grade=9,
        rural_share=0.3,
        partners="centre",
    ),
    OrganisationSpec(
        short_name="МБОУ Малышевская СОШ",
        full_name="Муниципальное бюджетное общеобразовательное учреждение «Малышевская средняя "
        "общеобразовательная школа»",
        kind=Organisation.Kind.SCHOOL,
        address="602345, Владимирская область, Селивановский район, с. Малышево, ул. Молодёжная, д. 1",
        director_name="С.В. Лаптева",
        students=(300, 340),
        letters="А",
        rural_share=0.9,
    ),
    OrganisationSpec(
        short_name="МБОУ Волосатовская ООШ",
        full_name="Муниципальное бюджетное общеобразовательное учреждение «Волосатовская основная "
        "общеобразовательная школа»",
        kind=Organisation.Kind.SCHOOL,
        address="602343, Владимирская область, Селивановский район, с. Волосатово, ул. Школьная, д. 5",
        director_name="Т.Ю. Мартынова",
        students=(300, 330),
        letters="А",
        max_grade=9,
        rural_share=0.95,
    ),
    OrganisationSpec(
        short_name="МБОУ СОШ № 2 п. Красная Горбатка",
        full_name="Муниципальное бюджетное общеобразовательное учреждение «Средняя общеобразовательная "
        "школа № 2 п. Красная Горбатка»",
        kind=Organisation.Kind.SCHOOL,
        address=f"{POSTCODE}, {DISTRICT_ADDRESS}, п. Красная Горбатка, ул. Пушкина, д. 17",
        director_name="В.А. Осипова",
        students=(540, 660),
        letters="АБ",
    ),
    OrganisationSpec(
        short_name="МБУ ДО ДДТ Селивановского района",
        full_name="Муниципальное бюджетное учреждение дополнительного образования «Дом детского "
        "творчества» Селивановского района",
        kind=Organisation.Kind.CENTRE,
        address=f"{POSTCODE}, {DISTRICT_ADDRESS}, п. Красная Горбатка, ул. Ленина, д. 3",
        director_name="Л.Г. Фокина",
        students=(400, 480),
        rural_share=0.3,
        partners="centre",
    ),
)

VILLAGES = (
    "с. Новлянка", "с. Малышево", "с. Волосатово", "с. Чертково", "с. Ивановка", "с. Драчёво", "с. Шульгино",
    "с. Копнино", "д. Давыдово", "с. Зименки", "д. Губцево", "с. Тучково", "д. Сушнево", "с. Быково",
)
STREETS = ("ул. Школьная", "ул. Центральная", "ул. Молодёжная", "ул. Садовая", "ул. Мира", "ул. Советская",
           "ул. Полевая", "ул. Новая", "ул. Луговая", "ул. Заречная")
SCHOOL_FORMS = (
    ("МБОУ", "Муниципальное бюджетное общеобразовательное учреждение"),
    ("МБОУ", "Муниципальное бюджетное общеобразовательное учреждение"),
    ("МКОУ", "Муниципальное казённое общеобразовательное учреждение"),
    ("МАОУ", "Муниципальное автономное общеобразовательное учреждение"),
)


def organisation_specs(count: int, seed: int) -> list[OrganisationSpec]:
    """The named organisations first, then generated schools «МБОУ СОШ № 11» and so on."""
    specs = list(NAMED_ORGANISATIONS[:count])
    used_numbers = {1, 2, 10}
    number = 10
    while len(specs) < count:
        number += 1
        if number in used_numbers:
            continue
        rng = random.Random(f"{seed}/school/{number}")
        form, form_full = rng.choice(SCHOOL_FORMS)
        village = rng.choice(VILLAGES)
        gender = "f" if rng.random() < 0.75 else "m"
        father = rng.choice(FATHER_NAMES)
        first = rng.choice(ADULT_FEMALE_NAMES if gender == "f" else ADULT_MALE_NAMES)
        last = surname_for(rng.choice(SURNAMES), gender)
        specs.append(OrganisationSpec(
            short_name=f"{form} СОШ № {number}",
            full_name=f"{form_full} «Средняя общеобразовательная школа № {number}»",
            kind=Organisation.Kind.SCHOOL,
            address=f"6023{rng.randint(30, 49)}, {DISTRICT_ADDRESS}, {village}, {rng.choice(STREETS)}, "
            f"д. {rng.randint(1, 40)}",
            director_name=initials_name(last, first, patronymic_for(father, gender)),
            students=(300, 900),
            letters=rng.choice(("А", "АБ", "АБ", "АБВ")),
            rural_share=0.7,
            named=False,
        ))
    return specs


PARTNERS = {
    "school": (
        ("ГБУЗ ВО «Селивановская центральная районная больница»", "Фельдшер"),
        ("МБУК «Селивановский районный Дом культуры»", "Художественный руководитель"),
        ("ООО «Агрофирма «Красная Горбатка»»", "Главный агроном"),
        ("ОМВД России по Селивановскому району", "Инспектор по делам несовершеннолетних"),
        ("МБУ ДО «Селивановская детская школа искусств»", "Преподаватель"),
        ("СПК «Новлянский»", "Зоотехник"),
        ("ГКУ ВО «Селивановское лесничество»", "Участковый лесничий"),
        ("Пожарно-спасательная часть № 42 п. Красная Горбатка", "Начальник караула"),
    ),
    "college": (
        ("ООО «СтройКомплекс»", "Главный инженер"),
        ("АО «Владимирская строительная компания»", "Мастер участка"),
        ("ООО «Селивановский деревообрабатывающий комбинат»", "Технолог"),
        ("ГУП ВО «ДСУ-3»", "Прораб"),
        ("ООО «Горбатка-Сервис»", "Инженер по охране труда"),
        ("ИП Крылов А.В. (отделочные работы)", "Индивидуальный предприниматель"),
    ),
    "centre": (
        ("ГКУ ВО «Отдел социальной защиты населения по Селивановскому району»", "Специалист по социальной работе"),
        ("ГБУЗ ВО «Селивановская центральная районная больница»", "Врач-педиатр"),
        ("ГБУСО ВО «Селивановский комплексный центр социального обслуживания населения»", "Психолог"),
        ("МБУК «Селивановская межпоселенческая библиотека»", "Библиотекарь"),
        ("АНО «Добрые соседи»", "Координатор волонтёров"),
    ),
}


@demo_step(order=10)
def build_geography(ctx: DemoContext) -> None:
    ctx.region, created = Region.objects.get_or_create(name=REGION_NAME)
    ctx.created["регионов"] += created
    ctx.municipality, created = Municipality.objects.get_or_create(
        region=ctx.region, name=MUNICIPALITY_NAME,
        defaults={"education_authority": EDUCATION_AUTHORITY, "head_position": "Начальник управления образования",
                  "head_name": EDUCATION_HEAD},
    )
    ctx.created["муниципалитетов"] += created


@demo_step(order=20)
def build_years(ctx: DemoContext) -> None:
    """The current academic year and the two before it; the current one is marked current."""
    current_start = AcademicYear.start_year_for(ctx.today)
    for start_year in range(current_start - 2, current_start + 1):
        year, created = AcademicYear.objects.get_or_create(start_year=start_year)
        ctx.created["учебных лет"] += created
        ctx.years.append(year)
    ctx.current_year = ctx.years[-1]
    if not ctx.current_year.is_current:
        ctx.current_year.make_current()


@demo_step(order=30)
def build_organisations(ctx: DemoContext) -> None:
    ctx.specs = organisation_specs(ctx.organisation_count, ctx.seed)
    existing = {o.short_name: o for o in Organisation.objects.filter(
        municipality=ctx.municipality, short_name__in=[s.short_name for s in ctx.specs])}
    missing = [
        Organisation(
            municipality=ctx.municipality, kind=spec.kind, short_name=spec.short_name, full_name=spec.full_name,
            address=spec.address, director_name=spec.director_name,
            # The publication consent (art. 10.1) names the site; «.example» keeps it from being anyone's.
            website=f"https://{translit(spec.short_name)}.selivanovo.example",
        )
        for spec in ctx.specs if spec.short_name not in existing
    ]
    for organisation in missing:
        organisation.fill_case_forms()  # bulk_create skips save(), which fills them
    created = bulk_create(Organisation, missing)
    ctx.created["организаций"] += len(created)
    existing.update({o.short_name: o for o in created})
    ctx.organisations = [existing[spec.short_name] for spec in ctx.specs]


def planned_quotas(kind: str, total: int) -> dict[str, int]:
    """How many participants of each category an organisation of ``kind`` gets (largest remainder)."""
    shares = CATEGORY_SHARES[kind]
    raw = {category: share * total for category, share in shares.items()}
    quotas = {category: int(value) for category, value in raw.items()}
    rest = total - sum(quotas.values())
    for category in sorted(raw, key=lambda c: raw[c] - quotas[c], reverse=True)[:rest]:
        quotas[category] += 1
    return quotas


CATEGORY_SHARES = {
    Organisation.Kind.SCHOOL: {C.STUDENT: 0.66, C.TEACHER: 0.14, C.YOUNG_SPECIALIST: 0.04, C.PARENT: 0.07,
                               C.GRADUATE: 0.05, C.EMPLOYER: 0.04},
    Organisation.Kind.COLLEGE: {C.STUDENT: 0.66, C.TEACHER: 0.12, C.YOUNG_SPECIALIST: 0.04, C.PARENT: 0.03,
                                C.GRADUATE: 0.06, C.EMPLOYER: 0.09},
    Organisation.Kind.CENTRE: {C.STUDENT: 0.58, C.TEACHER: 0.20, C.YOUNG_SPECIALIST: 0.06, C.PARENT: 0.12,
                               C.GRADUATE: 0.02, C.EMPLOYER: 0.02},
}


@demo_step(order=40)
def build_headcounts(ctx: DemoContext) -> None:
    """Students and teachers per organisation and year, never fewer than the registry lists."""
    existing = set(OrganisationHeadcount.objects.filter(organisation__in=ctx.organisations).values_list(
        "organisation_id", "academic_year_id"))
    rows = []
    for organisation, spec in zip(ctx.organisations, ctx.specs):
        rng = ctx.rng("headcount", spec.short_name)
        quotas = planned_quotas(spec.kind, ctx.participants_per_organisation)
        students = max(rng.randint(*spec.students), int(quotas[C.STUDENT] * 1.5))
        if spec.kind == Organisation.Kind.COLLEGE:
            share_10_plus = 1.0
        elif spec.kind == Organisation.Kind.CENTRE:
            share_10_plus = rng.uniform(0.6, 0.75)
        else:
            share_10_plus = rng.uniform(0.76, 0.84) if spec.max_grade == 11 else rng.uniform(0.66, 0.72)
        teachers = max(min(70, max(30, round(students / rng.uniform(11, 15)))),
                       quotas[C.TEACHER] + quotas[C.YOUNG_SPECIALIST] + 5)
        young = max(rng.randint(2, 8), quotas[C.YOUNG_SPECIALIST])
        for back, year in enumerate(reversed(ctx.years)):
            if (organisation.pk, year.pk) in existing:
                continue
            drift = 1 - back * rng.uniform(0.01, 0.04)
            total = round(students * drift)
            rows.append(OrganisationHeadcount(
                organisation=organisation, academic_year=year, students_total=total,
                students_aged_10_plus=min(total, round(total * share_10_plus)),
                teachers_total=max(1, teachers - back * rng.randint(0, 2)),
                young_specialists=min(teachers - back * 2, max(0, young - back * rng.randint(0, 2))),
            ))
    ctx.created["записей о численности"] += len(bulk_create(OrganisationHeadcount, rows))


@demo_step(order=60)
def build_partners(ctx: DemoContext) -> None:
    """Two or three partners per organisation; most with a signed agreement, some still without."""
    existing: dict[int, dict[str, Partner]] = {}
    for partner in Partner.objects.filter(organisation__in=ctx.organisations):
        existing.setdefault(partner.organisation_id, {})[partner.name] = partner
    rows = []
    for organisation, spec in zip(ctx.organisations, ctx.specs):
        rng = ctx.rng("partners", spec.short_name)
        pool = PARTNERS[spec.partners]
        chosen = rng.sample(pool, k=min(len(pool), rng.randint(2, 3)))
        names = Names(rng)
        for number, (name, contact_position) in enumerate(chosen, start=1):
            gender = rng.choice("mf")
            last, first, patronymic, _father = names.adult(gender)
            with_agreement = number == 1 or rng.random() < 0.6
            signed = random_date(rng, datetime.date(ctx.today.year - 3, 1, 15), ctx.today - datetime.timedelta(days=60))
            # An rng of its own: the address is printed in transfer consents, and adding it must not
            # change what the rest of the demo draws.
            street = random.Random(f"{ctx.seed}/partner-address/{spec.short_name}/{name}")
            partner = Partner(
                organisation=organisation, name=name,
                address=f"{POSTCODE}, {DISTRICT_ADDRESS}, п. Красная Горбатка, {street.choice(STREETS)}, "
                        f"д. {street.randint(1, 60)}",
                contact_person=f"{last} {first} {patronymic}, {contact_position.lower()}",
                phone=phone(rng), email=rng.choice(("", f"{translit(last)}@partner.example")),
                agreement_number=f"{rng.randint(3, 48)}/{signed:%y}" if with_agreement else "",
                agreement_date=signed if with_agreement else None,
                notes="" if with_agreement else "Соглашение на согласовании у юриста партнёра.",
            )
            if name not in existing.get(organisation.pk, {}):
                rows.append(partner)
    created = bulk_create(Partner, rows)
    ctx.created["организаций-партнёров"] += len(created)
    for partner in created:
        existing.setdefault(partner.organisation_id, {})[partner.name] = partner
    ctx.partners = {org.pk: sorted(existing.get(org.pk, {}).values(), key=lambda p: p.name)
                    for org in ctx.organisations}
