"""A realistic demo district: ``python manage.py load_demo``.

One region, one municipality (Селивановский район) and its organisations — schools, a college and a
psychological-pedagogical centre, as in the seed documents — with academic years, head counts, the
people who log in, partners, and hundreds of participants with mentor and mentee profiles and
consents in every state.

How it is built
---------------
``load_demo()`` runs *steps* in order. A step is a function taking the ``DemoContext``; it creates
what is missing and records what it made in ``ctx.created``. The registry's own steps are below
(orders 10–70). Other apps add theirs by putting a ``demo.py`` module in the app and decorating
functions with ``@demo_step(order=…)`` (pairs, roadmaps and reports: 100 and up); ``load_demo``
imports every installed app's ``demo`` module before running.

Idempotence
-----------
Everything with a natural key (region, municipality, organisation by short name, academic year,
head count per organisation and year, user by login, role assignment, partner by name) is created
only if missing, and existing rows are left as they are (an existing user keeps their password).
People are different: they have no natural key a second run could match, so **an organisation that
already has participants gets none** — its registry is taken as loaded. A second run is a no-op;
a run with a larger ``--organisations`` only fills the new organisations. Later steps should follow
the same rule, keyed on ``ctx.populated_organisation_ids`` (organisations that got people in this run).

Speed
-----
People, profiles, topics and consents are made with ``bulk_create`` in batches, organisation by
organisation in chunks, with no query per row; ``Participant.fill_search_name()`` is called by hand
because ``save()`` is bypassed. The data come from ``random.Random`` seeded per organisation, so
they do not depend on the order or the number of organisations loaded (only primary keys do).

E-mail addresses use the reserved ``.example`` domain so that reminders never reach real people.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import os
import random
from collections import Counter
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.test.utils import override_settings
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from registry import grammar
from registry.models import (
    AcademicYear,
    Consent,
    ConsentPurpose,
    ConsentText,
    MenteeProfile,
    MentorProfile,
    Municipality,
    Organisation,
    OrganisationHeadcount,
    Participant,
    Partner,
    Region,
    RoleAssignment,
    Topic,
    User,
)
from registry.models.consents import signer_by_age
from registry.models.people import age_on
from registry.scoping import Role
from registry.services import current_consent_text
from registry.signals import changes_held

DEFAULT_PASSWORD = "demo12345"
DEFAULT_ORGANISATIONS = 5
DEFAULT_PARTICIPANTS = 120
DEFAULT_SEED = 2026

REGION_NAME = "Владимирская область"
MUNICIPALITY_NAME = "Селивановский район"
EDUCATION_AUTHORITY = "Управление образования администрации Селивановского района"
EDUCATION_HEAD = "Т. А. Ковалёва"  # signs the municipal orders
POSTCODE = "602332"
DISTRICT_ADDRESS = "Владимирская область, Селивановский район"

C = Participant.Category

BATCH_SIZE = 1000
#: Organisations whose people are generated and inserted together.
ORGANISATION_CHUNK = 20


def default_password() -> str:
    return os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD


# =============================================================================================
# Names
# =============================================================================================

# Surnames in the masculine form; ``feminine_surname`` derives the feminine one.
SURNAMES = (
    "Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров Морозов Волков "
    "Алексеев Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев Орлов Андреев Макаров Никитин "
    "Захаров Зайцев Соловьёв Борисов Яковлев Григорьев Романов Воробьёв Сергеев Кузьмин Фролов "
    "Александров Дмитриев Королёв Гусев Киселёв Ильин Максимов Поляков Сорокин Виноградов Ковалёв "
    "Белов Медведев Антонов Тарасов Жуков Баранов Филиппов Комаров Давыдов Беляев Герасимов Богданов "
    "Осипов Сидоров Матвеев Титов Марков Миронов Крылов Куликов Карпов Власов Мельников Денисов "
    "Гаврилов Тихонов Казаков Афанасьев Данилов Савельев Тимофеев Фомин Чернов Абрамов Мартынов "
    "Ефимов Федотов Щербаков Назаров Калинин Исаев Чернышёв Быков Маслов Родионов Коновалов Лазарев "
    "Воронин Климов Филатов Пономарёв Голубев Кудрявцев Прохоров Наумов Потапов Журавлёв Овчинников "
    "Трофимов Леонов Соболев Ермаков Колесников Гончаров Емельянов Никифоров Грачёв Котов Гришин "
    "Ефремов Архипов Громов Кириллов Малышев Панов Моисеев Румянцев Акимов Кондратьев Бирюков "
    "Горбунов Анисимов Ерёмин Тихомиров Галкин Лукьянов Михеев Скворцов Юдин Белоусов Нестеров "
    "Симонов Прокофьев Харитонов Князев Цветков Митрофанов Воронцов Зуев Ситников Фокин Блинов "
    "Шестаков Савин Ларионов Рябов Селиванов Жданов Горбатов Муромцев Сухов Клюев Лапин Шилов "
    "Покровский Вознесенский Преображенский Успенский Введенский Троицкий Никольский "
    "Шевченко Бондаренко Черных Седых Долгих"
).split()

# Children born 2006–2019 and adults born 1960–2003 have different fashionable names.
CHILD_MALE_NAMES = (
    "Александр Михаил Максим Артём Матвей Иван Дмитрий Кирилл Даниил Егор Никита Андрей Илья Тимофей "
    "Роман Марк Лев Фёдор Арсений Глеб Степан Ярослав Макар Владислав Денис Алексей Захар Семён"
).split()
CHILD_FEMALE_NAMES = (
    "Софья Мария Анна Алиса Виктория Полина Елизавета Ева Александра Дарья Варвара Ксения Вероника "
    "Арина Милана Василиса Кира Таисия Ульяна Екатерина Анастасия Валерия Диана Алина Злата Есения"
).split()
ADULT_MALE_NAMES = (
    "Сергей Андрей Алексей Дмитрий Александр Владимир Николай Игорь Олег Евгений Михаил Павел Юрий "
    "Виктор Максим Роман Денис Иван Константин Вячеслав Геннадий Анатолий Василий Виталий Артём"
).split()
ADULT_FEMALE_NAMES = (
    "Ольга Елена Наталья Татьяна Ирина Светлана Марина Людмила Галина Надежда Юлия Екатерина Анна "
    "Оксана Лариса Евгения Анастасия Мария Валентина Любовь Вера Нина Жанна Алёна Ксения Дарья"
).split()

# A father's first name → (son's patronymic, daughter's patronymic).
PATRONYMICS = {
    "Александр": ("Александрович", "Александровна"),
    "Алексей": ("Алексеевич", "Алексеевна"),
    "Анатолий": ("Анатольевич", "Анатольевна"),
    "Андрей": ("Андреевич", "Андреевна"),
    "Артём": ("Артёмович", "Артёмовна"),
    "Борис": ("Борисович", "Борисовна"),
    "Вадим": ("Вадимович", "Вадимовна"),
    "Валерий": ("Валерьевич", "Валерьевна"),
    "Василий": ("Васильевич", "Васильевна"),
    "Виктор": ("Викторович", "Викторовна"),
    "Виталий": ("Витальевич", "Витальевна"),
    "Владимир": ("Владимирович", "Владимировна"),
    "Вячеслав": ("Вячеславович", "Вячеславовна"),
    "Геннадий": ("Геннадьевич", "Геннадьевна"),
    "Григорий": ("Григорьевич", "Григорьевна"),
    "Денис": ("Денисович", "Денисовна"),
    "Дмитрий": ("Дмитриевич", "Дмитриевна"),
    "Евгений": ("Евгеньевич", "Евгеньевна"),
    "Иван": ("Иванович", "Ивановна"),
    "Игорь": ("Игоревич", "Игоревна"),
    "Илья": ("Ильич", "Ильинична"),
    "Константин": ("Константинович", "Константиновна"),
    "Максим": ("Максимович", "Максимовна"),
    "Михаил": ("Михайлович", "Михайловна"),
    "Никита": ("Никитич", "Никитична"),
    "Николай": ("Николаевич", "Николаевна"),
    "Олег": ("Олегович", "Олеговна"),
    "Павел": ("Павлович", "Павловна"),
    "Пётр": ("Петрович", "Петровна"),
    "Роман": ("Романович", "Романовна"),
    "Сергей": ("Сергеевич", "Сергеевна"),
    "Станислав": ("Станиславович", "Станиславовна"),
    "Юрий": ("Юрьевич", "Юрьевна"),
    "Фёдор": ("Фёдорович", "Фёдоровна"),
}
FATHER_NAMES = tuple(PATRONYMICS)

TRANSLIT = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r", "s", "t",
     "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"],
))
EMAIL_DOMAINS = ("mail.example", "yandex.example", "inbox.example")


def feminine_surname(surname: str) -> str:
    """Иванов → Иванова, Покровский → Покровская; Шевченко and Черных do not change."""
    if surname.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return surname + "а"
    if surname.endswith(("ский", "цкий")):
        return surname[:-2] + "ая"
    if surname.endswith("ой"):
        return surname[:-2] + "ая"
    return surname


def surname_for(base: str, gender: str) -> str:
    return feminine_surname(base) if gender == "f" else base


def patronymic_for(father: str, gender: str) -> str:
    male, female = PATRONYMICS[father]
    return female if gender == "f" else male


def translit(text: str) -> str:
    return "".join(TRANSLIT.get(ch, ch) for ch in text.lower() if ch.isalnum())


def initials_name(last: str, first: str, patronymic: str) -> str:
    """«Н. В. Соколова», as under an order (``grammar.initials``, the one rule)."""
    return grammar.Person(last, first, patronymic).signature


# =============================================================================================
# Organisations
# =============================================================================================


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


# =============================================================================================
# Vocabulary of positions, competencies and requests
# =============================================================================================

SUBJECTS_DATIVE = ("математике", "русскому языку", "физике", "химии", "биологии", "истории", "обществознанию",
                   "информатике", "английскому языку", "географии", "литературе")

# (position, topics of the vocabulary, competencies)
SCHOOL_TEACHERS = (
    ("Учитель начальных классов", ("Академическая успеваемость", "Адаптация в коллективе", "Работа с родителями"),
     "Первая квалификационная категория; руководитель методического объединения учителей начальных классов."),
    ("Учитель русского языка и литературы", ("Академическая успеваемость", "Подготовка к ОГЭ и ЕГЭ",
                                             "Методика преподавания"),
     "Высшая квалификационная категория; эксперт предметной комиссии ОГЭ по русскому языку."),
    ("Учитель математики", ("Олимпиадная подготовка", "Подготовка к ОГЭ и ЕГЭ", "Академическая успеваемость"),
     "Высшая квалификационная категория; ученики — призёры муниципального этапа ВсОШ по математике."),
    ("Учитель физики", ("Исследовательские и проектные работы", "Олимпиадная подготовка", "Цифровые навыки"),
     "Руководитель кружка «Юный физик»; проекты учеников — победители районной научно-практической конференции."),
    ("Учитель химии и биологии", ("Исследовательские и проектные работы", "Подготовка к ОГЭ и ЕГЭ"),
     "Первая квалификационная категория; руководитель экологического отряда."),
    ("Учитель истории и обществознания", ("Подготовка к ОГЭ и ЕГЭ", "Лидерство и самоуправление",
                                          "Волонтёрство и социальные проекты"),
     "Куратор школьного музея и совета обучающихся."),
    ("Учитель английского языка", ("Академическая успеваемость", "Коммуникативные навыки", "Методика преподавания"),
     "Высшая квалификационная категория; победитель муниципального конкурса «Учитель года»."),
    ("Учитель информатики", ("Цифровые навыки", "Исследовательские и проектные работы", "Олимпиадная подготовка"),
     "Руководитель центра «Точка роста»; наставник команд по робототехнике."),
    ("Учитель физической культуры", ("Спорт и здоровый образ жизни", "Лидерство и самоуправление"),
     "Руководитель школьного спортивного клуба; судья соревнований ГТО."),
    ("Учитель технологии", ("Рабочие профессии и практика", "Творчество и искусство", "Предпринимательство"),
     "Мастер декоративно-прикладного творчества; руководитель кружка «Умелые руки»."),
    ("Учитель музыки", ("Творчество и искусство", "Коммуникативные навыки"),
     "Руководитель школьного хора, лауреата областного фестиваля."),
    ("Педагог-психолог", ("Адаптация в коллективе", "Преодоление трудностей в общении", "Коммуникативные навыки"),
     "Проводит тренинги для наставников и консультации по адаптации пятиклассников."),
    ("Социальный педагог", ("Преодоление трудностей в общении", "Работа с родителями", "Адаптация в коллективе"),
     "Ведёт персонифицированный учёт участников; опыт работы с семьями в трудной жизненной ситуации."),
    ("Педагог-организатор", ("Волонтёрство и социальные проекты", "Лидерство и самоуправление",
                             "Творчество и искусство"),
     "Куратор первичного отделения «Движения первых»."),
    ("Заместитель директора по УВР", ("Методика преподавания", "Подготовка к аттестации", "Классное руководство"),
     "Стаж педагогической работы 25 лет; эксперт аттестационной комиссии."),
)
COLLEGE_TEACHERS = (
    ("Преподаватель строительных дисциплин", ("Рабочие профессии и практика", "Профессиональное самоопределение"),
     "Инженер-строитель, стаж на производстве 12 лет; эксперт демонстрационного экзамена."),
    ("Мастер производственного обучения", ("Рабочие профессии и практика", "Адаптация в коллективе"),
     "Сварщик 6-го разряда; готовит студентов к чемпионату «Профессионалы»."),
    ("Преподаватель математики", ("Академическая успеваемость", "Олимпиадная подготовка"),
     "Высшая квалификационная категория."),
    ("Преподаватель информатики", ("Цифровые навыки", "Исследовательские и проектные работы"),
     "Руководитель студенческого IT-клуба; BIM-моделирование зданий."),
    ("Преподаватель экономики", ("Предпринимательство", "Профессиональное самоопределение"),
     "Куратор студенческих бизнес-проектов, победителей областного конкурса."),
    ("Педагог-психолог", ("Адаптация в коллективе", "Преодоление трудностей в общении"),
     "Сопровождение адаптации студентов первого курса."),
    ("Руководитель физического воспитания", ("Спорт и здоровый образ жизни", "Лидерство и самоуправление"),
     "Тренер сборной техникума по волейболу."),
    ("Старший методист", ("Методика преподавания", "Подготовка к аттестации"),
     "Организационное и методическое сопровождение работы наставнических пар."),
)
CENTRE_TEACHERS = (
    ("Педагог-психолог", ("Адаптация в коллективе", "Преодоление трудностей в общении", "Коммуникативные навыки"),
     "Специалист по работе с детьми с ОВЗ; ведёт группы развития коммуникативных навыков."),
    ("Учитель-логопед", ("Академическая успеваемость", "Коммуникативные навыки"),
     "Высшая квалификационная категория; коррекция нарушений письменной речи."),
    ("Учитель-дефектолог", ("Академическая успеваемость", "Адаптация в коллективе"),
     "Сопровождение детей с ОВЗ в общеобразовательных школах района."),
    ("Социальный педагог", ("Преодоление трудностей в общении", "Работа с родителями"),
     "Работа с семьями в трудной жизненной ситуации; межведомственное взаимодействие."),
    ("Педагог дополнительного образования", ("Творчество и искусство", "Цифровые навыки"),
     "Руководитель студии анимации."),
    ("Методист", ("Методика преподавания", "Подготовка к аттестации", "Работа с родителями"),
     "Консультирует педагогов школ района по вопросам инклюзивного образования."),
)
TEACHERS_BY_KIND = {
    Organisation.Kind.SCHOOL: SCHOOL_TEACHERS,
    Organisation.Kind.COLLEGE: COLLEGE_TEACHERS,
    Organisation.Kind.CENTRE: CENTRE_TEACHERS,
}

STUDENT_MENTOR_PROFILES = (
    (("Олимпиадная подготовка", "Академическая успеваемость"),
     "Призёр муниципального этапа всероссийской олимпиады школьников по {subject}."),
    (("Волонтёрство и социальные проекты", "Лидерство и самоуправление"),
     "Командир волонтёрского отряда «Доброе сердце»."),
    (("Лидерство и самоуправление", "Коммуникативные навыки"), "Председатель совета обучающихся."),
    (("Спорт и здоровый образ жизни",), "Кандидат в мастера спорта по лыжным гонкам; знак ГТО."),
    (("Цифровые навыки", "Исследовательские и проектные работы"),
     "Участник регионального этапа соревнований по робототехнике."),
    (("Творчество и искусство",), "Солист школьного ансамбля, участник районного фестиваля «Горбатская весна»."),
    (("Адаптация в коллективе", "Академическая успеваемость"), "Помощь одноклассникам и младшим в учёбе."),
)
COLLEGE_STUDENT_MENTOR_PROFILES = (
    (("Рабочие профессии и практика", "Адаптация в коллективе"),
     "Победитель регионального этапа чемпионата «Профессионалы» по сварочным технологиям."),
    (("Лидерство и самоуправление", "Волонтёрство и социальные проекты"), "Председатель студенческого совета."),
    (("Цифровые навыки", "Профессиональное самоопределение"), "Участник проекта «Билет в будущее» (вожатый)."),
    (("Спорт и здоровый образ жизни",), "Капитан волейбольной команды техникума."),
)

# (topics, competencies, position for a man, position for a woman)
PARENT_MENTORS = (
    (("Профессиональное самоопределение", "Спорт и здоровый образ жизни"),
     "Проводит профориентационные встречи о работе в медицине.",
     "Фельдшер скорой помощи, ГБУЗ ВО «Селивановская ЦРБ»", "Медицинская сестра, ГБУЗ ВО «Селивановская ЦРБ»"),
    (("Волонтёрство и социальные проекты", "Творчество и искусство"),
     "Организует семейные волонтёрские акции и ярмарки.",
     "Индивидуальный предприниматель", "Руководитель кружка при Доме культуры"),
    (("Предпринимательство", "Профессиональное самоопределение"),
     "Рассказывает о фермерском хозяйстве и семейном бизнесе.",
     "Глава КФХ", "Бухгалтер, СПК «Новлянский»"),
    (("Спорт и здоровый образ жизни",), "Тренирует детскую футбольную команду.",
     "Водитель, ООО «Горбатка-Сервис»", "Инструктор по фитнесу"),
)
# {graduate} is «Выпускник» or «Выпускница».
GRADUATE_MENTORS = (
    (("Подготовка к ОГЭ и ЕГЭ", "Профессиональное самоопределение"),
     "{graduate} {year} года; ЕГЭ по профильной математике — 94 балла.",
     "Студент 2 курса ВлГУ им. Столетовых", "Студентка 2 курса ВлГУ им. Столетовых"),
    (("Профессиональное самоопределение", "Рабочие профессии и практика"),
     "{graduate} {year} года; работает по специальности, участник чемпионата «Профессионалы».",
     "Электромонтажник, ООО «СтройКомплекс»", "Мастер отделочных работ, ООО «СтройКомплекс»"),
    (("Цифровые навыки", "Исследовательские и проектные работы"),
     "{graduate} {year} года; программист, ведёт IT-кружок.", "Инженер-программист", "Инженер-программист"),
    (("Волонтёрство и социальные проекты", "Лидерство и самоуправление"),
     "{graduate} {year} года; председатель совета обучающихся в выпускном классе, организатор молодёжных "
     "проектов района.",
     "Специалист по работе с молодёжью, администрация Селивановского района",
     "Специалист по работе с молодёжью, администрация Селивановского района"),
)
# For a college's partners; a school's or a centre's partner staff talk about their work.
EMPLOYER_COMPETENCIES = (
    (("Рабочие профессии и практика", "Профессиональное самоопределение"),
     "Стаж работы по специальности более 15 лет; руководит практикой студентов на предприятии."),
    (("Предпринимательство", "Профессиональное самоопределение"),
     "Организует экскурсии на предприятие и профессиональные пробы."),
    (("Рабочие профессии и практика", "Адаптация в коллективе"),
     "Наставник молодых рабочих; член экспертной группы демонстрационного экзамена."),
)

INTERESTS = ("шахматы, туризм", "краеведение", "робототехника", "волейбол, лыжи", "хоровое пение", "чтение, театр",
             "рыбалка, походы", "3D-моделирование", "фотография", "садоводство", "история Владимирского края",
             "настольный теннис", "рисование", "программирование")
MEETING_TIMES = ("вт, чт после 15:00", "пн, ср после 7-го урока", "сб 10:00–12:00", "пт после 14:30",
                 "по договорённости, в том числе онлайн", "ср 16:00–17:30", "ежедневно на большой перемене")

# Mentees' requests, by the main topic; {subject} and {exam} are filled in.
REQUESTS = {
    "Академическая успеваемость": ("Ликвидировать пробелы по {subject}", "Повысить успеваемость по {subject}",
                                   "Научиться планировать выполнение домашних заданий"),
    "Олимпиадная подготовка": ("Подготовка к муниципальному этапу всероссийской олимпиады школьников по {subject}",),
    "Подготовка к ОГЭ и ЕГЭ": ("Подготовка к {exam} по {subject}",),
    "Исследовательские и проектные работы": ("Выполнение индивидуального проекта", "Подготовка исследовательской "
                                             "работы к районной научно-практической конференции"),
    "Профессиональное самоопределение": ("Выбор профессии и профиля обучения", "Знакомство с рабочими "
                                         "профессиями района", "Выбор направления подготовки после окончания"),
    "Цифровые навыки": ("Освоить основы программирования", "Научиться создавать презентации и видеоролики"),
    "Творчество и искусство": ("Подготовка к творческому конкурсу", "Раскрыть творческие способности"),
    "Спорт и здоровый образ жизни": ("Подготовка к сдаче норм ГТО", "Вовлечение в спортивную секцию"),
    "Волонтёрство и социальные проекты": ("Участие в волонтёрском отряде", "Разработка социального проекта"),
    "Лидерство и самоуправление": ("Развитие лидерских качеств", "Подготовка к выборам в совет обучающихся"),
    "Коммуникативные навыки": ("Развитие навыков публичного выступления", "Научиться работать в команде"),
    "Преодоление трудностей в общении": ("Трудности в общении со сверстниками", "Конфликты в классе; "
                                         "неуверенность в себе"),
    "Адаптация в коллективе": ("Адаптация после перехода в новую школу", "Адаптация в новом коллективе"),
    "Рабочие профессии и практика": ("Подготовка к производственной практике", "Подготовка к "
                                     "демонстрационному экзамену"),
    "Предпринимательство": ("Разработка бизнес-проекта", "Основы финансовой грамотности"),
    "Методика преподавания": ("Освоить приёмы формирующего оценивания", "Подготовка и анализ открытого урока"),
    "Классное руководство": ("Впервые веду классное руководство: план воспитательной работы",),
    "Работа с родителями": ("Подготовка и проведение родительского собрания",),
    "Подготовка к аттестации": ("Подготовка к аттестации на первую квалификационную категорию",),
    "Дисциплина на уроке": ("Выстроить дисциплину на уроках в 6–7 классах",),
}

JUNIOR_TOPICS = ("Академическая успеваемость", "Адаптация в коллективе", "Творчество и искусство",
                 "Спорт и здоровый образ жизни", "Преодоление трудностей в общении", "Коммуникативные навыки")
MIDDLE_TOPICS = ("Академическая успеваемость", "Академическая успеваемость", "Олимпиадная подготовка",
                 "Исследовательские и проектные работы", "Цифровые навыки", "Творчество и искусство",
                 "Спорт и здоровый образ жизни", "Волонтёрство и социальные проекты", "Адаптация в коллективе",
                 "Преодоление трудностей в общении", "Лидерство и самоуправление")
SENIOR_TOPICS = ("Подготовка к ОГЭ и ЕГЭ", "Подготовка к ОГЭ и ЕГЭ", "Профессиональное самоопределение",
                 "Олимпиадная подготовка", "Исследовательские и проектные работы", "Лидерство и самоуправление",
                 "Предпринимательство", "Волонтёрство и социальные проекты", "Цифровые навыки")
COLLEGE_TOPICS = ("Рабочие профессии и практика", "Рабочие профессии и практика", "Профессиональное самоопределение",
                  "Адаптация в коллективе", "Академическая успеваемость", "Предпринимательство", "Цифровые навыки",
                  "Спорт и здоровый образ жизни")
CENTRE_TOPICS = ("Преодоление трудностей в общении", "Адаптация в коллективе", "Коммуникативные навыки",
                 "Академическая успеваемость", "Творчество и искусство")
YOUNG_SPECIALIST_TOPICS = ("Методика преподавания", "Классное руководство", "Работа с родителями",
                           "Подготовка к аттестации", "Дисциплина на уроке", "Адаптация в коллективе",
                           "Цифровые навыки")

COLLEGE_GROUPS = ("СП", "СЭ", "МО", "ТО")  # сварочное производство, строительство, отделка, автомобили
# {a} is the feminine ending: «Выбыл» / «Выбыла».
ARCHIVE_REASONS = {
    "student": ("Выбыл{a} из школы (перевод в другую образовательную организацию)",
                "Выбыл{a} из школы в связи с переездом семьи"),
    "college": ("Отчислен{a} по собственному желанию",
                "Переведен{a} в другую профессиональную образовательную организацию"),
    "centre": ("Завершил{a} посещение занятий в центре", "Выбыл{a} в связи с переездом семьи"),
    "adult": ("Увольнение по собственному желанию", "Переезд в другой район"),
}
REVOCATION_REASONS = ("Заявление законного представителя об отзыве согласия", "Отказ от участия в программе "
                      "наставничества", "Личное заявление участника об отзыве согласия",
                      "Выбытие из образовательной организации")
BIRTH_CERTIFICATE_SERIES = ("НА", "МЮ", "ВЛ", "ОБ", "ПК")


# =============================================================================================
# Steps and context
# =============================================================================================

Step = Callable[["DemoContext"], None]
_STEPS: dict[str, tuple[int, Step]] = {}


def demo_step(order: int):
    """Register a step of ``load_demo``; steps run by ``order``, then by name.

    Registry steps use 10–70. An app adds its own in ``<app>/demo.py``::

        from registry.demo import demo_step

        @demo_step(order=100)
        def build_pairs(ctx):
            for organisation in ctx.organisations:
                if organisation.pk in ctx.populated_organisation_ids: ...
    """

    def register(func: Step) -> Step:
        _STEPS[f"{func.__module__}.{func.__qualname__}"] = (order, func)
        return func

    return register


def registered_steps() -> list[Step]:
    autodiscover_modules("demo")
    return [func for _key, (_order, func) in sorted(_STEPS.items(), key=lambda item: (item[1][0], item[0]))]


@dataclasses.dataclass
class DemoContext:
    """What the steps share: the options, what earlier steps built, and what was created."""

    organisation_count: int
    participants_per_organisation: int
    seed: int
    password: str
    stdout: Any
    today: datetime.date
    region: Region | None = None
    municipality: Municipality | None = None
    specs: list[OrganisationSpec] = dataclasses.field(default_factory=list)
    organisations: list[Organisation] = dataclasses.field(default_factory=list)
    years: list[AcademicYear] = dataclasses.field(default_factory=list)  # oldest first
    current_year: AcademicYear | None = None
    users: dict[str, User] = dataclasses.field(default_factory=dict)
    logins: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # (username, description)
    curators: dict[int, User] = dataclasses.field(default_factory=dict)  # organisation id → school curator
    partners: dict[int, list[Partner]] = dataclasses.field(default_factory=dict)
    populated_organisation_ids: set[int] = dataclasses.field(default_factory=set)
    skipped_organisation_ids: set[int] = dataclasses.field(default_factory=set)
    created: Counter = dataclasses.field(default_factory=Counter)

    def rng(self, *key) -> random.Random:
        """A generator of its own for ``key``: the data do not depend on what else is loaded."""
        return random.Random("/".join(str(part) for part in (self.seed, *key)))

    def spec_for(self, organisation: Organisation) -> OrganisationSpec:
        return dict(zip((o.pk for o in self.organisations), self.specs))[organisation.pk]

    def index_of(self, organisation: Organisation) -> int:
        return next(i for i, o in enumerate(self.organisations) if o.pk == organisation.pk)

    def say(self, line: str = "") -> None:
        if self.stdout is not None:
            self.stdout.write(line + "\n")


@contextlib.contextmanager
def no_query_log():
    """Switch off the query log of ``DEBUG`` while loading.

    With ``DEBUG`` on (the embedded default) Django logs every query with its parameters quoted by
    an extra query per batch, which costs about a fifth of a big load and is of no use here.
    """
    if not settings.DEBUG:
        yield
        return
    with override_settings(DEBUG=False):
        yield


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


# =============================================================================================
# Registry steps
# =============================================================================================


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


@dataclasses.dataclass(frozen=True)
class UserSpec:
    username: str
    last_name: str
    first_name: str
    patronymic: str
    role: str
    where: str | int  # "region", "municipality" or the index of the organisation
    position: str
    duty: str = ""
    started_on: datetime.date | None = None


# Working-group duties after seed 002, the appointments after seed 000 (January 2022).
USERS = (
    UserSpec("region", "Орлова", "Татьяна", "Викторовна", Role.REGIONAL_OBSERVER, "region",
             "Методист регионального наставнического центра", started_on=datetime.date(2022, 1, 10)),
    UserSpec("municipal", "Кузнецова", "Ирина", "Николаевна", Role.MUNICIPAL_CURATOR, "municipality",
             "Главный специалист управления образования, муниципальный куратор",
             duty="координация внедрения целевой модели наставничества в образовательных организациях района; "
             "мониторинг 1 раз в полугодие (не позднее 10 декабря и 10 июня)",
             started_on=datetime.date(2022, 1, 17)),
    UserSpec("director1", "Соколова", "Наталья", "Владимировна", Role.DIRECTOR, 0, "Директор",
             started_on=datetime.date(2019, 8, 26)),
    UserSpec("curator1", "Лебедева", "Елена", "Викторовна", Role.SCHOOL_CURATOR, 0,
             "Заместитель директора по воспитательной работе",
             duty="осуществление организационного, аналитического, информационного сопровождения реализации "
             "системы наставничества", started_on=datetime.date(2022, 1, 24)),
    UserSpec("curator2", "Фомина", "Ольга", "Сергеевна", Role.SCHOOL_CURATOR, 1,
             "Заместитель директора по учебно-воспитательной работе",
             duty="осуществление организационного, аналитического, информационного сопровождения реализации "
             "системы наставничества", started_on=datetime.date(2022, 1, 25)),
    UserSpec("methodist1", "Маркова", "Ирина", "Николаевна", Role.WORKING_GROUP, 0, "Старший методист",
             duty="организационное и методическое сопровождение работы наставнических пар",
             started_on=datetime.date(2022, 1, 24)),
    UserSpec("psychologist1", "Зуева", "Анна", "Владимировна", Role.WORKING_GROUP, 0, "Педагог-психолог",
             duty="организация отбора и обучения наставников; проведение внутреннего мониторинга реализации и "
             "эффективности программы наставничества", started_on=datetime.date(2022, 1, 24)),
    UserSpec("socped1", "Киселёв", "Дмитрий", "Олегович", Role.WORKING_GROUP, 0, "Социальный педагог",
             duty="осуществление персонифицированного учёта обучающихся, молодых специалистов и педагогов, "
             "участвующих в программе наставничества", started_on=datetime.date(2022, 1, 24)),
    UserSpec("organizer1", "Ершова", "Марина", "Андреевна", Role.WORKING_GROUP, 0, "Педагог-организатор",
             duty="обеспечение формирования баз данных наставников и наставляемых, а также лучших практик "
             "наставничества", started_on=datetime.date(2023, 9, 1)),
)


@demo_step(order=50)
def build_users(ctx: DemoContext) -> None:
    """The people who log in; an existing account is left as it is, password included."""
    password_hash = None
    for spec in USERS:
        if isinstance(spec.where, int) and spec.where >= len(ctx.organisations):
            continue
        user = User.objects.filter(username=spec.username).first()
        if user is None:
            # One hash for all demo accounts: hashing is slow by design, and the password is shared anyway.
            password_hash = password_hash or make_password(ctx.password)
            user = User.objects.create(
                username=spec.username, password=password_hash, last_name=spec.last_name,
                first_name=spec.first_name, patronymic=spec.patronymic,
                email=f"{spec.username}@nastavnik.example",
            )
            ctx.created["пользователей"] += 1
        ctx.users[spec.username] = user
        where: dict[str, Any] = {}
        if spec.where == "region":
            where["region"] = ctx.region
            place = ctx.region.name
        elif spec.where == "municipality":
            where["municipality"] = ctx.municipality
            place = ctx.municipality.name
        else:
            where["organisation"] = ctx.organisations[spec.where]
            place = ctx.organisations[spec.where].short_name
        _assignment, created = RoleAssignment.objects.get_or_create(
            user=user, role=spec.role, **where,
            defaults={"position": spec.position, "duty": spec.duty, "started_on": spec.started_on},
        )
        ctx.created["назначений на роли"] += created
        if spec.role == Role.SCHOOL_CURATOR:
            ctx.curators[ctx.organisations[spec.where].pk] = user
        ctx.logins.append((spec.username, f"{Role(spec.role).label}, {place} — {user.display_name}"))


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


# =============================================================================================
# People
# =============================================================================================


def random_date(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    if end <= start:
        return start
    return start + datetime.timedelta(days=rng.randint(0, (end - start).days))


def years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def birth_for_age(rng: random.Random, today: datetime.date, low: int, high: int) -> datetime.date:
    """A birth date of someone aged ``low``…``high`` today."""
    return random_date(rng, years_before(today, high + 1) + datetime.timedelta(days=1), years_before(today, low))


def phone(rng: random.Random) -> str:
    return (f"+7 9{rng.randint(0, 99):02d} {rng.randint(100, 999)}-{rng.randint(0, 99):02d}-"
            f"{rng.randint(0, 99):02d}")


class Names:
    def __init__(self, rng: random.Random):
        self.rng = rng

    def _person(self, gender: str, male: tuple, female: tuple) -> tuple[str, str, str, str]:
        """(last name, first name, patronymic, father's first name)."""
        father = self.rng.choice(FATHER_NAMES)
        base = self.rng.choice(SURNAMES)
        first = self.rng.choice(female if gender == "f" else male)
        return surname_for(base, gender), first, patronymic_for(father, gender), father

    def child(self, gender: str):
        return self._person(gender, CHILD_MALE_NAMES, CHILD_FEMALE_NAMES)

    def adult(self, gender: str):
        return self._person(gender, ADULT_MALE_NAMES, ADULT_FEMALE_NAMES)


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


class OrganisationPeople:
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


def surname_base_of(surname: str) -> str:
    """The masculine form of a surname from the list (Иванова → Иванов), or the surname itself."""
    return _MASCULINE.get(surname, surname)


_MASCULINE = {feminine_surname(s): s for s in SURNAMES if feminine_surname(s) != s}


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


# =============================================================================================
# Insertion
# =============================================================================================


def bulk_create(model, objects: list) -> list:
    """``bulk_create`` in batches; the objects come back with their primary keys."""
    if not objects:
        return []
    created = model.objects.bulk_create(objects, batch_size=BATCH_SIZE)
    if created and created[0].pk is None:  # a backend that does not return ids
        raise RuntimeError("load_demo needs a database backend that returns ids from bulk inserts.")
    return created


def refresh_statistics(*models) -> None:
    """``ANALYZE`` the tables of ``models`` on PostgreSQL.

    The loader writes everything in one transaction, where autovacuum cannot gather statistics: the
    planner keeps taking the tables for empty and scans them whole inside nested loops, so each query
    costs more the more was loaded. ``ANALYZE`` in the transaction samples its own rows too."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def is_doubling(count: int) -> bool:
    """1, 2, 4, 8 …: when a table has doubled since it was last analysed, as it is filled step by step."""
    return count > 0 and count & (count - 1) == 0


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


# =============================================================================================
# Summary
# =============================================================================================


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


__all__ = ["DEFAULT_PASSWORD", "DemoContext", "default_password", "demo_step", "is_doubling", "load_demo",
           "refresh_statistics"]


@demo_step(order=900)
def stop_lapsed_processing(ctx: DemoContext) -> None:
    """Consents revoked or expired in the demo stop their processing, as the daily task would; and one
    paired mentee of the first school has just had a consent revoked, so the suspended pair, the person's
    page and the destruction list show what happens then."""
    from registry import processing
    from registry.models import ProcessingStop

    first = ctx.organisations[0]
    if not ProcessingStop.objects.filter(participant__organisation=first, cause=ProcessingStop.Cause.REVOKED,
                                         purpose=ConsentPurpose.MENTORING).exists():
        # A mentee in an open pair (the mentoring app's memberships, reached without importing it).
        consent = (Consent.objects.filter(participant__organisation=first, purpose=ConsentPurpose.MENTORING,
                                          revoked_on__isnull=True, participant__is_archived=False,
                                          participant__mentee_profile__memberships__left_on__isnull=True,
                                          participant__mentee_profile__memberships__pair__status="active")
                   .order_by("participant__last_name", "pk").first())
        if consent is not None:
            on = ctx.today - datetime.timedelta(days=10)
            consent.revoke(on=max(on, consent.signed_on), reason="заявление законного представителя")
            processing.reconcile(consent.participant)
    ctx.created["остановок обработки данных"] += processing.reconcile_lapsed(on=ctx.today)


@demo_step(order=950)
def consent_notices(ctx: DemoContext) -> None:
    """The curators' notices of consents ending within 30 days, as the daily check would make them (the
    apps' steps add theirs: quiet pairs, overdue roadmap items). Two consents of the first school end
    this month, so its curator has something to renew."""
    from registry.consent_notices import notify_expiring_consents

    first = ctx.organisations[0]
    if first.pk in ctx.populated_organisation_ids:
        ending = (Consent.objects.valid_on(ctx.today)
                  .filter(participant__organisation=first, participant__is_archived=False,
                          participant__category=C.TEACHER, purpose=ConsentPurpose.MENTORING)
                  .order_by("participant__last_name", "pk")[:2])
        for consent, days in zip(ending, (12, 26)):
            Consent.objects.filter(pk=consent.pk).update(valid_until=ctx.today + datetime.timedelta(days=days))
    ctx.created["уведомлений"] += notify_expiring_consents(ctx.today)
