"""Names in the case a sentence needs (registry.grammar): golden forms written by hand, the filter, the
organisation's stored forms and the gender set by hand."""

import pytest
from django.template import Context, Template
from django.urls import reverse

from registry import grammar
from registry.demo import NAMED_ORGANISATIONS
from registry.forms import OrganisationForm
from registry.models import ConsentText, Organisation
from tests import factories

CASES = ("gent", "datv", "accs", "ablt", "loct")

# --- people ---------------------------------------------------------------------------------------------

# (last name, first name, patronymic) → genitive, dative, accusative, instrumental, prepositional.
PEOPLE = {
    ("Петров", "Иван", "Ильич"): (
        "Петрова Ивана Ильича", "Петрову Ивану Ильичу", "Петрова Ивана Ильича", "Петровым Иваном Ильичом",
        "Петрове Иване Ильиче"),
    ("Смирнов", "Фома", "Кузьмич"): (
        "Смирнова Фомы Кузьмича", "Смирнову Фоме Кузьмичу", "Смирнова Фому Кузьмича", "Смирновым Фомой Кузьмичом",
        "Смирнове Фоме Кузьмиче"),
    ("Лебедев", "Никита", "Сергеевич"): (
        "Лебедева Никиты Сергеевича", "Лебедеву Никите Сергеевичу", "Лебедева Никиту Сергеевича",
        "Лебедевым Никитой Сергеевичем", "Лебедеве Никите Сергеевиче"),
    ("Котов", "Илья", "Петрович"): (
        "Котова Ильи Петровича", "Котову Илье Петровичу", "Котова Илью Петровича", "Котовым Ильёй Петровичем",
        "Котове Илье Петровиче"),
    ("Орлова", "Любовь", "Ивановна"): (
        "Орловой Любови Ивановны", "Орловой Любови Ивановне", "Орлову Любовь Ивановну", "Орловой Любовью Ивановной",
        "Орловой Любови Ивановне"),
    ("Шевченко", "Тарас", "Григорьевич"): (
        "Шевченко Тараса Григорьевича", "Шевченко Тарасу Григорьевичу", "Шевченко Тараса Григорьевича",
        "Шевченко Тарасом Григорьевичем", "Шевченко Тарасе Григорьевиче"),
    ("Шевченко", "Анна", "Петровна"): (
        "Шевченко Анны Петровны", "Шевченко Анне Петровне", "Шевченко Анну Петровну", "Шевченко Анной Петровной",
        "Шевченко Анне Петровне"),
    ("Дурново", "Пётр", "Николаевич"): (
        "Дурново Петра Николаевича", "Дурново Петру Николаевичу", "Дурново Петра Николаевича",
        "Дурново Петром Николаевичем", "Дурново Петре Николаевиче"),
    ("Кох", "Анна", "Викторовна"): (
        "Кох Анны Викторовны", "Кох Анне Викторовне", "Кох Анну Викторовну", "Кох Анной Викторовной",
        "Кох Анне Викторовне"),
    ("Кох", "Роберт", "Генрихович"): (
        "Коха Роберта Генриховича", "Коху Роберту Генриховичу", "Коха Роберта Генриховича",
        "Кохом Робертом Генриховичем", "Кохе Роберте Генриховиче"),
    ("Петрова-Водкина", "Мария", "Сергеевна"): (
        "Петровой-Водкиной Марии Сергеевны", "Петровой-Водкиной Марии Сергеевне", "Петрову-Водкину Марию Сергеевну",
        "Петровой-Водкиной Марией Сергеевной", "Петровой-Водкиной Марии Сергеевне"),
    ("Петров-Водкин", "Кузьма", "Сергеевич"): (
        "Петрова-Водкина Кузьмы Сергеевича", "Петрову-Водкину Кузьме Сергеевичу", "Петрова-Водкина Кузьму Сергеевича",
        "Петровым-Водкиным Кузьмой Сергеевичем", "Петрове-Водкине Кузьме Сергеевиче"),
    ("Алиев", "Рашид", "Мамед оглы"): (
        "Алиева Рашида Мамед оглы", "Алиеву Рашиду Мамед оглы", "Алиева Рашида Мамед оглы",
        "Алиевым Рашидом Мамед оглы", "Алиеве Рашиде Мамед оглы"),
    ("Алиева", "Лейла", "Гасан кызы"): (
        "Алиевой Лейлы Гасан кызы", "Алиевой Лейле Гасан кызы", "Алиеву Лейлу Гасан кызы",
        "Алиевой Лейлой Гасан кызы", "Алиевой Лейле Гасан кызы"),
    ("Мельникова", "Анна", ""): (
        "Мельниковой Анны", "Мельниковой Анне", "Мельникову Анну", "Мельниковой Анной", "Мельниковой Анне"),
    ("Котов", "Илья", ""): ("Котова Ильи", "Котову Илье", "Котова Илью", "Котовым Ильёй", "Котове Илье"),
    ("Лебедев", "Никита", ""): ("Лебедева Никиты", "Лебедеву Никите", "Лебедева Никиту", "Лебедевым Никитой",
                                "Лебедеве Никите"),
}


@pytest.mark.parametrize("name, forms", PEOPLE.items(), ids=[" ".join(n).strip() for n in PEOPLE])
def test_people_in_every_case(name, forms):
    person = grammar.Person(*name)
    assert [grammar.person_in(person, case) for case in CASES] == list(forms)
    assert grammar.person_in(person, "nomn") == " ".join(part for part in name if part)


def test_gender_comes_from_the_patronymic():
    assert grammar.detect_gender("Кох", "Саша", "Петровна") == grammar.FEMALE
    assert grammar.detect_gender("Кох", "Саша", "Петрович") == grammar.MALE
    assert grammar.detect_gender("Алиева", "Лейла", "Гасан кызы") == grammar.FEMALE
    assert grammar.detect_gender("Алиев", "Рашид", "Мамед-оглы") == grammar.MALE
    assert grammar.detect_gender("Кох", "Саша", "") == ""  # nothing tells


def test_gender_set_by_hand_wins_where_nothing_tells(district):
    person = factories.ParticipantFactory(organisation=district.school1, last_name="Кох", first_name="Саша",
                                          patronymic="")
    assert grammar.inflect(person, "gent") == "Коха Саши"  # unknown: a man's surname declines
    person.gender = grammar.FEMALE
    person.save()
    assert grammar.inflect(person, "gent") == "Кох Саши"
    assert grammar.inflect(person, "datv", "short") == "Кох С."


def test_initials_follow_the_one_rule():
    person = grammar.Person("Лебедева", "Елена", "Викторовна")
    assert grammar.person_in(person, "datv", "short") == "Лебедевой Е. В."
    assert grammar.person_in(person, "gent", "short") == "Лебедевой Е. В."
    assert grammar.person_in(person, "accs", "short") == "Лебедеву Е. В."
    assert grammar.person_in(person, "nomn", "sign") == "Е. В. Лебедева"
    user = factories.UserFactory.build(last_name="Лебедева", first_name="Елена", patronymic="Викторовна")
    participant = factories.ParticipantFactory.build(last_name="Лебедева", first_name="Елена", patronymic="Викторовна")
    assert user.get_short_name() == participant.short_name == "Лебедева Е. В."


@pytest.mark.parametrize("text, short, genitive", [
    ("Н.В. Соколова", "Соколова Н. В.", "Соколовой Н. В."),
    ("Соколова Н. В.", "Соколова Н. В.", "Соколовой Н. В."),
    ("Г. А. Шабаева", "Шабаева Г. А.", "Шабаевой Г. А."),
    ("Павлова Елена Константиновна", "Павлова Е. К.", "Павловой Елены Константиновны"),
    ("О.Н. Беляков", "Беляков О. Н.", "Белякова О. Н."),
])
def test_a_name_typed_as_one_string(text, short, genitive):
    person = grammar.Person.parse(text)
    assert person.short == short
    assert grammar.person_in(person, "gent") == genitive


def test_the_director_declines_with_the_gender_set_on_the_organisation(district):
    school = district.school1
    school.director_name = "Павлова Елена Константиновна"
    assert grammar.inflect(school.director, "gent") == "Павловой Елены Константиновны"
    school.director_name = "А.В. Кох"
    assert grammar.inflect(school.director, "gent", "short") == "Коха А. В."
    school.director_gender = grammar.FEMALE
    assert grammar.inflect(school.director, "gent", "short") == "Кох А. В."
    assert grammar.inflect(school.director, "nomn", "sign") == "А. В. Кох"


# --- positions ------------------------------------------------------------------------------------------

POSITIONS = {
    "Заместитель директора по УВР": (
        "заместителя директора по УВР", "заместителю директора по УВР", "заместителя директора по УВР",
        "заместителем директора по УВР", "заместителе директора по УВР"),
    "Педагог-психолог": ("педагога-психолога", "педагогу-психологу", "педагога-психолога", "педагогом-психологом",
                         "педагоге-психологе"),
    "Социальный педагог": ("социального педагога", "социальному педагогу", "социального педагога",
                           "социальным педагогом", "социальном педагоге"),
    "Старший методист": ("старшего методиста", "старшему методисту", "старшего методиста", "старшим методистом",
                         "старшем методисте"),
    "Заведующий библиотекой": ("заведующего библиотекой", "заведующему библиотекой", "заведующего библиотекой",
                               "заведующим библиотекой", "заведующем библиотекой"),
    "учитель математики, классный руководитель 9А класса": (
        "учителя математики, классного руководителя 9А класса", "учителю математики, классному руководителю 9А класса",
        "учителя математики, классного руководителя 9А класса", "учителем математики, классным руководителем 9А класса",
        "учителе математики, классном руководителе 9А класса"),
    "Зам. директора по УВР": ("зам. директора по УВР",) * 5,  # an abbreviation stays as it is
}


@pytest.mark.parametrize("position, forms", POSITIONS.items(), ids=list(POSITIONS))
def test_positions_in_every_case_lowercase_mid_sentence(position, forms):
    assert [grammar.inflect(position, case) for case in CASES] == list(forms)


# --- organisations --------------------------------------------------------------------------------------

# The five demo organisations (registry/demo.py): the words up to «учреждение» decline; the quoted
# name, the number and «Владимирской области» / «Селивановского района» stay.
ORGANISATIONS = {
    "Муниципальное бюджетное общеобразовательное учреждение «Средняя общеобразовательная школа № 1 п. Красная "
    "Горбатка»": (
        "Муниципального бюджетного общеобразовательного учреждения «Средняя общеобразовательная школа № 1 п. "
        "Красная Горбатка»",
        "Муниципальному бюджетному общеобразовательному учреждению «Средняя общеобразовательная школа № 1 п. "
        "Красная Горбатка»",
        "Муниципальное бюджетное общеобразовательное учреждение «Средняя общеобразовательная школа № 1 п. "
        "Красная Горбатка»",
        "Муниципальным бюджетным общеобразовательным учреждением «Средняя общеобразовательная школа № 1 п. "
        "Красная Горбатка»",
        "Муниципальном бюджетном общеобразовательном учреждении «Средняя общеобразовательная школа № 1 п. "
        "Красная Горбатка»",
    ),
    "Муниципальное казённое общеобразовательное учреждение «Средняя общеобразовательная школа № 10»": (
        "Муниципального казённого общеобразовательного учреждения «Средняя общеобразовательная школа № 10»",
        "Муниципальному казённому общеобразовательному учреждению «Средняя общеобразовательная школа № 10»",
        "Муниципальное казённое общеобразовательное учреждение «Средняя общеобразовательная школа № 10»",
        "Муниципальным казённым общеобразовательным учреждением «Средняя общеобразовательная школа № 10»",
        "Муниципальном казённом общеобразовательном учреждении «Средняя общеобразовательная школа № 10»",
    ),
    "Государственное бюджетное профессиональное образовательное учреждение Владимирской области «Селивановский "
    "строительный техникум»": (
        "Государственного бюджетного профессионального образовательного учреждения Владимирской области "
        "«Селивановский строительный техникум»",
        "Государственному бюджетному профессиональному образовательному учреждению Владимирской области "
        "«Селивановский строительный техникум»",
        "Государственное бюджетное профессиональное образовательное учреждение Владимирской области "
        "«Селивановский строительный техникум»",
        "Государственным бюджетным профессиональным образовательным учреждением Владимирской области "
        "«Селивановский строительный техникум»",
        "Государственном бюджетном профессиональном образовательном учреждении Владимирской области "
        "«Селивановский строительный техникум»",
    ),
    "Муниципальное бюджетное учреждение «Центр психолого-педагогической, медицинской и социальной помощи» "
    "Селивановского района": (
        "Муниципального бюджетного учреждения «Центр психолого-педагогической, медицинской и социальной помощи» "
        "Селивановского района",
        "Муниципальному бюджетному учреждению «Центр психолого-педагогической, медицинской и социальной помощи» "
        "Селивановского района",
        "Муниципальное бюджетное учреждение «Центр психолого-педагогической, медицинской и социальной помощи» "
        "Селивановского района",
        "Муниципальным бюджетным учреждением «Центр психолого-педагогической, медицинской и социальной помощи» "
        "Селивановского района",
        "Муниципальном бюджетном учреждении «Центр психолого-педагогической, медицинской и социальной помощи» "
        "Селивановского района",
    ),
    "Муниципальное бюджетное общеобразовательное учреждение «Малышевская средняя общеобразовательная школа»": (
        "Муниципального бюджетного общеобразовательного учреждения «Малышевская средняя общеобразовательная школа»",
        "Муниципальному бюджетному общеобразовательному учреждению «Малышевская средняя общеобразовательная школа»",
        "Муниципальное бюджетное общеобразовательное учреждение «Малышевская средняя общеобразовательная школа»",
        "Муниципальным бюджетным общеобразовательным учреждением «Малышевская средняя общеобразовательная школа»",
        "Муниципальном бюджетном общеобразовательном учреждении «Малышевская средняя общеобразовательная школа»",
    ),
    # Without quotes the head is further on; after it everything stays.
    "Средняя общеобразовательная школа № 3": (
        "Средней общеобразовательной школы № 3", "Средней общеобразовательной школе № 3",
        "Среднюю общеобразовательную школу № 3", "Средней общеобразовательной школой № 3",
        "Средней общеобразовательной школе № 3"),
    "Детский сад № 5 «Ромашка»": ("Детского сада № 5 «Ромашка»", "Детскому саду № 5 «Ромашка»",
                                  "Детский сад № 5 «Ромашка»", "Детским садом № 5 «Ромашка»",
                                  "Детском саду № 5 «Ромашка»"),
    "МБОУ «СОШ № 7»": ("МБОУ «СОШ № 7»",) * 5,
}


def test_the_golden_organisations_are_the_demo_ones():
    assert [spec.full_name for spec in NAMED_ORGANISATIONS[:5]] == list(ORGANISATIONS)[:5]


@pytest.mark.parametrize("name, forms", ORGANISATIONS.items(), ids=[n[:40] for n in ORGANISATIONS])
def test_organisations_in_every_case(name, forms):
    assert [grammar.phrase_in(name, case) for case in CASES] == list(forms)


def test_an_organisation_keeps_its_forms_and_makes_new_ones_for_a_new_name(district):
    school = district.school1
    school.full_name = list(ORGANISATIONS)[1]
    school.save()
    school.refresh_from_db()
    assert school.case_forms() == dict(zip(CASES, ORGANISATIONS[school.full_name], strict=True))
    assert grammar.inflect(school, "loct") == ORGANISATIONS[school.full_name][4]
    school.full_name = list(ORGANISATIONS)[0]
    school.save()
    assert school.name_datv == ORGANISATIONS[school.full_name][1]


def _form_data(organisation, **changes):
    form = OrganisationForm(instance=organisation)
    data = {name: form.initial.get(name) or "" for name in form.fields}
    data.update(changes)
    return data


def test_forms_corrected_by_hand_survive_a_new_full_name_until_cleared(district, client_for):
    school = district.school1
    url = reverse("registry:organisation_edit", args=[school.pk])
    superuser = factories.UserFactory(username="root", is_superuser=True)
    client = client_for(superuser)
    page = client.get(url).content.decode()
    assert 'name="name_loct"' in page and school.name_loct in page

    corrected = "Муниципальном бюджетном общеобразовательном учреждении «МБОУ СОШ № 1» (исправлено)"
    assert client.post(url, _form_data(school, name_loct=corrected)).status_code == 302
    school.refresh_from_db()
    assert school.name_loct == corrected and school.case_forms_by_hand

    new_name = list(ORGANISATIONS)[1]
    assert client.post(url, _form_data(school, full_name=new_name)).status_code == 302
    school.refresh_from_db()
    assert school.name_loct == corrected  # by hand: kept
    assert school.name_gent != ORGANISATIONS[new_name][0]

    cleared = {f"name_{case}": "" for case in CASES}
    assert client.post(url, _form_data(school, **cleared)).status_code == 302
    school.refresh_from_db()
    assert school.case_forms() == dict(zip(CASES, ORGANISATIONS[new_name], strict=True))
    assert not school.case_forms_by_hand


def test_a_new_full_name_brings_new_forms_when_none_were_corrected(district):
    school = district.school1
    new_name = list(ORGANISATIONS)[2]
    form = OrganisationForm(_form_data(school, full_name=new_name), instance=school)
    assert form.is_valid(), form.errors
    form.save()
    school.refresh_from_db()
    assert school.case_forms() == dict(zip(CASES, ORGANISATIONS[new_name], strict=True))


def test_a_short_name_of_words_declines_an_abbreviation_stays(district):
    school = district.school1
    assert render('в {{ o|case:"loct short" }}', o=school) == "в МБОУ СОШ № 1"
    school.short_name = "Лицей № 2"
    assert render('в {{ o|case:"loct short" }}, сайт {{ o|case:"gent short" }}', o=school) == (
        "в Лицее № 2, сайт Лицея № 2")
    school.short_name = "ГБПОУ Селивановский строительный техникум"
    assert school.name_in("loct", "short") == "ГБПОУ Селивановский строительный техникум"


def test_rows_made_without_save_decline_on_the_fly(district):
    Organisation.objects.filter(pk=district.school2.pk).update(name_datv="")
    school = Organisation.objects.get(pk=district.school2.pk)
    assert school.name_in("datv").startswith("Муниципальному бюджетному общеобразовательному учреждению")


# --- the filter -----------------------------------------------------------------------------------------


def render(source: str, **context) -> str:
    return Template("{% load grammar %}" + source).render(Context(context))


def test_the_case_filter(district):
    school = district.school1
    school.full_name = list(ORGANISATIONS)[0]
    school.director_name = "Павлова Елена Константиновна"
    school.save()
    person = factories.ParticipantFactory.build(last_name="Мельникова", first_name="Анна", patronymic="")
    user = factories.UserFactory.build(last_name="Лебедева", first_name="Елена", patronymic="Викторовна")
    assert render('даю согласие {{ o|case:"datv" }}', o=school) == "даю согласие " + ORGANISATIONS[school.full_name][1]
    assert render('в лице директора {{ o.director|case:"gent" }}', o=school) == (
        "в лице директора Павловой Елены Константиновны")
    assert render('{{ p|case:"datv" }}', p=person) == "Мельниковой Анне"
    assert render('{{ u|case:"accs short" }}, {{ u|case:"nomn sign" }}', u=user) == "Лебедеву Е. В., Е. В. Лебедева"
    assert render('{{ pos|case:"accs" }}', pos="Заместитель директора") == "заместителя директора"
    assert render('{{ p|case:"nonsense" }}|{{ none|case:"gent" }}|', p=person) == "Мельникова Анна||"
    nameless = factories.UserFactory.build(username="ivanova", last_name="", first_name="", patronymic="")
    assert render('{{ u|case:"datv short" }}', u=nameless) == "ivanova"


# --- places, dates, consent wording ----------------------------------------------------------------------


def test_place_and_reference_as_the_seeds_write_them(district):
    assert grammar.locality_from_address(
        "602332, Владимирская область, Селивановский район, п. Красная Горбатка, ул. Школьная, д. 2") == (
        "п. Красная Горбатка")
    assert grammar.locality_from_address("600000, г. Владимир, ул. Мира, д. 1") == "г. Владимир"
    assert grammar.locality_from_address("ул. Мира, д. 1") == ""
    school = district.school1
    school.address = "602341, Владимирская область, Селивановский район, с. Новлянка, ул. Центральная, д. 15"
    assert school.place == "с. Новлянка"
    school.locality = "г. Судогда"
    assert school.place == "г. Судогда"
    import datetime

    assert grammar.reference(datetime.date(2025, 9, 1), "45-о") == "от 01.09.2025 № 45-о"
    assert grammar.date_words(datetime.date(2020, 8, 24)) == "24 августа 2020 г."


def test_current_consent_wordings_ask_for_the_cases(db):
    for text in ConsentText.objects.filter(is_current=True):
        assert "{organisation:datv}" in text.body, text
        assert "даю согласие {organisation} " not in text.body
        if text.signer == ConsentText.Signer.REPRESENTATIVE:
            assert "{minor:gent} {participant:gent}" in text.body
    assert ConsentText.objects.filter(version="2025-1", is_current=False).count() == 6


def test_a_programme_titled_as_a_programme_is_not_named_twice():
    from mentoring.models import Programme
    from mentoring.wording import programme_phrase

    assert programme_phrase(Programme(title="Программа наставничества «Учитель – учитель»")) == (
        "программы наставничества «Учитель – учитель»")
    assert programme_phrase(Programme(title="Шаг в профессию")) == "программы наставничества «Шаг в профессию»"
