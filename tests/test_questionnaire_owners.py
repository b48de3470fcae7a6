"""A school's own questionnaires (issue 14, item 11): a school curator adds a question set next to the
shared ones (an intake questionnaire, «Чем я могу быть полезен»); it is answered through links and by the
curator, and counted in the figures like the shared ones; another school never sees it (404); the
district sees it and may not change it; the shared sets stay the municipal curator's."""

import pytest
from django.urls import reverse
from django.utils import timezone

from monitoring import figures, links
from monitoring.models import Question, Questionnaire, Response
from registry.models import AcademicYear
from tests import factories


def new_questionnaire(client, **fields):
    data = {"title": "Анкета наставника: чем я могу быть полезен", "kind": Questionnaire.Kind.INTAKE,
            "form": "", "description": "Для потенциальных наставников.", **fields}
    return client.post(reverse("monitoring:questionnaire_create"), data)


@pytest.fixture
def own(district, client_for):
    """School 1's own intake questionnaire with one scale and one text question, made through the pages."""
    client = client_for(district.curator1)
    response = new_questionnaire(client)
    questionnaire = Questionnaire.objects.get(title__startswith="Анкета наставника")
    assert response.status_code == 302 and response["Location"] == reverse("monitoring:questionnaire_edit",
                                                                            args=[questionnaire.pk])
    Question.objects.create(questionnaire=questionnaire, position=1, text="Готовы ли вы вести наставляемого?")
    Question.objects.create(questionnaire=questionnaire, position=2, text="Чем вы можете быть полезны?",
                            type=Question.Type.TEXT)
    return questionnaire


def titles(client, **query):
    page = client.get(reverse("monitoring:questionnaire_list"), {"per_page": 200, **query})
    assert page.status_code == 200
    return {q.title for q in page.context["listing"].rows}


def test_a_school_curator_adds_its_own_questionnaire(district, client_for, own):
    assert own.organisation == district.school1 and own.kind == Questionnaire.Kind.INTAKE and own.is_active
    curator = client_for(district.curator1)
    assert own.title in titles(curator)
    assert titles(curator, owner="own") == {own.title}
    assert own.title not in titles(curator, owner="shared")
    # The school edits its own questions.
    edit = curator.get(reverse("monitoring:questionnaire_edit", args=[own.pk]))
    assert edit.status_code == 200 and "Своя анкета МБОУ СОШ № 1" in edit.content.decode()
    assert client_for(district.member1).get(reverse("monitoring:questionnaire_edit", args=[own.pk])).status_code == 200


def test_another_school_never_sees_it(district, client_for, roles, own):
    assert own.title not in titles(client_for(district.curator2))
    roles.expect(reverse("monitoring:questionnaire_detail", args=[own.pk]))
    # The school's own work on it; the district reads it and may not change it (the next test).
    writes = [reverse(f"monitoring:{name}", args=[own.pk])
              for name in ("questionnaire_edit", "response_create", "links_create", "links_pdf")]
    roles.expect(writes, municipal=None)
    roles.expect(writes, method="post", owner=None, municipal=None)


def test_the_district_reads_it_and_may_not_change_it(district, client_for, own):
    for user in (district.municipal, district.observer, district.director1):
        client = client_for(user)
        assert own.title in titles(client)
        assert client.get(reverse("monitoring:questionnaire_detail", args=[own.pk])).status_code == 200
        assert client.get(reverse("monitoring:questionnaire_edit", args=[own.pk])).status_code == 403


def test_a_school_may_not_add_shared_ones_and_readers_add_nothing(district, client_for):
    curator = client_for(district.curator1)
    page = new_questionnaire(curator, owner="")
    assert page.status_code == 302  # the school's only choice is its own: the empty owner means it
    assert Questionnaire.objects.get(title__startswith="Анкета наставника").organisation == district.school1
    page = new_questionnaire(curator, owner=district.school2.pk, title="Чужая")
    assert page.status_code == 200 and not Questionnaire.objects.filter(title="Чужая").exists()
    for user in (district.director1, district.observer, district.nobody):
        assert new_questionnaire(client_for(user), title="Читателя").status_code in (403, 404)
    assert not Questionnaire.objects.filter(title="Читателя").exists()
    # The municipal curator keeps the shared sets: theirs has no owner.
    assert new_questionnaire(client_for(district.municipal), owner="", title="Общая новая").status_code == 302
    assert Questionnaire.objects.get(title="Общая новая").organisation is None


def test_its_links_go_to_its_own_people_only(district, client_for, own):
    mine = factories.MentorProfileFactory(participant__organisation=district.school1).participant
    factories.consent_for(mine)
    theirs = factories.MentorProfileFactory(participant__organisation=district.school2).participant
    factories.consent_for(theirs)
    curator = client_for(district.curator1)
    page = curator.post(reverse("monitoring:links_create", args=[own.pk]), {"everyone": "1", "days": "14"})
    assert page.status_code == 200
    response = Response.objects.get()
    assert response.participant == mine
    # Even someone who may survey both schools gets only school 1 for it.
    admin = client_for(factories.UserFactory(username="admin", is_superuser=True))
    url = reverse("monitoring:links_create", args=[own.pk])
    assert admin.get(url, {"organisation": district.school2.pk}).status_code == 404
    assert admin.get(url).context["organisation"] == district.school1
    # Answered through the link, it is summarised like the shared ones.
    links.submit_by_link(response, answers={own.questions.get(position=1).pk: "5", own.questions.get(position=2).pk:
                                    "Помогу с робототехникой"})
    detail = curator.get(reverse("monitoring:questionnaire_detail", args=[own.pk]))
    rows = {row["question"].position: row for row in detail.context["rows"]}
    assert rows[1]["avg"] == 5 and rows[1]["n"] == 1


def test_a_schools_own_satisfaction_questionnaire_counts_in_the_figures(district, client_for):
    curator = client_for(district.curator1)
    new_questionnaire(curator, title="Наша анкета удовлетворённости", kind=Questionnaire.Kind.MENTEE_SATISFACTION)
    questionnaire = Questionnaire.objects.get(title="Наша анкета удовлетворённости")
    question = Question.objects.create(questionnaire=questionnaire, position=1, text="Довольны ли вы?")
    mentee = factories.MenteeProfileFactory(participant__organisation=district.school1).participant
    factories.consent_for(mentee)
    page = curator.post(reverse("monitoring:response_create", args=[questionnaire.pk]),
                        {"participant": mentee.pk, f"q{question.pk}": "4"})
    assert page.status_code == 302
    result = figures.compute([district.school1], AcademicYear.objects.current(), today=timezone.localdate())
    assert result[district.school1.pk]["satisfaction"] == {Questionnaire.Kind.MENTEE_SATISFACTION: 4.0}
