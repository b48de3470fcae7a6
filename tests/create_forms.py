"""The forms that create something, filled in as a user would (``tests/test_double_submit.py`` and
``tests/test_natural_duplicates.py``).

``CREATE_VIEWS`` names every view declared ``@once`` (``registry.once``) and ``NOT_CREATING`` every other
view that takes a POST, each with the reason it needs no token: a new view that writes is named in one of
them, or ``test_every_writing_view_is_classified`` fails. ``cases(world)`` says, for each create view, who
opens which page, what is filled in and which rows the form creates.
"""

import datetime
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Callable

from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from mentoring import services as mentoring_services
from mentoring.models import (
    MatchingWeights,
    Meeting,
    MentoringForm,
    MentorLink,
    Membership,
    Order,
    Pair,
    PlanItem,
    Preference,
    Programme,
)
from monitoring.models import (BestPractice, CoverageTarget, DistrictAnalysis, ExportJob, ManagementDecision,
                               MonitoringReport, Question, Questionnaire, StatisticsSubmission)
from monitoring.models import Response as SurveyResponse
from registry import once
from registry.models import (
    AcademicYear,
    Consent,
    MenteeProfile,
    MentorProfile,
    OrganisationHeadcount,
    Participant,
    ParticipantImport,
    Partner,
    Topic,
)
from roadmaps import services as roadmap_services
from roadmaps.models import EvidenceFile, Level, Occurrence, Roadmap, RoadmapItem
from tests import factories
from tests.test_import import stored_import, xlsx
from tests.test_import import row as import_row


TODAY = timezone.localdate()
PDF = factories.pdf_bytes()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- the forms of a page, as a browser would send them -------------------------------------------------


class PageForms(HTMLParser):
    """Every ``<form method="post">`` of a page: the values a browser sends untouched (inputs, checked
    boxes, selected options, text areas), buttons and files left out; ``actions`` are where each is sent
    ("" for the page itself)."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.forms: list[list[tuple[str, str]]] = []
        self.actions: list[str] = []
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
                self.actions.append(attrs.get("action") or "")
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


def make_world(district) -> dict:
    """The ``world`` fixture (conftest): a school with a working pair, free people, a roadmap, a questionnaire."""
    school, curator = district.school1, district.curator1
    year = AcademicYear.objects.current()
    programme = factories.ProgrammeFactory(organisation=school, academic_year=year)

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
    roadmap = roadmap_services.create_from_template(template=factories.roadmap_template(), academic_year=year,
                                                    organisation=school, by=curator)
    occurrence = Occurrence.objects.filter(item__roadmap=roadmap).order_by("due_on", "pk").first()
    return dict(
        district=district, school=school, curator=curator, year=year, programme=programme, pair=pair,
        membership=pair.memberships.get(), free_mentor=mentor(), free_mentee=mentee(), new_mentor=mentor(),
        group_mentee=mentee(), bare_teacher=factories.TeacherFactory(organisation=school),
        bare_student=factories.ParticipantFactory(organisation=school), roadmap=roadmap, occurrence=occurrence,
        template=factories.roadmap_template(code="district", level=Level.MUNICIPALITY),
        questionnaire=Questionnaire.objects.filter(kind=Questionnaire.Kind.MENTEE_SATISFACTION, form__isnull=True,
                                                   is_active=True).first(),
        mentee_person=first_mentee.participant,
        # A checked spreadsheet of one new teacher, waiting to be loaded into the registry.
        upload=stored_import(school, xlsx([import_row()]), user=curator),
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
    bulk: bool = False  # the rows are written in bulk, which announces none (``SubmittedForm.created``)


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


def _analysis_to_decide(w):
    """An analysis to add decisions to, with its district roadmap."""
    from monitoring import analysis as analysis_service
    from roadmaps.services import create_from_template

    # Last school year's: this year's district roadmap is left for ``roadmap_create`` to make.
    d = w["district"]
    year, _created = AcademicYear.objects.get_or_create(start_year=w["year"].start_year - 1)
    found = DistrictAnalysis.objects.filter(municipality=d.municipality, academic_year=year, half=2).first()
    if found is not None:
        return found
    if analysis_service.district_roadmap(d.municipality, year) is None:
        template = factories.roadmap_template("once-district", level=Level.MUNICIPALITY, items=2, stage_count=1)
        create_from_template(template=template, academic_year=year, municipality=d.municipality, by=d.municipal)
    return analysis_service.save_analysis(municipality=d.municipality, academic_year=year, half=2,
                                          quality_analysis="Качество программ", growth_analysis="Рост участников",
                                          by=d.municipal)


def _statistics_page(w) -> str:
    """The school's statistics page, with a built form of the curator's to submit."""
    from monitoring import statistics_form, tasks

    school, year = w["school"], w["year"]
    if not statistics_form.submittable_jobs(w["curator"], school, year).exists():
        job = ExportJob.objects.create(kind="statistics_form", requested_by=w["curator"],
                                       params=statistics_form.params_for(school, year))
        tasks.build_export(job.pk)
    return reverse("monitoring:statistics", args=[school.pk]) + f"?year={year.start_year}"


def _first_found(w) -> int:
    """Someone the links page finds for the questionnaire with no filter (processing allowed): ticked."""
    from monitoring import link_lists

    questionnaire, school = w["questionnaire"], w["school"]
    found = link_lists.candidates(questionnaire, school, link_lists.read_filter({}, questionnaire, school))
    return next(person.pk for person in found.order_by("pk") if person.has_valid_consent)


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
        "registry:import_upload": Case(
            curator, reverse("registry:import_upload"), count(ParticipantImport), {},
            files=lambda: {"file": SimpleUploadedFile("uchastniki.xlsx", xlsx([import_row()]), content_type=XLSX)}),
        "registry:import_preview": Case(
            curator, reverse("registry:import_preview", args=[w["upload"].pk]), count(Participant), bulk=True),
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
        "mentoring:weights_edit": Case(
            curator, reverse("mentoring:weights_edit", args=[programme.pk]), count(MatchingWeights),
            {"topics": "3"}),
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
            {"participant": [str(_first_found(w))], "days": "14"}, bulk=True),
        "monitoring:questionnaire_create": Case(
            curator, reverse("monitoring:questionnaire_create"), count(Questionnaire),
            {"title": "Чем я могу быть полезен", "kind": Questionnaire.Kind.INTAKE}),
        "monitoring:analysis_create": Case(
            d.municipal, reverse("monitoring:analysis_create"), count(DistrictAnalysis),
            {"quality_analysis": "Программы выполняются", "growth_analysis": "Рост заметен"}),
        "monitoring:decision_create": Case(
            d.municipal, reverse("monitoring:decision_create", args=[_analysis_to_decide(w).pk]),
            count(ManagementDecision),
            {"text": "Провести семинар наставников", "responsible": "Муниципальный куратор",
             "due_on": (timezone.localdate() + datetime.timedelta(days=20)).isoformat()}),
        "monitoring:export_list": Case(
            curator, reverse("monitoring:export_list"), count(ExportJob),
            {"kind": "statistics", "year": str(year.start_year)}, containing="kind"),
        "monitoring:statistics_request": Case(
            curator, reverse("monitoring:statistics", args=[w["school"].pk]), count(ExportJob), {},
            post_url=reverse("monitoring:statistics_request", args=[w["school"].pk]), containing="build"),
        "monitoring:statistics_submit": Case(
            curator, _statistics_page(w), count(StatisticsSubmission), {"note": "направлена по почте"},
            post_url=reverse("monitoring:statistics_submit", args=[w["school"].pk]), containing="job"),
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


# Every view declared ``@once``: the forms that create something (or create a row on the first save of a
# create-or-update form: a profile, the head counts, the targets, the matching weights).
CREATE_VIEWS = [
    "registry:participant_create", "registry:consent_create", "registry:partner_create", "registry:topic_create",
    "registry:mentor_profile_edit", "registry:mentee_profile_edit", "registry:headcount_edit",
    "registry:import_upload", "registry:import_preview",
    "mentoring:programme_create", "mentoring:weights_edit", "mentoring:pair_create", "mentoring:meeting_create",
    "mentoring:group_meeting_create", "mentoring:add_mentee", "mentoring:replace_mentor", "mentoring:order_create",
    "mentoring:plan_detail", "mentoring:preferences",
    "roadmaps:roadmap_create", "roadmaps:item_create", "roadmaps:occurrence_edit",
    "monitoring:report_create", "monitoring:case_create", "monitoring:response_create", "monitoring:links_create",
    "monitoring:export_list", "monitoring:statistics_request", "monitoring:statistics_submit",
    "monitoring:targets_edit", "monitoring:questionnaire_edit",
    "monitoring:questionnaire_create", "monitoring:analysis_create", "monitoring:decision_create",
]

# Every other view that takes a POST, and why sending it twice does no harm without a token: it changes
# a row that exists (the second POST finds it changed), or its service refuses a repeat by the row's state.
NOT_CREATING = {
    "otp_verify": "checks a code of the user's own device; creates nothing",
    "otp_setup": "the user's one unconfirmed device (get_or_create), confirmed once",
    "registry:participant_edit": "edits the person",
    "registry:participant_archive": "archives; the processing stops are reconciled under a row lock, one open "
                                    "stop per purpose (a unique constraint)",
    "registry:participant_restore": "restores; the stops are reconciled, as above",
    "registry:participant_history": "a page to read (audit permission); a POST changes nothing",
    "registry:destroy_now": "a person already destroyed is refused by its state («уже уничтожены»)",
    "registry:destruction_list": "a page to read (destruction permission); a POST changes nothing",
    "registry:destruction_act": "a page to read (audit permission); a POST changes nothing",
    "registry:destruction_act_file": "a file to read (audit permission); a POST changes nothing",
    "registry:destruction_act_file_docx": "the same file as DOCX (registry.documents); a POST changes nothing",
    "registry:export_log": "a page to read (export log permission); a POST changes nothing",
    "registry:consent_revoke": "revokes a consent; a revoked one stays revoked",
    "registry:partner_edit": "edits the partner",
    "registry:organisation_edit": "edits the organisation",
    "registry:municipality_settings_edit": "edits the municipality's settings: one row, saved again unchanged",
    "registry:topic_toggle": "switches an entry of the vocabulary on or off",
    "mentoring:form_edit": "edits a form of mentoring",
    "mentoring:programme_edit": "edits the programme",
    "mentoring:propose": "replaces the unconfirmed proposals under a lock on the programme: twice is the same",
    "mentoring:pair_confirm": "a status change, refused when the pair is no longer proposed",
    "mentoring:pair_reject": "a status change, refused when the pair is no longer proposed",
    "mentoring:pair_activate": "a status change, refused when the pair is no longer forming",
    "mentoring:pair_close": "a status change, refused when the pair is already closed",
    "mentoring:proposals": "rejects or re-mentors the ticked proposals; a repeat finds them no longer proposed "
                           "(«Уже сделано раньше»)",
    "mentoring:proposal_confirm": "confirms the ticked proposals, each changing its own row; a repeat finds them "
                                  "confirmed (mentoring.proposals)",
    "mentoring:membership_leave": "ends a membership; an ended one is refused",
    "mentoring:long_term_base": "the mentor profile is get_or_create; the flag is set again",
    "mentoring:plan_item_edit": "edits a line of the plan",
    "mentoring:order_edit": "edits a draft order",
    "mentoring:order_sign": "one conditional update signs; a repeat gets «Приказ уже подписан»",
    "roadmaps:roadmap_approve": "one conditional update approves and, in the same transaction, issues the order of "
                                "the register; a repeat gets «уже утверждена» and issues none",
    "roadmaps:item_edit": "edits an item",
    "roadmaps:item_move": "moves an item one place (a repeat moves it one more, as a second click would)",
    "roadmaps:item_remove": "marks an item removed; a removed one stays removed",
    "roadmaps:occurrence_deadline": "changes a deadline",
    "roadmaps:occurrences_done": "marks the ticked occurrences done; a repeat finds them done («Уже были "
                                 "выполнены»)",
    "roadmaps:notifications_read": "marks the user's own reminders read",
    "roadmaps:reminder_settings": "the user's own e-mail opt-out",
    "monitoring:report_edit": "edits the analysis of a report",
    "monitoring:report_submit": "a status change, refused by the report's state when repeated",
    "monitoring:report_review": "a status change, refused by the report's state when repeated",
    "monitoring:export_cancel": "one conditional update cancels the user's own job",
    "monitoring:export_retry": "one conditional update puts a failed or cancelled job back; a repeat finds it "
                               "pending",
    "monitoring:case_edit": "edits a case",
    "questionnaire_answer": "a personal link: the token opens one response, answered once",
    "mentoring:support_record": "the same support (mentee, programme, kind, date, note) is found and not stored "
                                "again («Это сопровождение уже записано»)",
    "monitoring:analysis_edit": "edits the one analysis of a municipality and half-year",
    "monitoring:decision_withdraw": "withdraws a decision; a withdrawn one stays withdrawn",
    "monitoring:links_pdf": "the links' sheet as a PDF; a POST changes nothing",
    "monitoring:links_docx": "the links' sheet as DOCX (registry.documents); a POST changes nothing",
    "monitoring:remind_late": "notices keyed per school and day: pressed twice in a day, sent once",
    "registry:notification_open": "marks the user's own notice read and follows its link",
    "registry:notification_settings": "the user's own e-mail opt-outs",
    "registry:notifications_read": "marks the user's own notices read",
}


def form_data(client, case: Case) -> dict:
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


def post(client, case: Case, data: dict):
    return client.post(case.post_url or case.url, {**data, **(case.files() if case.files else {})})


def errors(response) -> str:
    context = getattr(response, "context", None) or {}
    form = context.get("form") if hasattr(context, "get") else None
    return repr(getattr(form, "errors", None)) + repr([str(m) for m in get_messages(response.wsgi_request)])

