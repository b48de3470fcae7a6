"""Double submit is harmless (issue «Background work that never sticks, loses or duplicates», item 5).

* every form that creates something carries a one-time token (``registry.once``): the test walks every
  such view, reads the token from the page the user gets, sends the form twice with it and finds one new
  row, the second answer sending the user to the first one's result;
* a POST without a token creates nothing and says why;
* the natural duplicates (the same meeting of a pair, the same person, the same case, the same consent,
  the same plan line, the same roadmap item) are refused with a message that names the existing record;
* a unique constraint hit by a race is a form error, never a 500.
"""

import datetime
import re
import threading
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Callable
from unittest import mock

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from mentoring import services as mentoring_services
from mentoring.models import Meeting, MentoringForm, MentorLink, Membership, Order, Pair, PlanItem, Preference, Programme
from monitoring.models import BestPractice, CoverageTarget, ExportJob, MonitoringReport, Question, Questionnaire
from monitoring.models import Response as SurveyResponse
from registry import once
from registry.models import (
    AcademicYear,
    Consent,
    MenteeProfile,
    MentorProfile,
    OrganisationHeadcount,
    Participant,
    Partner,
    SubmittedForm,
    Topic,
)
from roadmaps import services as roadmap_services
from roadmaps.models import EvidenceFile, Level, Occurrence, Roadmap, RoadmapItem
from tests import factories
from tests.test_roadmap_pages import make_template

TODAY = timezone.localdate()
PDF = factories.pdf_bytes()


# --- the forms of a page, as a browser would send them -------------------------------------------------


class PageForms(HTMLParser):
    """Every ``<form method="post">`` of a page: the values a browser sends untouched (inputs, checked
    boxes, selected options, text areas), buttons and files left out."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.forms: list[list[tuple[str, str]]] = []
        self._form = None
        self._select = None  # [name, multiple, selected values, first value]
        self._textarea = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = [] if (attrs.get("method") or "").lower() == "post" else None
            if self._form is not None:
                self.forms.append(self._form)
            return
        if self._form is None:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = (attrs.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self._form.append((name, attrs.get("value") or ("on" if kind == "checkbox" else "")))
        elif tag == "select" and name:
            self._select = [name, "multiple" in attrs, [], None]
        elif tag == "option" and self._select is not None:
            value = attrs.get("value", "")
            if self._select[3] is None:
                self._select[3] = value
            if "selected" in attrs:
                self._select[2].append(value)
        elif tag == "textarea" and name:
            self._textarea = [name, ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None and self._form is not None:
            name, multiple, selected, first = self._select
            values = selected or ([] if multiple or first is None else [first])
            self._form.extend((name, value) for value in values)
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            self._form.append((self._textarea[0], self._textarea[1].lstrip("\n")))
            self._textarea = None

    def the_form(self, containing: str | None = None) -> dict:
        """The form with a one-time token (and the field ``containing``), as POST data."""
        candidates = [f for f in self.forms if any(name == once.FIELD for name, _v in f)
                      and (containing is None or any(name == containing for name, _v in f))]
        assert candidates, f"no form with a one-time token{f' and «{containing}»' if containing else ''}"
        chosen = max(candidates, key=len)
        data: dict = {}
        for name, value in chosen:
            data.setdefault(name, []).append(value)
        return {name: values[0] if len(values) == 1 else values for name, values in data.items()}


def token_of(html: str) -> str:
    tokens = re.findall(r'name="once" value="([^"]+)"', html)
    assert tokens, "the page has no one-time token"
    return tokens[-1]


# --- the world the forms are filled from -----------------------------------------------------------------


@pytest.fixture
def world(district):
    school, curator = district.school1, district.curator1
    year = AcademicYear.objects.current()
    programme = Programme.objects.create(
        organisation=school, academic_year=year, form=MentoringForm.objects.get(name="учитель – ученик"),
        starts_on=TODAY - datetime.timedelta(days=60), ends_on=TODAY + datetime.timedelta(days=200))

    def mentor(**fields):
        profile = factories.MentorProfileFactory(participant__organisation=school, capacity=3, **fields)
        factories.consent_for(profile.participant, signed_on=TODAY - datetime.timedelta(days=90))
        return profile

    def mentee():
        profile = factories.MenteeProfileFactory(participant__organisation=school)
        factories.consent_for(profile.participant, signed_on=TODAY - datetime.timedelta(days=90))
        return profile

    first_mentor, first_mentee = mentor(), mentee()
    pair = mentoring_services.form_pair(programme=programme, mentor=first_mentor, mentees=[first_mentee],
                                        started_on=TODAY - datetime.timedelta(days=30), by=curator)
    mentoring_services.activate(pair)
    roadmap = roadmap_services.create_from_template(template=make_template(), academic_year=year,
                                                    organisation=school, by=curator)
    occurrence = Occurrence.objects.filter(item__roadmap=roadmap).order_by("due_on", "pk").first()
    return dict(
        district=district, school=school, curator=curator, year=year, programme=programme, pair=pair,
        membership=pair.memberships.get(), free_mentor=mentor(), free_mentee=mentee(), new_mentor=mentor(),
        group_mentee=mentee(), bare_teacher=factories.TeacherFactory(organisation=school),
        bare_student=factories.ParticipantFactory(organisation=school), roadmap=roadmap, occurrence=occurrence,
        template=make_template(code="district", level=Level.MUNICIPALITY),
        questionnaire=Questionnaire.objects.filter(kind=Questionnaire.Kind.MENTEE_SATISFACTION, form__isnull=True,
                                                   is_active=True).first(),
        mentee_person=first_mentee.participant,
    )


@dataclass
class Case:
    user: object
    url: str  # the page with the form (GET)
    count: Callable[[], int]  # the rows the form creates
    data: dict = field(default_factory=dict)  # filled in over what the page sends; None drops a field
    post_url: str | None = None  # where the form is sent, if not back to ``url``
    containing: str | None = None  # a field of the form, when the page has several
    files: Callable[[], dict] | None = None  # fresh uploads for each POST


def _answers(questionnaire) -> dict:
    data = {}
    for question in questionnaire.questions.filter(retired_at__isnull=True):
        if question.type in (Question.Type.SCALE_5, Question.Type.SCALE_10):
            data[f"q{question.pk}"] = "5"
        elif question.type == Question.Type.CHOICE:
            data[f"q{question.pk}"] = question.choices[0]
        else:
            data[f"q{question.pk}"] = "Всё понравилось"
    return data


def cases(w) -> dict[str, Case]:
    d, school, curator = w["district"], w["school"], w["curator"]
    year, programme, pair = w["year"], w["programme"], w["pair"]
    count = lambda model, **lookup: (lambda: model.objects.filter(**lookup).count())  # noqa: E731
    return {
        "registry:participant_create": Case(
            curator, reverse("registry:participant_create"), count(Participant),
            {"last_name": "Новикова", "first_name": "Анна", "patronymic": "Сергеевна", "birth_date": "2010-03-04",
             "category": Participant.Category.STUDENT, "class_name": "9Б"}),
        "registry:consent_create": Case(
            curator, reverse("registry:consent_create", args=[w["bare_teacher"].pk]),
            count(Consent, participant=w["bare_teacher"]),
            {"purpose": "mentoring", "signed_by": Consent.SignedBy.PARTICIPANT,
             "signed_on": TODAY.isoformat()},
            files=lambda: {"scan": SimpleUploadedFile("soglasie.pdf", PDF, content_type="application/pdf")}),
        "registry:partner_create": Case(
            curator, reverse("registry:partner_create"), count(Partner), {"name": "ООО «Вектор»"}),
        "registry:topic_create": Case(
            curator, reverse("registry:topic_list"), count(Topic), {"name": "Робототехника"},
            post_url=reverse("registry:topic_create"), containing="name"),
        "registry:mentor_profile_edit": Case(
            curator, reverse("registry:mentor_profile_edit", args=[w["bare_teacher"].pk]), count(MentorProfile),
            {"competencies": "Олимпиадная математика", "capacity": "2"}),
        "registry:mentee_profile_edit": Case(
            curator, reverse("registry:mentee_profile_edit", args=[w["bare_student"].pk]), count(MenteeProfile),
            {"request": "Подготовка к олимпиаде"}),
        "registry:headcount_edit": Case(
            d.municipal, reverse("registry:headcount_edit", args=[school.pk, year.pk]),
            count(OrganisationHeadcount),
            {"students_total": "500", "students_aged_10_plus": "300", "teachers_total": "40",
             "young_specialists": "4"}),
        "mentoring:programme_create": Case(
            curator, reverse("mentoring:programme_create"), count(Programme),
            {"form": str(MentoringForm.objects.exclude(pk=programme.form_id).filter(is_active=True).first().pk),
             "starts_on": TODAY.isoformat(), "ends_on": (TODAY + datetime.timedelta(days=200)).isoformat(),
             "title": "Вторая программа"}),
        "mentoring:pair_create": Case(
            curator, reverse("mentoring:pair_create", args=[programme.pk]), count(Pair),
            {"mentor": str(w["free_mentor"].pk), "mentees": [str(w["free_mentee"].pk)]}),
        "mentoring:meeting_create": Case(
            curator, reverse("mentoring:meeting_create", args=[pair.pk]), count(Meeting),
            {"kind": Meeting.Kind.REGULAR, "format": Meeting.Format.IN_PERSON, "topic": "Разбор задач",
             "held_on": TODAY.isoformat()}),
        "mentoring:group_meeting_create": Case(
            curator, reverse("mentoring:group_meeting_create", args=[programme.pk]), count(Meeting),
            {"format": Meeting.Format.IN_PERSON, "topic": "Итоги года", "held_on": TODAY.isoformat()}),
        "mentoring:add_mentee": Case(
            curator, reverse("mentoring:add_mentee", args=[pair.pk]), count(Membership),
            {"mentee": str(w["group_mentee"].pk)}),
        "mentoring:replace_mentor": Case(
            curator, reverse("mentoring:replace_mentor", args=[pair.pk]), count(MentorLink),
            {"mentor": str(w["new_mentor"].pk), "reason": "Наставник уволился"}),
        "mentoring:order_create": Case(
            curator, reverse("mentoring:order_create") + "?kind=pairs", count(Order), {"pairs": [str(pair.pk)]}),
        "mentoring:plan_detail": Case(
            curator, reverse("mentoring:plan_detail", args=[w["membership"].pk]), count(PlanItem),
            {"goal": "Олимпиада", "action": "Решать задачи прошлых лет",
             "due_on": (TODAY + datetime.timedelta(days=30)).isoformat()}, containing="goal"),
        "mentoring:preferences": Case(
            curator, reverse("mentoring:preferences", args=[programme.pk]), count(Preference),
            {"side": "mentee", "mentee": str(w["free_mentee"].pk), "mentor": str(w["free_mentor"].pk), "rank": "1"},
            containing="rank"),
        "roadmaps:roadmap_create": Case(
            d.municipal, reverse("roadmaps:roadmap_create"), count(Roadmap),
            {"owner": f"municipality-{d.municipality.pk}", "source": "template",
             "template": str(w["template"].pk)}),
        "roadmaps:item_create": Case(
            curator, reverse("roadmaps:item_create", args=[w["roadmap"].pk]), count(RoadmapItem),
            {"stage": "1", "title": "Круглый стол наставников", "deadline_kind": "months",
             "deadline_from": "10", "deadline_to": "11"}),
        "roadmaps:occurrence_edit": Case(
            curator, reverse("roadmaps:occurrence_edit", args=[w["occurrence"].pk]), count(EvidenceFile),
            {"status": Occurrence.Status.IN_PROGRESS, "evidence": "Протокол № 3"},
            files=lambda: {"files": SimpleUploadedFile("protokol.pdf", PDF, content_type="application/pdf")}),
        "monitoring:report_create": Case(
            curator, reverse("monitoring:report_create"), count(MonitoringReport), {}),
        "monitoring:case_create": Case(
            curator, reverse("monitoring:case_create"), count(BestPractice),
            {"title": "Олимпиадная команда", "description": "Как готовили команду",
             "form": str(programme.form_id)}),
        "monitoring:response_create": Case(
            curator, reverse("monitoring:response_create", args=[w["questionnaire"].pk]),
            count(SurveyResponse, submitted_at__isnull=False),
            {"participant": str(w["mentee_person"].pk), **_answers(w["questionnaire"])}),
        "monitoring:links_create": Case(
            curator, reverse("monitoring:links_create", args=[w["questionnaire"].pk]),
            count(SurveyResponse, token__isnull=False),
            {"participants": [str(w["mentee_person"].pk)], "days": "14"}),
        "monitoring:export_list": Case(
            curator, reverse("monitoring:export_list"), count(ExportJob),
            {"kind": ExportJob.Kind.STATISTICS, "year": str(year.start_year)}, containing="kind"),
        "monitoring:targets_edit": Case(
            d.municipal, reverse("monitoring:targets_edit"), count(CoverageTarget),
            {"students_percent": "10", "teachers_percent": "20"}),
        "monitoring:questionnaire_edit": Case(
            d.municipal, reverse("monitoring:questionnaire_edit", args=[w["questionnaire"].pk]), count(Question),
            {}, containing="questions-TOTAL_FORMS"),
    }


def _questionnaire_new_question(data: dict) -> dict:
    """The editor's empty row filled in: a new question at the end."""
    index = int(data["questions-TOTAL_FORMS"]) - 1
    return {f"questions-{index}-text": "Что бы вы изменили?", f"questions-{index}-type": Question.Type.TEXT}


CREATE_VIEWS = [
    "registry:participant_create", "registry:consent_create", "registry:partner_create", "registry:topic_create",
    "registry:mentor_profile_edit", "registry:mentee_profile_edit", "registry:headcount_edit",
    "mentoring:programme_create", "mentoring:pair_create", "mentoring:meeting_create",
    "mentoring:group_meeting_create", "mentoring:add_mentee", "mentoring:replace_mentor", "mentoring:order_create",
    "mentoring:plan_detail", "mentoring:preferences",
    "roadmaps:roadmap_create", "roadmaps:item_create", "roadmaps:occurrence_edit",
    "monitoring:report_create", "monitoring:case_create", "monitoring:response_create", "monitoring:links_create",
    "monitoring:export_list", "monitoring:targets_edit", "monitoring:questionnaire_edit",
]


def _form_data(client, case: Case) -> dict:
    page = client.get(case.url)
    assert page.status_code == 200, page.status_code
    data = PageForms(page.content.decode()).the_form(case.containing)
    if "questions-TOTAL_FORMS" in data:
        data.update(_questionnaire_new_question(data))
    for name, value in case.data.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def _post(client, case: Case, data: dict):
    return client.post(case.post_url or case.url, {**data, **(case.files() if case.files else {})})


def _errors(response) -> str:
    context = getattr(response, "context", None) or {}
    form = context.get("form") if hasattr(context, "get") else None
    return repr(getattr(form, "errors", None)) + repr([str(m) for m in get_messages(response.wsgi_request)])


def test_every_create_view_is_declared_once():
    """The list below is every view with ``@once``: a new create view is walked too, or this fails."""
    from tests.test_permissions import PATTERNS

    declared = sorted(name for name, _route, view in PATTERNS if getattr(view, "once", False))
    assert declared == sorted(CREATE_VIEWS)


@pytest.mark.parametrize("name", CREATE_VIEWS)
def test_the_same_form_sent_twice_creates_once(name, world, client_for):
    case = cases(world)[name]
    client = client_for(case.user, tokens=False)
    data = _form_data(client, case)
    assert re.fullmatch(once.TOKEN, data[once.FIELD])
    before = case.count()

    first = _post(client, case, data)
    # The links just issued are shown at once (to copy or print), not behind a redirect.
    shows_page = name == "monitoring:links_create"
    assert first.status_code == (200 if shows_page else 302), (first.status_code, _errors(first))
    assert case.count() == before + 1, _errors(first)
    claim = SubmittedForm.objects.get(token=data[once.FIELD])
    assert claim.user == case.user
    if not shows_page:  # the links are written in bulk, which announces no row
        assert claim.created

    second = _post(client, case, data)
    assert second.status_code == 302
    assert case.count() == before + 1, "the second POST of the same form created again"
    assert second["Location"] == (case.url if shows_page else first["Location"]) == claim.result_url
    shown = client.get(second["Location"])
    assert shown.status_code == 200
    assert "Форма уже была отправлена — показан результат" in shown.content.decode()


@pytest.mark.parametrize("name", CREATE_VIEWS)
def test_a_post_without_a_token_creates_nothing(name, world, client_for):
    case = cases(world)[name]
    client = client_for(case.user, tokens=False)
    data = _form_data(client, case)
    before = case.count()
    for token in (None, "", "короткий"):
        sent = {**data, once.FIELD: token} if token is not None else {k: v for k, v in data.items() if k != once.FIELD}
        response = _post(client, case, sent)
        assert response.status_code in (302, 400), response.status_code
        assert case.count() == before
        page = response if response.status_code == 400 else client.get(response["Location"])
        assert "Форма пришла без действующей одноразовой отметки" in page.content.decode()
        if response.status_code == 400:
            # The form is shown again, with a fresh token to send it properly.
            assert token_of(page.content.decode()) != data[once.FIELD]
    assert not SubmittedForm.objects.exists()


def test_a_form_with_errors_keeps_its_token_usable(world, client_for):
    case = cases(world)["mentoring:meeting_create"]
    client = client_for(case.user, tokens=False)
    data = _form_data(client, case)
    wrong = client.post(case.url, {**data, "held_on": (TODAY + datetime.timedelta(days=3)).isoformat()})
    assert wrong.status_code == 200 and Meeting.objects.count() == 0
    assert not SubmittedForm.objects.exists()
    assert client.post(case.url, data).status_code == 302
    assert Meeting.objects.count() == 1


def test_the_token_is_the_users_own(world, client_for):
    case = cases(world)["registry:partner_create"]
    data = _form_data(client_for(case.user, tokens=False), case)
    assert client_for(case.user, tokens=False).post(case.url, data).status_code == 302
    other = client_for(world["district"].member1, tokens=False)
    response = other.post(case.url, {**data, "name": "ООО «Другое»"})
    assert response.status_code == 400
    assert Partner.objects.count() == 1


def test_old_tokens_are_forgotten(world, client_for):
    case = cases(world)["registry:partner_create"]
    client = client_for(case.user, tokens=False)
    client.post(case.url, _form_data(client, case))
    SubmittedForm.objects.update(created_at=timezone.now() - datetime.timedelta(days=2))
    assert once.forget_old() == 1 and not SubmittedForm.objects.exists()

    from registry import tasks

    client.post(case.url, {**_form_data(client, case), "name": "ООО «Третье»"})
    SubmittedForm.objects.update(created_at=timezone.now() - datetime.timedelta(days=2))
    # The user's next POST takes their old ones away too.
    client.post(case.url, {**_form_data(client, case), "name": "ООО «Четвёртое»"})
    assert SubmittedForm.objects.count() == 1
    assert tasks.forget_submitted_forms() == 0


# --- the natural duplicates --------------------------------------------------------------------------------


def test_the_same_meeting_of_a_pair_is_refused_with_its_name(world, client_for):
    client = client_for(world["curator"])
    case = cases(world)["mentoring:meeting_create"]
    data = _form_data(client, case)
    assert client.post(case.url, {**data, once.FIELD: once.new_token()}).status_code == 302
    meeting = Meeting.objects.get()
    again = client.post(case.url, {**data, "topic": "Другая тема", once.FIELD: once.new_token()})
    assert again.status_code == 200
    error = " ".join(again.context["form"].errors["held_on"])
    assert "Эта встреча пары уже записана" in error and "Разбор задач" in error and str(meeting.pk) in error
    assert Meeting.objects.count() == 1
    # Another kind the same day is another meeting.
    other_kind = client.post(case.url, {**data, "kind": Meeting.Kind.FINAL, once.FIELD: once.new_token()})
    assert other_kind.status_code == 302 and Meeting.objects.count() == 2


def test_the_same_group_meeting_is_refused(world, client_for):
    client = client_for(world["curator"])
    case = cases(world)["mentoring:group_meeting_create"]
    data = _form_data(client, case)
    assert client.post(case.url, data).status_code == 302
    again = client.post(case.url, {**data, once.FIELD: once.new_token()})
    assert again.status_code == 200
    assert "Общая встреча программы за этот день уже записана" in " ".join(again.context["form"].errors["held_on"])
    assert Meeting.objects.count() == 1


def test_the_same_person_is_refused_and_nothing_is_created(world, client_for):
    client = client_for(world["curator"])
    case = cases(world)["registry:participant_create"]
    data = _form_data(client, case)
    assert client.post(case.url, data).status_code == 302
    before = Participant.objects.count()
    again = client.post(case.url, {**data, once.FIELD: once.new_token(), "last_name": " новикова ",
                                   "class_name": "10А"})
    assert again.status_code == 200
    assert "Такой участник уже есть в реестре организации" in again.content.decode()
    assert Participant.objects.count() == before


def test_the_same_case_title_is_refused(world, client_for):
    client = client_for(world["curator"])
    case = cases(world)["monitoring:case_create"]
    data = _form_data(client, case)
    assert client.post(case.url, data).status_code == 302
    existing = BestPractice.objects.get()
    again = client.post(case.url, {**data, "title": "  олимпиадная   КОМАНДА ", once.FIELD: once.new_token()})
    assert again.status_code == 200
    assert f"уже есть в базе организации (запись № {existing.pk})" in " ".join(again.context["form"].errors["title"])
    assert BestPractice.objects.count() == 1


def test_the_same_case_of_a_pair_is_refused(world, client_for):
    pair = world["pair"]
    mentoring_services.close_pair(pair, status=Pair.Status.COMPLETED, on=TODAY, results="Победа",
                                  best_practice="Как готовились")
    client = client_for(world["curator"])
    url = reverse("monitoring:case_create") + f"?pair={pair.pk}"
    data = PageForms(client.get(url).content.decode()).the_form()
    assert client.post(url, data).status_code == 302
    again = client.post(url, {**data, once.FIELD: once.new_token()})
    assert again.status_code == 200 and BestPractice.objects.filter(pair=pair).count() == 1


def test_the_same_consent_is_refused(world, client_for):
    client = client_for(world["curator"])
    case = cases(world)["registry:consent_create"]
    data = _form_data(client, case)
    assert _post(client, case, data).status_code == 302
    again = _post(client, case, {**data, once.FIELD: once.new_token()})
    assert again.status_code == 200 and "Это согласие уже внесено" in again.content.decode()
    assert Consent.objects.filter(participant=world["bare_teacher"]).count() == 1


def test_the_same_plan_line_is_refused(world, client_for):
    client = client_for(world["curator"])
    case = cases(world)["mentoring:plan_detail"]
    data = _form_data(client, case)
    assert client.post(case.url, data).status_code == 302
    again = client.post(case.url, {**data, "goal": "олимпиада", once.FIELD: once.new_token()})
    assert again.status_code == 200 and "Такой пункт уже есть в плане: № 1" in again.content.decode()
    assert PlanItem.objects.count() == 1


def test_the_same_roadmap_item_is_refused(world, client_for):
    client = client_for(world["curator"])
    case = cases(world)["roadmaps:item_create"]
    data = _form_data(client, case)
    assert client.post(case.url, data).status_code == 302
    before = RoadmapItem.objects.count()
    again = client.post(case.url, {**data, once.FIELD: once.new_token()})
    assert again.status_code == 200 and "Такое мероприятие уже есть в этом этапе" in again.content.decode()
    assert RoadmapItem.objects.count() == before


# --- a race on a unique constraint is a form error -------------------------------------------------------


def _race(monkeypatch, model, make_conflict):
    """The conflicting row appears between the form's check and the save, as another request would do.

    Here it is written on the same connection, inside the savepoint the refused save rolls back: it goes
    with it, where another request's row would stay; what counts is that this request created nothing
    and answered with a form error."""
    original = model.save

    def save(self, *args, **kwargs):
        if self.pk is None and not getattr(save, "done", False):
            save.done = True
            make_conflict()
        return original(self, *args, **kwargs)

    monkeypatch.setattr(model, "save", save)


def test_a_partner_saved_meanwhile_is_a_form_error(world, client_for, monkeypatch):
    client = client_for(world["curator"])
    case = cases(world)["registry:partner_create"]
    data = _form_data(client, case)
    _race(monkeypatch, Partner, lambda: Partner.objects.bulk_create(
        [Partner(organisation=world["school"], name="ООО «Вектор»")]))
    response = client.post(case.url, data)
    assert response.status_code == 200
    assert "Такой партнёр в организации уже есть." in response.content.decode()
    assert not Partner.objects.exists()
    assert not SubmittedForm.objects.exists()  # the token stays usable


def test_a_programme_saved_meanwhile_is_a_form_error(world, client_for, monkeypatch):
    client = client_for(world["curator"])
    case = cases(world)["mentoring:programme_create"]
    data = _form_data(client, case)
    form = MentoringForm.objects.get(pk=data["form"])
    _race(monkeypatch, Programme, lambda: Programme.objects.bulk_create([Programme(
        organisation=world["school"], academic_year=world["year"], form=form, starts_on=TODAY, ends_on=TODAY)]))
    response = client.post(case.url, data)
    assert response.status_code == 200
    assert "Программа по этой форме на этот учебный год уже есть." in response.content.decode()
    assert Programme.objects.count() == 1


def test_a_roadmap_created_meanwhile_is_a_form_error(world, client_for, monkeypatch):
    district = world["district"]
    client = client_for(district.municipal)
    case = cases(world)["roadmaps:roadmap_create"]
    data = _form_data(client, case)
    _race(monkeypatch, Roadmap, lambda: Roadmap.objects.bulk_create([Roadmap(
        municipality=district.municipality, academic_year=world["year"], title="Другая")]))
    response = client.post(case.url, data)
    assert response.status_code == 200
    assert "учебный год уже есть" in response.content.decode()
    assert not Roadmap.objects.filter(municipality=district.municipality).exists()


def test_targets_saved_meanwhile_are_a_form_error(world, client_for, monkeypatch):
    client = client_for(world["district"].municipal)
    case = cases(world)["monitoring:targets_edit"]
    data = _form_data(client, case)
    _race(monkeypatch, CoverageTarget, lambda: CoverageTarget.objects.bulk_create([CoverageTarget(
        municipality=world["district"].municipality, academic_year=world["year"])]))
    response = client.post(case.url, data)
    assert response.status_code == 200
    assert "только что сохранил другой пользователь" in response.content.decode()


def test_a_topic_saved_meanwhile_is_a_form_error(world, client_for, monkeypatch):
    client = client_for(world["curator"])
    case = cases(world)["registry:topic_create"]
    data = _form_data(client, case)
    _race(monkeypatch, Topic, lambda: Topic.objects.bulk_create([Topic(organisation=world["school"],
                                                                       name="Робототехника")]))
    response = client.post(case.post_url, data)
    assert response.status_code == 200
    assert "Такое направление уже есть в справочнике." in response.content.decode()


def test_a_repeat_waits_for_the_first_and_shows_its_result(world, client_for):
    """The second POST of a token finds the first one's row, however it got there: it never runs the view."""
    client = client_for(world["curator"], tokens=False)
    case = cases(world)["registry:partner_create"]
    data = _form_data(client, case)
    SubmittedForm.objects.create(token=data[once.FIELD], user=world["curator"], path=case.url,
                                 result_url="/somewhere/")
    with mock.patch("registry.views.partners.PartnerForm") as form:
        response = client.post(case.url, data)
    form.assert_not_called()
    assert response.status_code == 302 and response["Location"] == "/somewhere/"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="two connections at once: the PostgreSQL run")
def test_two_simultaneous_posts_of_one_form_create_once(transactional_db, district, client_for, monkeypatch):
    """Two requests at the same moment (two processes of the server): the second waits on the token's
    unique index until the first commits, then shows its result."""
    from registry.forms import PartnerForm

    url = reverse("registry:partner_create")
    clients = [client_for(district.curator1, tokens=False) for _ in range(2)]
    data = PageForms(clients[0].get(url).content.decode()).the_form()
    data["name"] = "ООО «Одновременно»"
    original = PartnerForm.save

    def slow_save(self, *args, **kwargs):
        time.sleep(0.5)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(PartnerForm, "save", slow_save)
    answers = []

    def send(client):
        try:
            answers.append(client.post(url, data))
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Partner.objects.filter(name="ООО «Одновременно»").count() == 1
    assert [answer.status_code for answer in answers] == [302, 302]
    assert answers[0]["Location"] == answers[1]["Location"] == Partner.objects.get().get_absolute_url()
