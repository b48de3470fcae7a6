"""Personal questionnaire links: the filtered list they are issued from, the printed sheets with QR
codes, and the public page a link opens (no login, nothing else reachable)."""

from dataclasses import replace
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from monitoring import link_lists, links, services
from monitoring.questionnaire_forms import IssueLinksForm, PublicAnswerForm
from monitoring.questionnaires import active_questions
from monitoring.views.questionnaires import active_questionnaire, choose_organisation, survey_organisation
from registry import audit
from registry.listing import paginate
from registry.once import once, show_result
from registry.pdf import pdf_response, render_pdf
from registry.scoping import Perm, requires


def _sheet_url(questionnaire, organisation, chosen, participant_ids=()) -> str:
    query = {"organisation": organisation.pk, **chosen.params()}
    return (reverse("monitoring:links_pdf", args=[questionnaire.pk]) + "?"
            + urlencode([*query.items(), *(("participant", pk) for pk in participant_ids)]))


@requires(Perm.SURVEY)
@once
def links_create(request, pk):
    """The people the questionnaire is for, filtered; links for the ticked ones or for everyone found."""
    questionnaire = active_questionnaire(request, pk)
    organisation = survey_organisation(request, questionnaire)
    if organisation is None:
        return choose_organisation(request, questionnaire, _("Выдать ссылки"))
    chosen = link_lists.read_filter(request.GET, questionnaire, organisation)
    found = link_lists.candidates(questionnaire, organisation, chosen)
    form = IssueLinksForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ticked = form.cleaned_data["participants"]
        # Only people the filters found: an id from elsewhere (another school, another filter) is ignored.
        people = found if form.cleaned_data["everyone"] else found.filter(pk__in=ticked)
        try:
            batch = services.issue_bulk(questionnaire=questionnaire, people=people,
                                        pairs=chosen.pairs(questionnaire, organisation), role=chosen.role,
                                        days=form.cleaned_data["days"], by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            # Shown right away, to copy or print; issuing again only extends the same links. The same form
            # sent again is shown this page's list (``registry.once``).
            show_result(request, request.get_full_path())
            issued = sorted(batch.links, key=lambda link: (link_lists.class_order(link.response.participant.class_name),
                                                          link.response.participant.full_name))
            return render(request, "monitoring/questionnaires/links_issued.html", {
                "questionnaire": questionnaire, "organisation": organisation, "batch": batch,
                "links": [(link, request.build_absolute_uri(link.response.public_url())) for link in issued],
                "sheet_url": _sheet_url(questionnaire, organisation, chosen,
                                        () if form.cleaned_data["everyone"] else ticked),
            })
    listing = paginate(request, found, sorts=link_lists.SORTS, default="name")
    issuable = link_lists.issuable(found) if listing.count else 0
    return render(request, "monitoring/questionnaires/links_form.html", {
        "questionnaire": questionnaire, "organisation": organisation, "form": form, "chosen": chosen,
        "listing": listing, "rows": link_lists.rows(questionnaire, organisation, listing.rows, chosen),
        "sheet_url": _sheet_url(questionnaire, organisation, chosen), "now": timezone.now(),
        # The sheets print issued, unused links only: with none, the button would give an empty file.
        "printable": link_lists.printable(questionnaire, found, programme=chosen.programme,
                                          now=timezone.now()).count(),
        "filtered": bool(chosen.params()),
        "issuable": issuable, "left_out": listing.count - issuable,
    })


@requires(Perm.SURVEY)
def links_pdf(request, pk):
    """The unused links of the people the filters find (or of the ``?participant=`` among them), one A4
    sheet per class, each link as a QR code with its text, to cut and hand out."""
    questionnaire = active_questionnaire(request, pk)
    organisation = survey_organisation(request, questionnaire)
    if organisation is None:
        raise Http404  # the page's sheet address always names the organisation
    chosen = link_lists.read_filter(request.GET, questionnaire, organisation)
    people = link_lists.candidates(questionnaire, organisation, chosen)
    ticked = link_lists.id_list(request.GET.getlist("participant"))
    if ticked:
        people = people.filter(pk__in=ticked)
    printable = link_lists.printable(questionnaire, people, programme=chosen.programme, now=timezone.now())
    if not chosen.class_name and printable.count() > link_lists.MAX_SHEET_LINKS:
        # Too long for one file made while the curator waits: a file per class instead.
        return render(request, "monitoring/questionnaires/links_sheets_by_class.html", {
            "questionnaire": questionnaire, "organisation": organisation,
            "classes": [(name, count, _sheet_url(questionnaire, organisation, replace(chosen, class_name=value),
                                                 ticked)) for name, value, count in link_lists.classes(printable)],
        })
    sheets = link_lists.sheets(printable, url_for=lambda response: request.build_absolute_uri(response.public_url()))
    pdf = render_pdf("monitoring/pdf/link_sheets.html", {
        "questionnaire": questionnaire, "organisation": organisation, "sheets": sheets,
        "generated_on": timezone.localdate(),
    }, request=request)
    # Children's names with the keys to their answers: a download of personal data, in the export log.
    audit.record_export(title=_("Ссылки на анкету: %(title)s") % {"title": questionnaire.title},
                        rows=sum(len(sheet.cards) for sheet in sheets), scope=request.scope,
                        organisation_id=organisation.pk)
    return pdf_response(pdf, _("Ссылки на анкету — %(title)s.pdf") % {"title": questionnaire.title})


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
    opens exactly one ``Response`` (``links.find_link``), refused once answered, expired, or when the
    person's data may no longer be processed (``links.refusal``); nothing else is reachable from it, and
    the page is never cached."""
    view = login_not_required(never_cache(view))
    view.permission = None
    view.declaration = "public_token"
    return view


@public_token_view
def public_answer(request, token):
    response = links.find_link(token)
    if response is None:
        return _public(request, "public_message.html", {"state": "not_found"}, status=404)
    reason = links.refusal(response)
    if reason:
        return _public(request, "public_message.html", {"state": reason}, status=410)
    form = PublicAnswerForm(request.POST or None, questions=active_questions(response.questionnaire))
    if request.method == "POST" and form.is_valid():
        try:
            services.submit_by_link(response, answers=form.answers())
        except links.LinkRefused as refused:
            return _public(request, "public_message.html", {"state": refused.reason}, status=410)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            return _public(request, "public_message.html", {"state": "thanks", "response": response})
    return _public(request, "public_form.html", {
        "questionnaire": response.questionnaire, "organisation_name": response.organisation.short_name,
        "first_name": response.participant.first_name if response.participant else "", "form": form,
    })
