"""Questionnaire pages: the shared question sets, the answers of one's organisations, answers entered
by a curator, personal links, and the public page a link opens (no login, nothing else reachable)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from monitoring import lists, questionnaires
from monitoring.models import Answer, Question, Questionnaire, Response
from monitoring.questionnaire_forms import (
    LinksForm,
    PublicAnswerForm,
    QuestionFormSet,
    QuestionnaireForm,
    ResponseEntryForm,
)
from registry.listing import paginate
from registry.models import Organisation
from registry.once import once, show_result
from registry.scoping import MUNICIPALITY_ROLE_PERMISSIONS, Perm, get_visible_or_404, read_only, requires


def _can_edit_questions(scope) -> bool:
    # The question sets are shared by every organisation: the district level (the municipal curator holds
    # EDIT_QUESTIONNAIRES for their municipality) and administrators keep them.
    return scope.is_superuser or any(
        Perm.EDIT_QUESTIONNAIRES in MUNICIPALITY_ROLE_PERMISSIONS.get(grant.role, frozenset())
        for grant in scope.grants
    )


def _can_survey(scope) -> bool:
    return scope.editable_organisations(Perm.SURVEY).exists()


def _active_questionnaire(pk):
    return get_object_or_404(Questionnaire.objects.select_related("form"), pk=pk, is_active=True)


def _survey_organisation(request):
    """The organisation whose participants the user answers for or hands links to: their only one, or
    the one chosen with ?organisation=. None when they must choose first; 403 without the right (the
    view's ``@requires(Perm.SURVEY)``)."""
    chosen = request.GET.get("organisation")
    if chosen:
        if not chosen.isdigit():
            raise Http404
        return get_visible_or_404(Organisation, request, pk=chosen)
    first_two = list(request.scope.editable_organisations(request.required_permission).order_by("short_name")[:2])
    if not first_two:
        raise PermissionDenied
    return first_two[0] if len(first_two) == 1 else None


def _choose_organisation(request, questionnaire, title):
    return render(request, "monitoring/questionnaires/choose_organisation.html", {
        "questionnaire": questionnaire, "title": title,
        "organisations": request.scope.editable_organisations(Perm.SURVEY).order_by("short_name"),
    })


@read_only
def questionnaire_list(request):
    scope = request.scope
    can_edit = _can_edit_questions(scope)
    in_scope = scope.q("responses__organisation")
    # Questions counted in a subquery: joined with the responses, they would multiply the rows.
    question_count = (Question.objects.filter(questionnaire=OuterRef("pk"), retired_at__isnull=True)
                      .values("questionnaire").annotate(n=Count("pk")).values("n"))
    questionnaires_ = Questionnaire.objects.select_related("form").annotate(
        question_count=Coalesce(Subquery(question_count), 0),
        answered=Count("responses", filter=in_scope & Q(responses__submitted_at__isnull=False)),
        waiting=Count("responses", filter=in_scope & Q(responses__submitted_at__isnull=True,
                                                       responses__token__isnull=False)),
    )
    show_all = can_edit and request.GET.get("all") == "1"
    questionnaires_, chosen = lists.filter_questionnaires(questionnaires_, request.GET, show_all=show_all)
    listing = paginate(request, questionnaires_, sorts=lists.QUESTIONNAIRE_SORTS, default="kind")
    return render(request, "monitoring/questionnaires/list.html", {
        "listing": listing, **chosen, "kinds": Questionnaire.Kind.choices,
        "can_edit": can_edit, "can_survey": _can_survey(scope), "show_all": show_all,
    })


@read_only
def questionnaire_detail(request, pk):
    scope = request.scope
    questionnaire = get_object_or_404(Questionnaire.objects.select_related("form"), pk=pk)
    responses = Response.objects.visible_to(scope).filter(questionnaire=questionnaire)
    organisations = list(Organisation.objects.visible_to(scope).filter(responses__questionnaire=questionnaire)
                         .distinct().order_by("short_name"))
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
    return render(request, "monitoring/questionnaires/detail.html", {
        "questionnaire": questionnaire, "rows": rows, "retired": retired, "listing": listing, "links": links,
        "organisations": organisations, "organisation": organisation, "via": via,
        "show_organisation": len(organisations) > 1 and organisation is None,
        "can_edit": _can_edit_questions(scope), "can_survey": questionnaire.is_active and _can_survey(scope),
    })


@requires(Perm.EDIT_QUESTIONNAIRES)
@once
def questionnaire_edit(request, pk):
    if not _can_edit_questions(request.scope):
        raise PermissionDenied
    questionnaire = get_object_or_404(Questionnaire.objects.select_related("form"), pk=pk)
    if request.method == "POST" and "restore" in request.POST:
        question = get_object_or_404(questionnaires.retired_questions(questionnaire),
                                     pk=request.POST["restore"] if request.POST["restore"].isdigit() else 0)
        questionnaires.restore_question(question)
        messages.success(request, _("Вопрос возвращён в анкету. Если он обязательный, отметьте это."))
        return redirect("monitoring:questionnaire_edit", pk=pk)

    answered = set(Answer.objects.filter(question__questionnaire=questionnaire)
                   .values_list("question_id", flat=True).distinct())
    form = QuestionnaireForm(request.POST or None, instance=questionnaire, prefix="questionnaire")
    formset = QuestionFormSet(request.POST or None, queryset=questionnaires.active_questions(questionnaire),
                              prefix="questions", form_kwargs={"answered": answered})
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        with transaction.atomic():
            form.save()
            changed = formset.save(commit=False)
            retired = sum(not questionnaires.remove_question(q) for q in formset.deleted_objects)
            for question in changed:
                question.questionnaire = questionnaire
                question.save()
            questionnaires.renumber(questionnaire)
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
    questionnaire = _active_questionnaire(pk)
    organisation = _survey_organisation(request)
    if organisation is None:
        return _choose_organisation(request, questionnaire, _("Ввести ответы"))
    form = ResponseEntryForm(request.POST or None, questionnaire=questionnaire, organisation=organisation,
                             questions=questionnaires.active_questions(questionnaire),
                             initial={"participant": request.GET.get("participant")})
    if request.method == "POST" and form.is_valid():
        try:
            response, created = questionnaires.enter_response(
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


@requires(Perm.SURVEY)
@once
def links_create(request, pk):
    questionnaire = _active_questionnaire(pk)
    organisation = _survey_organisation(request)
    if organisation is None:
        return _choose_organisation(request, questionnaire, _("Выдать ссылки"))
    form = LinksForm(request.POST or None, questionnaire=questionnaire, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        try:
            issued = questionnaires.issue_links(
                questionnaire=questionnaire, participants=form.cleaned_data["participants"],
                programme=form.cleaned_data["programme"], role=form.cleaned_data["audience"],
                days=form.cleaned_data["days"], by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            # Shown right away, to copy or print; issuing again only extends the same links. The same form
            # sent again is shown the page of the links issued (``registry.once``).
            show_result(request, request.get_full_path())
            issued.sort(key=lambda link: link.response.participant.full_name)
            return render(request, "monitoring/questionnaires/links_issued.html", {
                "questionnaire": questionnaire, "organisation": organisation,
                "links": [(link, request.build_absolute_uri(link.response.public_url())) for link in issued],
                "new": sum(link.created for link in issued),
                "extended": sum(not link.created for link in issued),
            })
    pending = [(response, request.build_absolute_uri(response.public_url()))
               for response in questionnaires.pending_links(questionnaire, [organisation.pk])]
    return render(request, "monitoring/questionnaires/links_form.html", {
        "questionnaire": questionnaire, "organisation": organisation, "form": form, "pending": pending,
        "now": timezone.now(),
    })


@read_only
def response_detail(request, pk):
    response = get_visible_or_404(
        Response.objects.select_related("questionnaire__form", "organisation", "participant", "pair__programme__form",
                                        "entered_by", "created_by"),
        request, pk=pk,
    )
    answers = {answer.question_id: answer for answer in response.answers.all()}
    rows = [(question, answers.get(question.pk)) for question in response.questionnaire.questions.all()
            if question.pk in answers or not question.is_retired]
    can_survey = request.scope.can(Perm.SURVEY, response.organisation)
    link = None
    if can_survey and response.token and not response.is_submitted:
        link = request.build_absolute_uri(response.public_url())
    return render(request, "monitoring/questionnaires/response_detail.html", {
        "response": response, "rows": rows, "link": link, "link_usable": response.link_is_usable(),
    })


# --- the public page of a personal link ----------------------------------------------------------------


PUBLIC_HEADERS = {
    # The token is in the address: never pass it to another site, never index it. Not "no-referrer":
    # browsers then send "Origin: null" with the form, and CSRF protection refuses the answers.
    "Referrer-Policy": "same-origin",
    "X-Robots-Tag": "noindex, nofollow",
}


def _public(request, template, context, status=200):
    page = render(request, f"monitoring/questionnaires/{template}", context, status=status)
    for header, value in PUBLIC_HEADERS.items():
        page[header] = value
    return page


def public_token_view(view):
    """Declare the page a personal link opens: it writes (the answers) without a login and without any
    permission, so it is neither ``@read_only`` nor ``@requires``. The token in the address is the key and
    opens exactly one ``Response`` (``questionnaires.find_link``), refused once answered, expired, or when
    the person's data may no longer be processed (``questionnaires.refusal``); nothing else is reachable
    from it, and the page is never cached."""
    view = login_not_required(never_cache(view))
    view.permission = None
    view.declaration = "public_token"
    return view


@public_token_view
def public_answer(request, token):
    response = questionnaires.find_link(token)
    if response is None:
        return _public(request, "public_message.html", {"state": "not_found"}, status=404)
    reason = questionnaires.refusal(response)
    if reason:
        return _public(request, "public_message.html", {"state": reason}, status=410)
    form = PublicAnswerForm(request.POST or None, questions=questionnaires.active_questions(response.questionnaire))
    if request.method == "POST" and form.is_valid():
        try:
            questionnaires.submit_by_link(response, form.answers())
        except questionnaires.LinkRefused as refused:
            return _public(request, "public_message.html", {"state": refused.reason}, status=410)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            return _public(request, "public_message.html", {"state": "thanks", "response": response})
    return _public(request, "public_form.html", {
        "questionnaire": response.questionnaire, "organisation_name": response.organisation.short_name,
        "first_name": response.participant.first_name if response.participant else "", "form": form,
    })
