"""Every URL's view declares what it needs, and the declaration is what its lookups check (issue
«Children's personal data», item 4: the permission in the lookup).

* every view reached from a URL pattern carries exactly one declaration: ``@read_only``,
  ``@requires(Perm.…)``, ``@own_records`` or the public token page's ``@public_token_view``; only
  Django's own login, logout and password pages (and the admin) are exempt, each named below;
* a ``@read_only`` view answers 405 to a POST, whoever sends it;
* the regional observer sees every object of the region and may write nothing: every ``@requires`` view
  answers them 403 or 404, for GET and POST alike, and nothing in the database changes.

The URLs are filled with real objects of school 1, one of each kind, so a 404 is not a missing row.
"""

import ast
import datetime
import functools
import hashlib
import inspect

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from mentoring import orders as order_service
from mentoring import services as mentoring_services
from mentoring.models import Meeting, Order, PlanItem
from monitoring import analysis as analysis_service
from monitoring import links as link_service
from monitoring import services as monitoring_services
from monitoring.models import BestPractice, BestPracticeFile, ExportJob, Questionnaire, StatisticsSubmission
from registry import destruction
from registry.models import AcademicYear, ParticipantImport, Topic
from registry.scoping import Perm
from roadmaps import services as roadmap_services
from roadmaps.models import EvidenceFile, Level, Occurrence
from tests import factories

TODAY = timezone.localdate()
PDF = factories.pdf_bytes()

# Views that carry no declaration, each with the reason. Nothing else may be missing one.
EXEMPT = {
    "login": "Django's LoginView: the form that logs in, before there is a user or a scope",
    "logout": "Django's LogoutView: ends the user's own session",
    "password_change": "Django's PasswordChangeView: the user's own password, checked by the old one",
    "password_change_done": "Django's PasswordChangeDoneView: a confirmation page",
    "healthz": "the health check for an outside monitor: no login, no personal data, reads only",
}

# Views that write without a permission on an organisation; the declaration says so.
NOT_BY_PERMISSION = {
    "roadmaps:notifications_read": "own_records",  # the user's own reminders
    "roadmaps:reminder_settings": "own_records",  # the user's own e-mail opt-out
    "registry:notification_open": "own_records",  # marks the user's own notice read
    "registry:notifications_read": "own_records",  # the user's own notices
    "registry:notification_settings": "own_records",  # the user's own letters opt-out
    "monitoring:export_list": "own_records",  # the export jobs the user requests, of what they see
    "monitoring:export_cancel": "own_records",  # the user's own export job
    "monitoring:export_retry": "own_records",  # the user's own export job
    "otp_verify": "own_records",  # the user's own one-time code
    "otp_setup": "own_records",  # the user's own code generator
    "questionnaire_answer": "public_token",  # a personal link: no login, the token opens one response
}

DECLARATIONS = {"read_only", "requires", "own_records", "public_token_view"}


# --- the URL patterns -------------------------------------------------------------------------------


def url_patterns(patterns=None, prefix="", namespace=""):
    """(name, route, view) of every URL pattern, the admin's left out."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name == "admin" or pattern.namespace == "admin":
                continue
            inner = ":".join(part for part in (namespace, pattern.namespace or "") if part)
            yield from url_patterns(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield name, prefix + str(pattern.pattern), pattern.callback


PATTERNS = list(url_patterns())


def declared(kind):
    return [(name, route, view) for name, route, view in PATTERNS
            if getattr(view, "declaration", None) == kind]


@functools.cache
def _module_tree(module):
    return ast.parse(inspect.getsource(module))


def decorators_written_on(view) -> list[str]:
    """The names of the decorators written above the view's ``def``, read from its source."""
    function = inspect.unwrap(view)
    tree = _module_tree(inspect.getmodule(function))
    node = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == function.__name__)
    names = []
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        names.append(target.id if isinstance(target, ast.Name) else getattr(target, "attr", ""))
    return names


def test_every_url_declares_what_its_view_needs():
    names = {name for name, _route, _view in PATTERNS}
    assert set(EXEMPT) <= names, "an exempt URL no longer exists: drop it from EXEMPT"
    undeclared = [f"{name} ({route})" for name, route, view in PATTERNS
                  if name not in EXEMPT and not hasattr(view, "permission")]
    assert not undeclared, ("views without @read_only / @requires(Perm.…) (or an explicit exemption): "
                            + ", ".join(undeclared))
    for name, _route, view in PATTERNS:
        if name not in EXEMPT and not hasattr(view, "view_class"):
            written = [d for d in decorators_written_on(view) if d in DECLARATIONS]
            assert len(written) == 1, f"{name}: exactly one declaration, not {written}"
    others = {name: view.declaration for name, _route, view in PATTERNS
              if getattr(view, "declaration", None) not in (None, "read_only", "requires")}
    assert others == NOT_BY_PERMISSION
    # The walk really found the portal: it cannot pass by finding nothing.
    assert len(PATTERNS) >= 80
    assert len(declared("requires")) >= 40
    assert len(declared("read_only")) >= 40
    assert all(isinstance(view.permission, Perm) for _name, _route, view in declared("requires"))


# --- one object of each kind, in school 1 ---------------------------------------------------------------


@pytest.fixture
def objects(district):
    """pk of every kind of object a URL names, keyed by the path segment before ``<int:pk>``."""
    school, curator = district.school1, district.curator1
    year = AcademicYear.objects.current()
    programme = factories.ProgrammeFactory(organisation=school, academic_year=year)
    mentor = factories.MentorProfileFactory(participant__organisation=school, capacity=3)
    factories.consent_for(mentor.participant, signed_on=TODAY - datetime.timedelta(days=90))
    mentee = factories.MenteeProfileFactory(participant__organisation=school)
    consent = factories.consent_for(mentee.participant, signed_on=TODAY - datetime.timedelta(days=90))
    pair = mentoring_services.form_pair(programme=programme, mentor=mentor, mentees=[mentee],
                                        started_on=TODAY - datetime.timedelta(days=30), by=curator)
    mentoring_services.activate(pair)
    membership = pair.memberships.get()
    plan_item = mentoring_services.save_plan_item(
        PlanItem(goal="Олимпиада", action="Решать задачи", due_on=TODAY + datetime.timedelta(days=30)),
        membership=membership)
    meeting = mentoring_services.log_meeting(
        programme=programme, pair=pair, by=curator, data=mentoring_services.MeetingInput(
            kind=Meeting.Kind.REGULAR, held_on=TODAY, format=Meeting.Format.IN_PERSON, topic="Разбор задач",
            attendee_ids=[mentor.participant_id, mentee.participant_id]))
    order = order_service.prepare_order(organisation=school, academic_year=year, kind=Order.Kind.PAIRS, number="1",
                                        issued_on=TODAY, pairs=[pair], by=curator)
    roadmap = roadmap_services.create_from_template(template=factories.roadmap_template(), academic_year=year,
                                                    organisation=school, by=curator)
    item = roadmap.items.order_by("position").first()
    occurrence = Occurrence.objects.filter(item=item).first()
    roadmap_services.report_progress(occurrence, status=Occurrence.Status.IN_PROGRESS, evidence="протокол № 1",
                                     files=[SimpleUploadedFile("protokol.pdf", PDF)], by=curator)
    questionnaire = Questionnaire.objects.filter(kind=Questionnaire.Kind.MENTEE_SATISFACTION,
                                                 is_active=True).first()
    response = link_service.issue_links(questionnaire=questionnaire, participants=[mentee.participant],
                                          by=curator)[0].response
    report = monitoring_services.start_report(school, year=year, half=1, by=curator)
    case = BestPractice.objects.create(organisation=school, title="Кейс", description="Описание", published=True,
                                       created_by=curator)
    case_file = BestPracticeFile(case=case, title="отчёт.pdf")
    case_file.file.save("otchet.pdf", ContentFile(PDF), save=True)
    job = ExportJob.objects.create(kind="statistics", params={"year": year.start_year},
                                   requested_by=curator)
    upload = ParticipantImport(organisation=school, original_name="участники.xlsx", uploaded_by=curator)
    upload.file.save("uchastniki.xlsx", ContentFile(b"not read by these tests"), save=False)
    upload.save()
    gone = factories.ParticipantFactory(organisation=school, is_archived=True)
    act = destruction.destroy([gone], by=district.director1)[0]
    partner = factories.PartnerFactory(organisation=school)
    topic = Topic.objects.create(name="Шахматный клуб", organisation=school)
    roadmap_services.create_from_template(template=factories.roadmap_template("test-district", level=Level.MUNICIPALITY),
                                          academic_year=year, municipality=district.municipality)
    analysis = analysis_service.save_analysis(municipality=district.municipality, academic_year=year, half=1,
                                              quality_analysis="Анализ", by=district.municipal)
    decision = analysis_service.add_decision(analysis, text="Семинар", responsible="МК",
                                             due_on=TODAY + datetime.timedelta(days=10), by=district.municipal)
    submission = StatisticsSubmission(organisation=school, academic_year=year, submitted_by=district.curator1)
    submission.file.save("form.xlsx", ContentFile(b"not read by these tests"), save=True)
    return {
        "participants": mentee.participant.pk, "consents": consent.pk, "partners": partner.pk,
        "organisations": school.pk, "topics": topic.pk, "import": upload.pk, "acts": act.pk,
        "forms": programme.form_id, "programmes": programme.pk, "pairs": pair.pk, "memberships": membership.pk,
        "plan-items": plan_item.pk, "meetings": meeting.pk, "orders": order.pk, "roadmaps": roadmap.pk,
        "items": item.pk, "occurrences": occurrence.pk, "files": EvidenceFile.objects.get(occurrence=occurrence).pk,
        "questionnaires": questionnaire.pk, "responses": response.pk, "reports": report.pk, "exports": job.pk,
        "cases": case.pk, "case-files": case_file.pk, "analyses": analysis.pk, "decisions": decision.pk,
        "statistics": school.pk, "submissions": submission.pk, "municipalities": district.municipality.pk,
        # the other URL arguments
        "mentee_pk": mentee.pk, "year_pk": year.pk, "token": response.token, "part": "act", "field": "portfolio",
        "signer": "representative",
    }


def url_of(name, route, objects) -> str:
    kwargs = {}
    for argument in ("pk", "mentee_pk", "year_pk", "token", "part", "field", "signer"):
        if f":{argument}>" not in route:
            continue
        if argument == "pk":
            segment = route.split("<int:pk>")[0].rstrip("/").rsplit("/", 1)[-1]
            assert segment in objects, f"{name}: no test object for «{segment}/<pk>»; add one to the fixture"
            kwargs["pk"] = objects[segment]
        else:
            kwargs[argument] = objects[argument]
    unfilled = route.count("<") - len(kwargs)
    assert unfilled == 0, f"{name}: a URL argument the test does not fill ({route})"
    return reverse(name, kwargs=kwargs)


def snapshot() -> dict[str, str]:
    """A checksum of every row of every table of the portal's apps (the many-to-many ones included)."""
    sums = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_label not in ("registry", "mentoring", "roadmaps", "monitoring"):
            continue
        rows = list(model._base_manager.order_by("pk").values_list())
        sums[model._meta.label] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return sums


def changed(before, after) -> list[str]:
    return sorted(label for label in before if before[label] != after[label])


# --- read-only views refuse to write --------------------------------------------------------------------


def test_read_only_views_answer_405_to_a_post(district, client_for, objects):
    client = client_for(district.curator1)  # may write in school 1: only the declaration refuses
    read_only = declared("read_only")
    assert len(read_only) >= 40
    wrong = {}
    for name, route, _view in read_only:
        status = client.post(url_of(name, route, objects), {}).status_code
        if status != 405:
            wrong[name] = status
    assert not wrong, f"read-only views that accepted a POST: {wrong}"


# --- the observer sees everything and may write nothing ----------------------------------------------


def test_the_regional_observer_may_write_nothing(district, client_for, objects):
    client = client_for(district.observer)
    writing = declared("requires")
    assert len(writing) >= 40
    before = snapshot()
    wrong = {}
    for name, route, view in writing:
        url = url_of(name, route, objects)
        get, post = client.get(url).status_code, client.post(url, {}).status_code
        # A page everyone reads, with a form on it for those who write (``read=Perm.VIEW``), shows; a
        # POST-only view refuses the GET by its method before anything else.
        if view.read_permission == Perm.VIEW:
            get_allowed = {200}
        elif "require_POST" in decorators_written_on(view):
            get_allowed = {405}
        else:
            get_allowed = {403, 404}
        after = snapshot()
        if get not in get_allowed or post not in (403, 404) or changed(before, after):
            wrong[name] = (get, post, *changed(before, after))
            before = after
    assert not wrong, f"writing views that let the observer through (GET, POST): {wrong}"


def test_the_objects_are_really_there_for_whoever_may_write(district, client_for, objects):
    """The observer's 403/404 above is not a missing row: the same URLs open for the curator (or the
    director, for what is theirs), except where 404 is the page's own answer to a GET."""
    own_404 = {
        "registry:topic_toggle": "only a POST toggles; a GET finds nothing",
        "mentoring:order_create": "needs ?kind=",
    }
    writers = {perm: district.curator1 for perm in Perm}
    for perm in (Perm.SIGN_ORDERS, Perm.APPROVE_ROADMAP, Perm.DESTROY_DATA):
        writers[perm] = district.director1
    for perm in (Perm.EDIT_HEADCOUNT, Perm.REVIEW_REPORT, Perm.EDIT_TARGETS, Perm.EDIT_QUESTIONNAIRES,
                 Perm.DISTRICT_ANALYSIS, Perm.EDIT_MUNICIPALITY):
        writers[perm] = district.municipal
    writers[Perm.EDIT_FORMS] = factories.UserFactory(username="admin", is_superuser=True)
    missing = {}
    for name, route, view in declared("requires"):
        if name in own_404:
            continue
        status = client_for(writers[view.permission]).get(url_of(name, route, objects)).status_code
        if status in (403, 404):
            missing[name] = status
    assert not missing, f"URLs the test fills with objects the writer does not reach: {missing}"


# --- every object of school 1 is out of reach of whoever is outside its scope ------------------------------

# Objects a URL names that are not one school's: read by every school (404 would be wrong) or the district's.
NOT_THE_SCHOOLS = {
    "forms": "the mentoring forms are the portal's, read by everyone",
    "questionnaires": "the shared questionnaire, read by every school",
    "notifications": "a user's own notices, 404 to anyone else (tests/test_notifications.py)",
}
THE_DISTRICTS = {"municipalities", "analyses", "decisions"}


def test_every_object_url_of_school_1_is_404_outside_its_scope(roles, objects):
    """The role base (tests/roles.py) over every URL that names an object: the neighbouring school, another
    district and a user without a role get 404 for school 1's objects (the district's objects: another
    district and the stranger), whatever the view; a POST-only view is asked by POST."""
    school, district_wide = {"get": [], "post": []}, {"get": [], "post": []}
    for name, route, view in PATTERNS:
        if name in EXEMPT or "<int:pk>" not in route:
            continue
        segment = route.split("<int:pk>")[0].rstrip("/").rsplit("/", 1)[-1]
        if segment in NOT_THE_SCHOOLS:
            continue
        method = "post" if "require_POST" in decorators_written_on(view) else "get"
        (district_wide if segment in THE_DISTRICTS else school)[method].append(url_of(name, route, objects))
    assert len(school["get"]) >= 60 and school["post"] and district_wide["get"]
    inside = {"owner": None, "municipal": None, "anonymous": None}
    before = snapshot()
    for method in ("get", "post"):
        roles.expect(school[method], method=method, **inside)
        roles.expect(district_wide[method], method=method, neighbour=None, **inside)
    assert changed(before, snapshot()) == ["registry.User"]  # only the logins (last_login): nothing of school 1
