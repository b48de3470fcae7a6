"""Roadmap templates kept as data (roadmaps/seed_templates/*.yaml): the format, and that every row of
every roadmap table of the seed documents is there. No database: the phrases below were copied from
the seeds by hand, so the test does not need the seed documents themselves."""

import calendar
import re
from pathlib import Path

import pytest
import yaml

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "roadmaps" / "seed_templates"

ROLES = {
    "director", "deputy_director", "curator", "methodist", "psychologist", "social_pedagogue",
    "class_teacher", "organiser", "site_admin", "working_group", "mentors", "municipal_curator",
    "education_head", "heads_of_organisations", "regional_institute", "other",
}
LEVELS = {"organisation", "municipality"}
KINDS = {"school", "college", "centre", "district"}
TOP_REQUIRED = {"code", "title", "level", "kind", "source", "stages"}
TOP_OPTIONAL = {"approval", "period"}
ITEM_KEYS = {"number", "title", "content", "documents", "result", "responsible", "roles", "deadline"}
# An item may carry a code the portal acts on, and «origin: portal» when it is not a row of its seed.
ITEM_OPTIONAL = {"code", "origin"}
PERIODS = {"school", "calendar"}
# Deadline kind -> (required parameters, optional parameters), besides «text» and «kind».
DEADLINE_PARAMS = {
    "date": ({"month", "day"}, {"start_month", "start_day", "offset_years"}),
    "months": ({"from", "to"}, {"offset_years"}),
    "year": (set(), {"from"}),
    "quarterly": (set(), set()),
    "per_term": (set(), set()),
    "half_year": (set(), set()),
    "relative": ({"after", "days"}, set()),
    "schedule": (set(), set()),
}

# Lengths of the columns the loader writes them to (roadmaps.models).
MAX_CODE, MAX_TITLE, MAX_SOURCE, MAX_STAGE_TITLE, MAX_NUMBER = 50, 300, 300, 500, 20

# For every seed roadmap table: the number of stages, and one distinctive phrase of EVERY row, in the
# seed's order. The phrases must be found in the items' titles or contents one to one and in order,
# so dropping, merging or reordering a row fails.
SEEDS = {
    "district-000": {
        "stages": 5,
        "phrases": [
            "Назначение муниципального куратора",
            "Назначение школьного куратора",
            "Разработка и утверждение плана мероприятий («дорожной карты»)",
            "Разработка и утверждение распорядительной документации",
            "Заключение соглашений образовательных организаций с организациями – партнерами",
            "индивидуальных образовательных программ наставничества для обучающихся и педагогов",
            "Организация муниципальных обучающих мероприятий",
            "Участие в цикле областных обучающих семинаров",
            "Формирование и актуализация базы наставляемых",
            "Формирование базы наставников для реализации ЦМН",
            "Формирование наставнических пар или групп",
            "Организация работы наставнических пар или групп",
            "раздела «Педагогическое сообщество»",
            "персонализированного учета обучающихся, молодых специалистов и педагогов",
            "Мониторинг реализации ЦМН в образовательных организациях",
            "Мониторинг реализации ЦМН на муниципальном уровне",
            "Оценка качества реализации программ наставничества",
            "Анализ оценки качества реализации программ наставничества",
            "Оценка мотивационно - личностного, компетентностного, профессионального роста",
            "Анализ оценки мотивационно - личностного",
            "На уровне образовательных организаций",
            "На уровне района",
        ],
    },
    "school-001": {
        "stages": 7,
        "phrases": [
            # 1. Подготовка условий для запуска программы наставничества
            "Подготовка нормативно-правовой базы для внедрения системы наставничества",
            "Информирование педагогов, обучающихся и родительского сообщества",
            "Сбор предварительных запросов и пожеланий участников",
            "Определение заинтересованных в наставничестве аудиторий",
            "Проведение административных совещаний по вопросам реализации системы наставничества",
            "Создание раздела на сайте ОО «Наставничество»",
            # 2. Формирование базы наставляемых
            "Информационное продвижение программы наставничества",
            "Организация сбора данных о наставляемых по доступным каналам",
            "уточняющего анализа потребностей в обучении и развитии наставляемых",
            # 3. Формирование базы наставников
            "Проведение мероприятий для информирования и вовлечения потенциальных наставников",
            "диагностических исследований по выявлению компетенций",
            "Создание базы наставников по итогам опросов",
            "Определение мер поощрения наставников",
            # 4. Методическое сопровождение /обучение наставников
            "Подготовка методических материалов для сопровождения наставнической деятельности",
            "Разработка программ обучения наставников",
            "Поиск ресурсов для организации обучения",
            "Запуск «Школы наставников»",
            # 5. Формирование наставнических пар/групп
            "Организация встреч для формирования пар или групп",
            "Организация пробной встречи и встречи планирования",
            "Обеспечение психологического сопровождения наставляемых",
            "Продолжение работы «Школы наставника»",
            # 6. Организация работы наставнических пар-групп
            "обучающих, экспертно-консультационных и иных мероприятий для наставников",
            "Организация комплекса последовательных встреч наставников и наставляемых",
            "Организация текущего контроля достижения планируемых результатов",
            # 7. Завершение наставничества
            "Организация обратной связи с наставниками, наставляемыми и куратором",
            "Подведение итогов мониторинга эффективности",
            "Организация итоговой встречи наставников и наставляемых",
            "(Mentory fest)",
            "Формирование база успешных практик (кейсов)",
            "Формирование долгосрочной базы наставников",
            "Принятие мер по поощрению наставников",
        ],
    },
    "college-002-2020": {
        "stages": 5,
        "phrases": [
            "Формирование перечня партнерских организаций",
            "Заключение соглашений с организациями-партнерами",
            "Организация обучения педагогических работников, наставников",
            'Организация общей встречи потенциальных наставников и наставляемых в формате "нетворкинг"',
            "Формирование наставнических пар или групп",
            "Оформление согласий на обработку персональных данных",
            "Организация работы наставнических пар или групп",
            "Проведение первых организационных встреч",
            "Утверждение индивидуальных планов",
            "Реализация индивидуальных планов",
            "Твой результат – мои возможности",
            # Программно-методическое сопровождение деятельности
            "Разработка программно-методических материалов",
            "мер по обеспечению доступности программ наставничества",
            "Разработка формы диагностической анкеты",
            "Оформление итогового сборника",
            # Аналитическое сопровождение деятельности, мониторинг
            "Анализ полученных анкет в ходе информационной кампании",
            "Анализ анкет, заполненных после организации общей встречи",
            "Организация диагностики компетенций",
            "Осуществление персонифицированного учета",
            "Внесение в формы федерального статистического наблюдения",
            # Информационное сопровождение деятельности
            "Создание специальных рубрик",
            "Размещение информации о реализации Целевой модели наставничества",
            "Выступление на педагогическом совете",
            "Выступления на родительских собраниях",
            "кейс-сессии \"Успех каждого ребенка\"",
            "Организация рабочих встреч с успешными выпускниками",
            # Управление реализацией Целевой модели наставничества на уровне ОО
            "Контроль процедуры внедрения и реализации",
            "Контроль за реализацией мероприятий, закрепленных за учреждением",
            "Разработка дорожной карты на",
            "Создание условий для участия представителей образовательной организации",
        ],
    },
    "college-002-2021": {
        "stages": 6,
        "phrases": [
            "Разработка дорожной карты внедрения ЦМН в ОО",
            "Утверждение дорожной карты внедрения ЦМН",
            "Разработка и утверждение иной распорядительной документации",
            "Заключение соглашений с организациями-партнерами",
            "Разработка и утверждение системы мотивации наставников",
            "Формирование перечня партнерских организаций",
            "Формирование базы наставляемых из числа обучающихся",
            "Формирование базы наставников из числа обучающихся",
            "Формирование баз программ наставничества в техникуме",
            "Разработка программно-методических материалов",
            "Информирование педагогов, родителей, обучающихся, выпускников, предприятий",
            "Популяризация ЦМН через СМИ",
            "Выступление на педагогическом совете",
            "Организация цикла обучающих мероприятий (тренингов)",
            "Формирование и актуализация базы наставляемых",
            "Формирование базы наставников для реализации ЦМН",
            "Формирование наставнических пар или групп",
            "Организация работы наставнических пар или групп",
            "подведение итогов работы в формате личной и групповой рефлексии",
            "Осуществление персонифицированного учета",
            "Оценка мотивационно-личностного, компетентностного, профессионального роста",
            "Контроль процедуры внедрения и реализации",
            "Контроль за реализацией мероприятий, закрепленных за учреждением",
            "Разработка дорожной карты на",
        ],
    },
    "school-003": {
        "stages": 8,
        "phrases": [
            "Изучение и систематизация имеющихся материалов по проблеме наставничества",
            "Подготовка нормативной базы реализации целевой модели наставничества в школе",
            "мониторинга по выявлению предварительных запросов",
            "Проведение административного совещания",
            "Сформировать банк программ по трем формам наставничества",
            "Информирование родителей, педагогов, обучающихся о возможностях и целях",
            "Сбор данных о наставляемых",
            "Формирование базы данных наставляемых из числа педагогов",
            "Сбор данных о наставниках",
            "Формирование базы данных наставников из числа педагогов",
            "Выявление наставников, входящих в базу потенциальных наставников",
            "Обучение наставников для работы с наставляемыми",
            "Отбор наставников и наставляемых",
            "Издание приказа «Об утверждении наставнических пар/групп",
            "Составление планов индивидуального развития наставляемых",
            "Организация психологического сопровождения наставляемым, не сформировавшим пару",
            "Организация комплекса последовательных встреч наставников и наставляемых",
            "Организация текущего контроля",
            "Отчеты по итогам наставнической программы",
            "Мотивация и поощрения наставников",
            "Систематизация предложений по проблеме реализации программы наставничества",
        ],
    },
    "centre-004": {
        "stages": 6,
        "phrases": [
            "Изучение нормативной базы и тематических методических материалов",
            "Информирование педагогического коллектива, родительского сообщества",
            "Подготовка нормативной базы реализации целевой модели наставничества в ЦППМСП",
            "Сбор данных о наставляемых",
            "Составление старт-листа наставников",
            "Рекрутинг наставников",
            "Круглый стол участников программы с представлением наставников",
            "Закрепление продуктивных отношений в тандеме/группе",
            "Подведение итогов работы каждого тандема/ группы",
        ],
    },
}

# Items whose rows hold several numbered measures: every measure must stay in the item's content.
MEASURES = {
    "school-003": [
        "Ознакомление с шаблонами документов",
        "Назначение куратора внедрения Целевой модели наставничества",
        "Проведение ученической конференции",
        "Сбор согласий на обработку персональных данных от совершеннолетних участников",
        "анализа анкет профстандарта",
        "Формирование базы данных наставляемых из числа обучающихся",
        "Проведение мероприятия (круглый стол)",
        "Формирование базы данных наставников из числа обучающихся",
        "Организация групповой встречи наставников и наставляемых",
        "Проведение заключительной встречи наставника и наставляемого",
        "Форматы анкет обратной связи для промежуточной оценки",
        "Мониторинг и оценка влияния программ на всех участников",
        "Публикация результатов программы наставничества",
        "Обобщение лучших практик реализации программы наставничества",
    ],
    "centre-004": [
        "№ 623-р",
        "№ МР-42/02",
        "Изучение изменений и обновлений в Положении о программе наставничества",
        "Подготовка выступления на педагогическом совете",
        "Информирования о программе наставничества на сайте ЦППМСП",
        "Актуализация потенциальных партнерских связей",
        "Обновление и пополнение содержания рубрики",
        "годовой перспективной программы наставничества",
        "Разработка и утверждение «дорожной карты»",
        "Назначение куратора программы наставничества ЦППМСП",
        "Обучение куратора",
        "Информирование родителей несовершеннолетних наставляемых",
        "Сбор дополнительной информации о запросах",
        "Анализ данных",
        "Формирование базы данных наставляемых из числа педагогов",
        "Формирование базы данных наставляемых из числа обучающихся",
        "Выбор форм наставничества на основании анализа",
        "Оценка участников-наставляемых по заданным параметрам",
        "Анкетирование среди потенциальных наставников",
        "Анализ анкет потенциальных наставников",
        "Оценка выявленных наставников по заданным параметрам",
        "Собеседования с наставниками",
        "Приказ о назначении наставников",
        "Обучение наставников (подготовка методических материалов для наставников)",
        "на предмет предпочитаемого наставника/наставляемого",
        "Анализ анкет и формирование тандемов/групп",
        "Закрепление тандемов/групп приказом руководителя ЦППМСП",
        "Составление персонализированной программы наставничества для каждой пары",
        "Организация психологического сопровождения наставляемого, не сформировавшего пару",
        "Проведение первой, организационной, встречи",
        "Проведение второй, пробной рабочей, встречи",
        "Проведение встречи-планирования рабочего процесса",
        "Регулярные встречи наставника и наставляемого",
        "Проведение заключительной встречи наставника и наставляемого",
        "Регулярная обратная связь от участников программы",
        "Проведение групповой заключительной встречи всех пар и групп",
        "Мониторинг личной удовлетворенности участием в программе",
        "Проведение мониторинга качества реализации программы наставничества",
        "второго, заключающего этапа мониторинга",
        "Приказ о поощрении участников наставнической деятельности",
        "Приказ о проведении итогового мероприятия Программы",
        "Приглашение на торжественное мероприятие",
        "Проведение торжественного мероприятия",
        "в кейсы",
        "Публикация результатов программы наставничества, лучших наставников, кейсов",
        "Внесение данных об итогах реализации программы наставничества",
        "Формирование долгосрочной базы наставников",
    ],
}

STAGE_COUNTS = {code: seed["stages"] for code, seed in SEEDS.items()}


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _all_items(data: dict) -> list[dict]:
    return [item for stage in data["stages"] for item in stage["items"]]


def _items(data: dict) -> list[dict]:
    """The rows of the seed: without the items the portal adds (``origin: portal``)."""
    return [item for item in _all_items(data) if item.get("origin") != "portal"]


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _school_index(month: int) -> int:
    """September is 0, August is 11."""
    return (month - 9) % 12


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _month_ok(value) -> bool:
    return _is_int(value) and 1 <= value <= 12


def _day_ok(month, day) -> bool:
    # A template's date must exist every year: 29 February does not.
    return _month_ok(month) and _is_int(day) and 1 <= day <= calendar.monthrange(2023, month)[1]


TEMPLATE_FILES = sorted(TEMPLATES_DIR.glob("*.yaml"))


def test_every_seed_roadmap_has_a_file_and_no_other_file_is_there():
    assert {path.stem for path in TEMPLATE_FILES} == set(SEEDS)


@pytest.fixture(params=TEMPLATE_FILES, ids=lambda path: path.stem)
def template(request):
    path = request.param
    return path, _load(path)


def test_top_level(template):
    path, data = template
    assert isinstance(data, dict)
    assert TOP_REQUIRED <= set(data), f"{path.name}: missing {TOP_REQUIRED - set(data)}"
    assert set(data) <= TOP_REQUIRED | TOP_OPTIONAL, f"{path.name}: unknown {set(data) - TOP_REQUIRED - TOP_OPTIONAL}"
    assert data["code"] == path.stem
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", data["code"]) and len(data["code"]) <= MAX_CODE
    for key, limit in (("title", MAX_TITLE), ("source", MAX_SOURCE)):
        assert isinstance(data[key], str) and data[key].strip() and len(data[key]) <= limit, key
    assert not re.search(r"\b(19|20)\d\d\b", data["title"]), "a template's title names no year"
    assert isinstance(data.get("approval", ""), str)
    assert data.get("period", "school") in PERIODS
    assert data["level"] in LEVELS
    assert data["kind"] in KINDS
    assert (data["level"] == "municipality") == (data["kind"] == "district")


def test_stages_and_items(template):
    path, data = template
    stages = data["stages"]
    assert isinstance(stages, list) and stages
    assert [stage["number"] for stage in stages] == list(range(1, len(stages) + 1))
    numbers = []
    for stage in stages:
        assert set(stage) == {"number", "title", "items"}, stage.get("number")
        assert isinstance(stage["title"], str) and stage["title"].strip()
        assert len(stage["title"]) <= MAX_STAGE_TITLE
        assert isinstance(stage["items"], list) and stage["items"], f"stage {stage['number']} has no items"
        for item in stage["items"]:
            where = f"{path.name} item {item.get('number')!r}"
            assert ITEM_KEYS <= set(item) <= ITEM_KEYS | ITEM_OPTIONAL, f"{where}: keys {set(item) ^ ITEM_KEYS}"
            assert item.get("origin", "portal") == "portal", where
            number = item["number"]
            assert isinstance(number, str) and len(number) <= MAX_NUMBER, where
            assert re.fullmatch(r"\d+(\.\d+)+", number), where
            assert number.split(".")[0] == str(stage["number"]), f"{where}: not in stage {stage['number']}"
            numbers.append(number)
            for key in ("title", "responsible"):
                assert isinstance(item[key], str) and item[key].strip(), f"{where}: empty {key}"
            for key in ("content", "documents", "result"):
                assert isinstance(item[key], str), f"{where}: {key} is not a string"
            for key in ("title", "content", "documents", "result", "responsible"):
                assert item[key] == item[key].strip() and "  " not in item[key], f"{where}: spaces in {key}"
            roles = item["roles"]
            assert isinstance(roles, list) and roles, f"{where}: no roles"
            assert set(roles) <= ROLES, f"{where}: unknown roles {set(roles) - ROLES}"
            assert len(set(roles)) == len(roles), f"{where}: repeated role"
    assert len(numbers) == len(set(numbers)), f"{path.name}: repeated item numbers"


def test_deadlines(template):
    path, data = template
    items = _all_items(data)
    numbers = {item["number"] for item in items}
    relative = {}
    for item in items:
        where = f"{path.name} item {item['number']}"
        deadline = item["deadline"]
        assert isinstance(deadline, dict), where
        assert isinstance(deadline.get("text"), str) and deadline["text"].strip(), f"{where}: no text"
        kind = deadline.get("kind")
        assert kind in DEADLINE_PARAMS, f"{where}: kind {kind!r}"
        required, optional = DEADLINE_PARAMS[kind]
        params = set(deadline) - {"text", "kind"}
        assert required <= params, f"{where}: missing {required - params}"
        assert params <= required | optional, f"{where}: unexpected {params - required - optional}"
        if "offset_years" in deadline:
            assert deadline["offset_years"] in (-1, 1), f"{where}: offset_years"
        if kind == "date":
            assert _day_ok(deadline["month"], deadline["day"]), f"{where}: no such date"
            assert ("start_month" in deadline) == ("start_day" in deadline), where
            if "start_month" in deadline:
                assert _day_ok(deadline["start_month"], deadline["start_day"]), f"{where}: no such start"
                start = (_school_index(deadline["start_month"]), deadline["start_day"])
                assert start <= (_school_index(deadline["month"]), deadline["day"]), f"{where}: starts after due"
        elif kind == "months":
            first, last = deadline["from"], deadline["to"]
            assert _month_ok(first) and _month_ok(last), f"{where}: months"
            if _school_index(first) > _school_index(last):
                # Only a span that starts in the spring or summer before 1 September and ends after it.
                assert first <= 8 and last >= 9, f"{where}: {first}..{last} runs backwards"
        elif kind == "year":
            assert "from" not in deadline or _month_ok(deadline["from"]), f"{where}: from"
        elif kind == "relative":
            assert deadline["after"] in numbers, f"{where}: after {deadline['after']!r} is not an item"
            assert deadline["after"] != item["number"], f"{where}: after itself"
            assert _is_int(deadline["days"]) and deadline["days"] > 0, f"{where}: days"
            relative[item["number"]] = deadline["after"]
    for start in relative:  # no cycles of relative deadlines
        seen, current = set(), start
        while current in relative:
            assert current not in seen, f"{path.name}: relative deadlines loop through {current}"
            seen.add(current)
            current = relative[current]


def test_codes_are_unique():
    codes = [_load(path)["code"] for path in TEMPLATE_FILES]
    assert len(codes) == len(set(codes))


@pytest.mark.parametrize("code", sorted(SEEDS))
def test_stage_and_item_counts(code):
    data = _load(TEMPLATES_DIR / f"{code}.yaml")
    assert len(data["stages"]) == STAGE_COUNTS[code]
    assert len(_items(data)) == len(SEEDS[code]["phrases"])


@pytest.mark.parametrize("code", sorted(SEEDS))
def test_every_seed_row_is_an_item(code):
    items = _items(_load(TEMPLATES_DIR / f"{code}.yaml"))
    texts = [_norm(item["title"] + " " + item["content"]) for item in items]
    missing = [phrase for phrase in SEEDS[code]["phrases"] if not any(_norm(phrase) in text for text in texts)]
    assert not missing, f"{code}: rows of the seed missing from the template: {missing}"
    # One to one and in the seed's order: row i of the seed is item i of the template.
    for index, (phrase, item, text) in enumerate(zip(SEEDS[code]["phrases"], items, texts)):
        assert _norm(phrase) in text, f"{code}: item {index + 1} ({item['number']}) should be «{phrase}»"


@pytest.mark.parametrize("code", sorted(MEASURES))
def test_every_measure_of_a_row_is_kept(code):
    text = _norm(" ".join(item["title"] + " " + item["content"] for item in _items(_load(TEMPLATES_DIR / f"{code}.yaml"))))
    missing = [phrase for phrase in MEASURES[code] if _norm(phrase) not in text]
    assert not missing, f"{code}: measures missing: {missing}"


def test_expected_item_counts():
    """The numbers the report and the README give, so that a change to them is deliberate."""
    counts = {code: len(_items(_load(TEMPLATES_DIR / f"{code}.yaml"))) for code in SEEDS}
    assert counts == {
        "district-000": 22, "school-001": 31, "college-002-2020": 30, "college-002-2021": 24,
        "school-003": 21, "centre-004": 9,
    }


def test_placeholders_are_years_of_the_plan(template):
    """{Y}, {Y+1}, {Y-1}… and, in the grif only, {order}, {approved_by}, {date}: nothing else in braces."""
    path, data = template
    texts = [stage["title"] for stage in data["stages"]]
    for item in _all_items(data):
        texts += [item[key] for key in ("title", "content", "documents", "result", "responsible")]
        texts.append(item["deadline"]["text"])
    for text in texts:
        assert re.sub(r"\{Y([+-]\d)?\}", "", text).count("{") == 0, f"{path.name}: {text!r}"
    approval = re.sub(r"\{(Y([+-]\d)?|order|approved_by|date)\}", "", data.get("approval", ""))
    assert "{" not in approval, path.name


def test_every_organisation_template_has_the_federal_statistics_once(template):
    path, data = template
    coded = [item for item in _all_items(data) if item.get("code") == "federal_statistics"]
    if data["level"] == "municipality":
        assert not coded
        return
    assert len(coded) == 1, path.name
    if coded[0].get("origin") == "portal":  # the seeds' «не позднее 30 декабря»
        assert coded[0]["deadline"] == {"text": "не позднее 30 декабря", "kind": "date", "month": 12, "day": 30}
