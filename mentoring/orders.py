"""Orders (приказы): preparing, numbering and signing them; what each kind says is mentoring.order_texts.

The text of an order is a plain-JSON *content* dict built by ``build_content`` from the registry:
the organisation's names, the preamble, numbered points, the signature, who signs to have read it,
and appendices with tables of people. The PDF template (``mentoring/pdf/order.html``) and the HTML preview
(``mentoring/orders/_content.html``) render that dict and nothing else, so when the director signs,
the dict is frozen in ``Order.content`` and the rendered PDF in ``Order.pdf``; whatever changes in
the registry later, the signed order prints as it was signed. A draft is always built live and
marked «ПРОЕКТ».
"""

from __future__ import annotations

import datetime
import re

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from mentoring.models import Membership, MentorLink, Order, Pair, Programme
from mentoring import order_texts
from mentoring.order_kinds import municipal
from mentoring.order_texts import (  # noqa: F401 — used through this module by views and tests too
    CONTENT_VERSION,
    PAIR_KINDS,
    pairs_for_content,
)
from mentoring.notices import order_prepared, order_signed
from mentoring.wording import participant_line, position_or_class, programme_phrase, short_date, term  # noqa: F401
from registry import audit, documents, grammar
from registry.models import Municipality, Participant
from registry.pdf import render_pdf
from registry.processing import refusals
from registry.signals import announce_change

russian_date = grammar.date_words


class OrderError(ValidationError):
    """An order that cannot be saved or signed; the messages say why, in Russian."""


# --- numbering ----------------------------------------------------------------------------------------

_LEADING_NUMBER = re.compile(r"^\s*(\d+)")


def owner_fields(owner) -> dict:
    """``organisation=`` or, for a municipal order, ``municipality=``: the register the order is in.

    Every function here that takes an ``organisation`` accepts a municipality too (its own register)."""
    return {"municipality": owner} if isinstance(owner, Municipality) else {"organisation": owner}


def build_content(order: Order) -> dict:
    """What the order says: an organisation's (mentoring.order_texts) or a municipal one."""
    if order.municipality_id:
        return municipal.build_content(order)
    return order_texts.build_content(order)


def suggest_number(organisation, academic_year) -> str:
    """The next free number in the organisation's year: numeric prefix of «30-9 о/д» is 30, so «31»."""
    numbers = Order.objects.filter(**owner_fields(organisation), academic_year=academic_year).values_list(
        "number", flat=True
    )
    prefixes = [int(match[1]) for match in map(_LEADING_NUMBER.match, numbers) if match]
    return str(max(prefixes, default=0) + 1)


def normalise_number(number: str) -> str:
    return " ".join(number.split())


def number_taken(organisation, academic_year, number: str, *, exclude_pk=None) -> bool:
    taken = Order.objects.filter(**owner_fields(organisation), academic_year=academic_year, number=number)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    return taken.exists()


def duplicate_number_message(organisation, academic_year, number: str) -> str:
    return _("Приказ № %(number)s уже есть в %(year)s учебном году. Свободный номер: %(free)s.") % {
        "number": number, "year": academic_year, "free": suggest_number(organisation, academic_year),
    }


# --- choices for preparing ------------------------------------------------------------------------


def open_pairs(organisation, academic_year, *, programme: Programme | None = None, include=()):
    """Open pairs of the organisation's programmes of the year (plus ``include``, already chosen ones)."""
    condition = Q(programme__organisation=organisation, programme__academic_year=academic_year,
                  status__in=Pair.OPEN_STATUSES)
    if programme is not None:
        condition &= Q(programme=programme)
    include = [getattr(pair, "pk", pair) for pair in include]
    if include:
        condition |= Q(pk__in=include)
    return pairs_for_content(Pair.objects.filter(condition)).order_by("programme__form__position", "pk")


def default_pairs(kind: str, pairs) -> list[int]:
    """Pairs ticked in advance: forming pairs for pairs and mentors, pairs with a plan for plans."""
    already = set(
        Order.objects.filter(kind=kind, status=Order.Status.SIGNED, pairs__in=[p.pk for p in pairs])
        .values_list("pairs", flat=True)
    )
    def wanted(pair) -> bool:
        if kind == Order.Kind.PLANS:
            return any(m.plan_items.all() for m in pair.current_memberships)
        return pair.status == Pair.Status.FORMING

    return [pair.pk for pair in pairs if pair.pk not in already and wanted(pair)]


def reward_candidates(organisation):
    """People who may be rewarded: the organisation's current mentors and mentees."""
    return (
        Participant.objects.filter(organisation=organisation, is_archived=False)
        .filter(Q(mentor_profile__isnull=False) | Q(mentee_profile__isnull=False))
        .order_by("last_name", "first_name", "patronymic", "pk")
    )


def pair_label(pair: Pair) -> str:
    """A checkbox label: «№ 5 · Иванова А.С. → Петров П.И., Сидоров С.С. · «учитель – ученик» · формируется»."""
    link = pair.current_mentor_link
    mentor = link.mentor.participant.short_name if link else "—"
    mentees = ", ".join(m.mentee.participant.short_name for m in pair.current_memberships) or "—"
    return f"№ {pair.pk} · {mentor} → {mentees} · «{pair.programme.form}» · {pair.get_status_display().lower()}"


# --- PDF ----------------------------------------------------------------------------------------------


def render_order_pdf(content: dict, *, draft: bool, signed_by: str = "", signed_at=None,
                     entered: bool = False) -> bytes:
    """``entered``: a municipal order, signed on paper by the head and entered as signed by the curator,
    whose name the footer must not give as the signatory's."""
    return render_pdf("mentoring/pdf/order.html", {
        "c": content, "draft": draft, "signed_by": signed_by, "signed_at": signed_at, "entered": entered,
        "generated_at": timezone.localtime(),
    })


def order_filename(order: Order) -> str:
    number = re.sub(r"\s+", "_", order.number)
    prefix = "Проект_приказа" if not order.is_signed else "Приказ"
    return f"{prefix}_№{number}_от_{order.issued_on:%d.%m.%Y}.pdf"


def order_pdf_bytes(order: Order) -> bytes:
    """A signed order prints the PDF stored when it was signed; a draft is rendered now, marked «ПРОЕКТ».

    Its DOCX (registry.documents) is made from the content frozen at signing: the same text as the PDF.
    """
    if order.is_signed:
        if order.pdf and not documents.wants_docx():
            try:
                with order.pdf.open("rb") as stored:
                    return stored.read()
            except FileNotFoundError:
                pass
        # No file stored (lost, or signed by the demo loader): the frozen content prints the same text again.
        return render_order_pdf(order.content, draft=False, signed_by=_signer_name(order),
                                signed_at=order.signed_at, entered=order.municipality_id is not None)
    return render_order_pdf(build_content(order), draft=True)


def _signer_name(order: Order) -> str:
    return order.signed_by.display_name if order.signed_by else ""


# --- writing ------------------------------------------------------------------------------------------


def _check_processing(kind: str, pairs, rewarded) -> None:
    """An order names people: nobody whose data may not be processed, no suspended pair."""
    messages = []
    if kind in PAIR_KINDS:
        pair_ids = [getattr(pair, "pk", pair) for pair in pairs]
        chosen = list(Pair.objects.filter(pk__in=pair_ids).prefetch_related(
            Prefetch("mentor_links", queryset=MentorLink.objects.filter(ended_on__isnull=True)
                     .select_related("mentor__participant")),
            Prefetch("memberships", queryset=Membership.objects.filter(left_on__isnull=True)
                     .select_related("mentee__participant"))))
        messages += [_("Пара № %(pk)s приостановлена: %(reason)s.") % {"pk": p.pk, "reason": p.suspension_reason}
                     for p in chosen if p.status == Pair.Status.SUSPENDED]
        people = {link.mentor.participant for p in chosen for link in p.mentor_links.all()}
        people |= {m.mentee.participant for p in chosen for m in p.memberships.all()}
        messages += refusals(sorted(people, key=lambda person: person.pk))
    if kind == Order.Kind.REWARDS:
        messages += refusals(Participant.objects.filter(pk__in=[getattr(p, "pk", p) for p in rewarded]))
    if messages:
        raise OrderError(messages)


def _check_number(organisation, academic_year, number: str, exclude_pk=None) -> None:
    if not number:
        raise OrderError({"number": _("Укажите номер приказа.")})
    if number_taken(organisation, academic_year, number, exclude_pk=exclude_pk):
        raise OrderError({"number": duplicate_number_message(organisation, academic_year, number)})


@transaction.atomic
def prepare_order(*, organisation, academic_year, kind: str, number: str, issued_on: datetime.date,
                  programme: Programme | None = None, pairs=(), rewarded=(), reward_text: str = "",
                  details: dict | None = None, by=None) -> Order:
    """A draft order prepared by the curator (``details``: what the kind's text needs, mentoring.order_kinds)."""
    number = normalise_number(number)
    _check_number(organisation, academic_year, number)
    _check_processing(kind, pairs, rewarded)
    order = Order(**owner_fields(organisation), academic_year=academic_year, kind=kind, number=number,
                  issued_on=issued_on, programme=programme, prepared_by=by, details=details or {})
    if kind == Order.Kind.REWARDS:
        order.reward_text = reward_text.strip() or order.reward_text
    try:
        with transaction.atomic():
            order.save()
    except IntegrityError:
        # Someone took the number between the check and the save.
        raise OrderError({"number": duplicate_number_message(organisation, academic_year, number)}) from None
    if kind in PAIR_KINDS:
        order.pairs.set(pairs)
    if kind == Order.Kind.REWARDS:
        order.rewarded.set(rewarded)
    order_prepared(order, by=by)
    return order


@transaction.atomic
def update_order(order: Order, *, number: str, issued_on: datetime.date, programme: Programme | None = None,
                 pairs=(), rewarded=(), reward_text: str = "", details: dict | None = None, by=None) -> Order:
    """Changes to a draft; a signed order is frozen."""
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if locked.is_signed:
        raise OrderError(_("Приказ уже подписан: изменить его нельзя."))
    number = normalise_number(number)
    _check_number(order.owner, order.academic_year, number, exclude_pk=order.pk)
    _check_processing(order.kind, pairs, rewarded)
    order.number = number
    order.issued_on = issued_on
    order.programme = programme
    if details is not None:
        order.details = details
    if order.kind == Order.Kind.REWARDS:
        order.reward_text = reward_text.strip() or str(Order._meta.get_field("reward_text").default)
    try:
        with transaction.atomic():
            order.save(update_fields=["number", "issued_on", "programme", "reward_text", "details"])
    except IntegrityError:
        raise OrderError({"number": duplicate_number_message(order.owner, order.academic_year,
                                                             number)}) from None
    if order.kind in PAIR_KINDS:
        order.pairs.set(pairs)
    if order.kind == Order.Kind.REWARDS:
        order.rewarded.set(rewarded)
    return order


def sign_order(order: Order, *, by, store_pdf: bool = True) -> Order:
    """The director signs: the content is frozen, the PDF stored, pairs of a pairs order start work.

    The conditional update lets exactly one of two simultaneous submits sign; the other gets
    «уже подписан». The PDF is rendered before the row is claimed (it takes a moment) and the
    file is removed again if the claim fails. ``store_pdf=False`` (the demo loader's orders, seconds
    each) stores no file: ``order_pdf_bytes`` prints the frozen content when it is asked for, the same text.
    """
    if order.is_signed:
        raise OrderError(_("Приказ уже подписан."))
    # A consent revoked since the draft was prepared stops the signature too.
    _check_processing(order.kind, order.pairs.all(), order.rewarded.all())
    content = build_content(order)
    signed_at = timezone.now()
    signer = by.display_name if by is not None else ""
    pdf = render_order_pdf(content, draft=False, signed_by=signer, signed_at=signed_at,
                           entered=order.municipality_id is not None) if store_pdf else None
    stored_name = ""
    try:
        with transaction.atomic():
            claimed = Order.objects.filter(pk=order.pk, status=Order.Status.DRAFT).update(
                status=Order.Status.SIGNED, signed_by=by, signed_at=signed_at, content=content,
            )
            if claimed != 1:
                raise OrderError(_("Приказ уже подписан."))
            if pdf is not None:
                order.pdf.save(order_filename_ascii(order), ContentFile(pdf), save=False)
                stored_name = order.pdf.name
                Order.objects.filter(pk=order.pk).update(pdf=stored_name)
            if order.kind == Order.Kind.PAIRS:
                # Fixed by the order: the forming pairs now work.
                started = list(Pair.objects.filter(pk__in=content["pair_ids"], status=Pair.Status.FORMING))
                Pair.objects.filter(pk__in=[p.pk for p in started], status=Pair.Status.FORMING).update(
                    status=Pair.Status.ACTIVE
                )
                for pair in started:
                    audit.record_update(pair, {"status": [Pair.Status.FORMING, Pair.Status.ACTIVE]})
                announce_change(Pair, *Programme.objects.filter(pairs__pk__in=content["pair_ids"])
                                .values_list("organisation_id", flat=True).distinct())
    except Exception:
        if stored_name:
            order.pdf.storage.delete(stored_name)
        raise
    order_signed(order)
    order.refresh_from_db()
    return order


def order_filename_ascii(order: Order) -> str:
    """The stored file's name: ASCII, since storages differ in what they accept."""
    number = re.sub(r"[^0-9A-Za-z]+", "-", order.number).strip("-") or "b-n"
    return f"order-{order.pk}-{number}-{order.issued_on:%Y%m%d}.pdf"
