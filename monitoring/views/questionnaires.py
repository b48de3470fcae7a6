"""Questionnaire pages: the shared question sets and each organisation's own, the answers of one's
organisations, and answers entered by a curator. Personal links are in ``monitoring.views.links``."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from monitoring import lists, questionnaires, selectors, services
from monitoring.models import Questionnaire, Response, keeps_shared_question_sets
from monitoring.questionnaire_forms import (
    NewQuestionnaireForm,
    QuestionFormSet,
    QuestionnaireForm,
    ResponseEntryForm,
)
from registry.listing import id_param, paginate
from registry.models import Organisation
from registry.once import once
from registry.scoping import Perm, get_visible_or_404, read_only, requires


def _survey_organisation_ids(scope) -> set[int]:
    return set(scope.editable_organisations(Perm.SURVEY).values_list("pk", flat=True))


def _can_edit(scope, questionnaire, surveyed: set[int]) -> bool:
    """Whether the user keeps this question set (``QuestionnaireQuerySet.permissions``, without a query)."""
    if questionnaire.organisation_id is None:
        return keeps_shared_question_sets(scope)
    return questionnaire.organisation_id in surveyed


def _can_survey(questionnaire, surveyed: set[int]) -> bool:
    """Whether the user may answer for or hand out links to anyone it is for."""
    if not questionnaire.is_active:
        return False
    return questionnaire.organisation_id in surveyed if questionnaire.organisation_id else bool(surveyed)


def active_questionnaire(request, pk):
    """A questionnaire in use that the user sees (another organisation's own is 404)."""
    return get_visible_or_404(Questionnaire.objects.filter(is_active=True).select_related("form"), request,
                              perm=Perm.VIEW, pk=pk)


def survey_organisation(request, questionnaire):
    """The organisation whose participants the user answers for or hands links to: their only one, or
    the one chosen with ?organisation=. None when they must choose first; 403 without the right (the
    view's ``@requires(Perm.SURVEY)``). An organisation's own questionnaire is for its people only."""
    chosen = request.GET.get("organisation")
    if chosen:
        if id_param(chosen) is None:
            raise Http404
        organisation = get_visible_or_404(Organisation, request, pk=id_param(chosen))
    elif questionnaire.organisation_id is not None:
        organisation = get_visible_or_404(Organisation, request, pk=questionnaire.organisation_id)
    else:
        first_two = list(request.scope.editable_organisations(request.required_permission)
                         .order_by("short_name")[:2])
        if not first_two:
            raise PermissionDenied
        organisation = first_two[0] if len(first_two) == 1 else None
    if organisation is not None and questionnaire.organisation_id not in (None, organisation.pk):
        raise Http404
    return organisation


def choose_organisation(request, questionnaire, title):
    return render(request, "monitoring/questionnaires/choose_organisation.html", {
        "questionnaire": questionnaire, "title": title,
        "organisations": request.scope.editable_organisations(Perm.SURVEY).order_by("short_name"),
    })


@read_only
def questionnaire_list(request):
    scope = request.scope
    surveyed = _survey_organisation_ids(scope)
    can_add = keeps_shared_question_sets(scope) or bool(surveyed)
    questionnaires_ = selectors.questionnaires_with_counts(scope)
    show_all = can_add and request.GET.get("all") == "1"
    questionnaires_, chosen = lists.filter_questionnaires(questionnaires_, request.GET, show_all=show_all)
    listing = paginate(request, questionnaires_, sorts=lists.QUESTIONNAIRE_SORTS, default="kind")
    for questionnaire in listing.rows:
        questionnaire.can_edit = _can_edit(scope, questionnaire, surveyed)
        questionnaire.can_survey = _can_survey(questionnaire, surveyed)
    return render(request, "monitoring/questionnaires/list.html", {
        "listing": listing, **chosen, "kinds": Questionnaire.Kind.choices, "owners": lists.QUESTIONNAIRE_OWNERS,
        "can_add": can_add, "show_all": show_all,
    })


@requires(Perm.SURVEY)
@once
def questionnaire_create(request):
    """A new question set: a school's own (by whoever surveys there) or a shared one (by its keepers)."""
    form = NewQuestionnaireForm(request.POST or None, organisations=request.scope.editable_organisations(Perm.SURVEY),
                                shared=keeps_shared_question_sets(request.scope))
    if not form.fields["owner"].choices:
        raise Http404
    if request.method == "POST" and form.is_valid():
        questionnaire = services.save_questionnaire(form, by=request.user)
        messages.success(request, _("Анкета создана. Добавьте вопросы."))
        return redirect("monitoring:questionnaire_edit", pk=questionnaire.pk)
    return render(request, "registry/form.html", {"form": form, "title": _("Новая анкета"),
                                                  "cancel_url": "monitoring:questionnaire_list"})


@read_only
def questionnaire_detail(request, pk):
    scope = request.scope
    questionnaire = get_visible_or_404(Questionnaire.objects.select_related("form", "organisation"), request, pk=pk)
    responses = selectors.questionnaire_responses(scope, questionnaire)
    organisations = selectors.responding_organisations(scope, questionnaire)
    organisation = next((o for o in organisations if str(o.pk) == request.GET.get("organisation")), None)
    if organisation is not None:
        responses = responses.filter(organisation=organisation)
    submitted, via = lists.responses_via(responses.filter(submitted_at__isnull=False), request.GET.get("via", ""))

    rows, retired = questionnaires.summary(questionnaire, submitted)

    now = timezone.now()
    links = responses.filter(submitted_at__isnull=True, token__isnull=False).aggregate(
        open=Count("pk", filter=Q(token_expires_at__isnull=True) | Q(token_expires_at__gt=now)),
        expired=Count("pk", filter=Q(token_expires_at__lte=now)),
    )
    listing = paginate(request, submitted.select_related("participant", "organisation", "entered_by", "pair"),
                       sorts=lists.RESPONSE_SORTS, default="-submitted")
    surveyed = _survey_organisation_ids(scope)
    return render(request, "monitoring/questionnaires/detail.html", {
        "questionnaire": questionnaire, "rows": rows, "retired": retired, "listing": listing, "links": links,
        "organisations": organisations, "organisation": organisation, "via": via,
        "show_organisation": len(organisations) > 1 and organisation is None,
        "can_edit": _can_edit(scope, questionnaire, surveyed),
        "can_survey": _can_survey(questionnaire, surveyed),
    })


@requires(Perm.EDIT_QUESTIONNAIRES)
@once
def questionnaire_edit(request, pk):
    # A shared set by its keepers, an organisation's own by those who survey there (the queryset's
    # ``permissions``): 404 to another organisation, 403 to a reader.
    questionnaire = get_visible_or_404(Questionnaire.objects.select_related("form", "organisation"), request, pk=pk)
    if request.method == "POST" and "restore" in request.POST:
        question = get_object_or_404(questionnaires.retired_questions(questionnaire),
                                     pk=request.POST["restore"] if request.POST["restore"].isdigit() else 0)
        services.restore_question(question, by=request.user)
        messages.success(request, _("Вопрос возвращён в анкету. Если он обязательный, отметьте это."))
        return redirect("monitoring:questionnaire_edit", pk=pk)

    answered = selectors.answered_question_ids(questionnaire)
    form = QuestionnaireForm(request.POST or None, instance=questionnaire, prefix="questionnaire")
    formset = QuestionFormSet(request.POST or None, queryset=questionnaires.active_questions(questionnaire),
                              prefix="questions", form_kwargs={"answered": answered})
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        retired = services.save_questions(questionnaire, form=form, formset=formset, by=request.user)
        messages.success(request, _("Анкета сохранена."))
        if retired:
            messages.info(request, _("Вопросы, на которые уже отвечали, не удалены, а сняты с анкеты: "
                                     "их ответы сохранены."))
        return redirect("monitoring:questionnaire_detail", pk=pk)
    return render(request, "monitoring/questionnaires/edit.html", {
        "questionnaire": questionnaire, "form": form, "formset": formset,
        "retired": questionnaires.retired_questions(questionnaire),
    })


@requires(Perm.SURVEY)
@once
def response_create(request, pk):
    questionnaire = active_questionnaire(request, pk)
    organisation = survey_organisation(request, questionnaire)
    if organisation is None:
        return choose_organisation(request, questionnaire, _("Ввести ответы"))
    form = ResponseEntryForm(request.POST or None, questionnaire=questionnaire, organisation=organisation,
                             questions=questionnaires.active_questions(questionnaire),
                             initial={"participant": request.GET.get("participant")})
    if request.method == "POST" and form.is_valid():
        try:
            response, created = services.enter_response(
                questionnaire=questionnaire, organisation=organisation,
                participant=form.cleaned_data.get("participant"), pair=form.cleaned_data.get("pair"),
                answers=form.answers(), by=request.user,
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            if created:
                messages.success(request, _("Ответы сохранены."))
            else:
                messages.info(request, _("Эти ответы уже были сохранены: повторная отправка не создала вторую анкету."))
            return redirect("monitoring:response_detail", pk=response.pk)
    return render(request, "monitoring/questionnaires/response_form.html", {
        "questionnaire": questionnaire, "organisation": organisation, "form": form,
    })


@read_only
def response_detail(request, pk):
    response = get_visible_or_404(
        Response.objects.select_related("questionnaire__form", "organisation", "participant", "pair__programme__form",
                                        "programme__form", "entered_by", "created_by"),
        request, pk=pk,
    )
    answers = selectors.response_answers(response)
    rows = [(question, answers.get(question.pk)) for question in response.questionnaire.questions.all()
            if question.pk in answers or not question.is_retired]
    can_survey = request.scope.can(Perm.SURVEY, response.organisation)
    link = None
    if can_survey and response.token and not response.is_submitted:
        link = request.build_absolute_uri(response.public_url())
    return render(request, "monitoring/questionnaires/response_detail.html", {
        "response": response, "rows": rows, "link": link, "link_usable": response.link_is_usable(),
    })
