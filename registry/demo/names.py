"""Russian names for the demo people: surnames (and their feminine forms), first names of children and
adults, patronymics from a father's name, transliteration for e-mail addresses, random dates and phones."""

from __future__ import annotations

import datetime
import random

from registry import grammar

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


def surname_base_of(surname: str) -> str:
    """The masculine form of a surname from the list (Иванова → Иванов), or the surname itself."""
    return _MASCULINE.get(surname, surname)


_MASCULINE = {feminine_surname(s): s for s in SURNAMES if feminine_surname(s) != s}


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
