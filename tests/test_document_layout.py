"""The printed papers of the five demo organisations: every order keeps its last point with the signature,
numbers its pages «Страница N из M», lists who signs to have read it; a minor's consent blank is one
sheet; key sentences carry the cases (pypdf text extraction)."""

import io
import re

import pytest
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from pypdf import PdfReader

from mentoring import orders as order_service
from mentoring.models import Order, Pair
from mentoring.order_kinds import municipal
from registry import demo
from registry.models import ConsentPurpose, ConsentText, Organisation, Participant, Partner, User
from registry.pdf import render_pdf
from registry.views.pdf import consent_blank_context
from tests.clients import CsrfClient

# An organisation's kinds; the municipal ones are the municipality's (test_municipal_orders_keep_… below).
KINDS = [kind for kind, _label in Order.Kind.choices if kind not in municipal.KINDS]


@pytest.fixture(scope="module")
def demo_district(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo (five organisations) loaded once for the module and rolled back after it."""
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            demo.load_demo(organisations=5, participants=20, password="demo-password-1")
            yield list(Organisation.objects.order_by("pk"))
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def pages(pdf: bytes) -> list[str]:
    """Each page's text, spaces collapsed."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def squash(text: str) -> str:
    """No spaces, no hyphens: a sentence compares whatever line breaks and hyphenation did to it."""
    return re.sub(r"[\s\u2010\u00ad-]+", "", text)


def order_of(organisation: Organisation, kind: str) -> Order:
    """The demo's order of this kind, or a fresh draft over the organisation's open pairs."""
    order = Order.objects.filter(organisation=organisation, kind=kind).first()
    if order is not None:
        return order
    year = demo_year(organisation)
    # Only people whose data may be processed can be named (the demo has some without a consent).
    pairs = [pair for pair in Pair.objects.filter(programme__organisation=organisation, status__in=Pair.OPEN_STATUSES)
             if may_be_named(kind, pairs=[pair])]
    rewarded = [person for person in Participant.objects.filter(organisation=organisation,
                                                                mentor_profile__isnull=False)
                if may_be_named(kind, rewarded=[person])][:3]
    return order_service.prepare_order(
        organisation=organisation, academic_year=year, kind=kind, number=f"{90 + KINDS.index(kind)}-о",
        issued_on=year.starts_on.replace(day=20), pairs=pairs if kind in order_service.PAIR_KINDS else (),
        rewarded=rewarded if kind == Order.Kind.REWARDS else ())


def may_be_named(kind, pairs=(), rewarded=()) -> bool:
    try:
        order_service._check_processing(kind, pairs, rewarded)
    except order_service.OrderError:
        return False
    return True


def demo_year(organisation):
    return Order.objects.filter(organisation=organisation).first().academic_year


def test_every_order_keeps_its_last_point_with_the_signature(demo_district, db):
    assert len(demo_district) == 5
    assert all(all(o.case_forms().values()) for o in demo_district)  # stored once, not declined per page
    for organisation in demo_district:
        for kind in KINDS:
            order = order_of(organisation, kind)
            content = order_service.build_content(order)
            pdf = order_service.render_order_pdf(content, draft=False, signed_by="Проверка")
            texts = pages(pdf)
            where = f"{organisation.short_name}, {kind}"
            signature = content["signature"]["name"]
            assert signature, where
            signed = [n for n, text in enumerate(texts) if signature in text]
            assert len(signed) == 1, where
            page = texts[signed[0]]
            # The page that is signed holds more than the signature block: the last point is on it.
            before = page.split(signature)[0]
            assert "Контроль за исполнением приказа оставляю за собой." in before, where
            # The last page, too, is never the signature alone.
            last = texts[-1]
            assert squash(last.replace(signature, "")) != squash(content["signature"]["position"]), where
            if len(texts) > 1:
                for number, text in enumerate(texts, start=1):
                    assert f"Страница {number} из {len(texts)}" in text, where
            else:
                assert "Страница" not in texts[0], where
            # Everyone the order gives a duty to signs to have read it, each on a line of their own.
            listed = " ".join(texts)
            assert ("С приказом ознакомлены:" in listed) == bool(content["acquainted"]), where
            acquainted = listed.split("С приказом ознакомлены:")[-1]
            for person in content["acquainted"]:
                assert person["name"] in acquainted, (where, person)
            if kind == Order.Kind.ORGANISATION:
                group = User.objects.filter(role_assignments__organisation=organisation,
                                            role_assignments__is_active=True,
                                            role_assignments__role__in=["school_curator", "working_group"])
                assert {user.get_short_name() for user in group} <= {p["name"] for p in content["acquainted"]}
            if kind in order_service.PAIR_KINDS:
                mentors = {pair.current_mentor_link.mentor.participant.short_name for pair in
                           order_service.pairs_for_content(order.pairs.all()) if pair.current_mentor_link}
                assert mentors <= {p["name"] for p in content["acquainted"]}, where


def test_municipal_orders_keep_their_last_point_with_the_head_s_signature(demo_district, db):
    """The demo's municipal register: the curator's appointment and the district roadmap's approval."""
    orders = list(Order.objects.filter(municipality__isnull=False).order_by("number"))
    assert {order.kind for order in orders} == {Order.Kind.MUNICIPAL_CURATOR, Order.Kind.ROADMAP}
    for order in orders:
        assert order.is_signed
        texts = pages(order_service.order_pdf_bytes(order))
        signed = [text for text in texts if "Т. А. Ковалёва" in text]
        assert len(signed) == 1, order
        before = signed[0].split("Т. А. Ковалёва")[0]
        assert "Контроль за исполнением приказа оставляю за собой." in before, order
        assert "Начальник управления образования" in before
        assert "Управление образования администрации Селивановского района" in texts[0]
        if order.kind == Order.Kind.MUNICIPAL_CURATOR:
            # The demo's position «…, муниципальный куратор» is not repeated before the appointment.
            text = squash(" ".join(texts))
            assert squash("Назначить главного специалиста управления образования Кузнецову И. Н. муниципальным "
                          "куратором") in text
        if len(texts) > 1:
            assert all(f"Страница {n} из {len(texts)}" in text for n, text in enumerate(texts, start=1))


def test_demo_roadmaps_cite_orders_of_the_register(demo_district, db):
    """Every approved roadmap of the demo prints the number and date of a signed order of the register
    (no typed «5-н»)."""
    from roadmaps.models import Roadmap

    client = CsrfClient()
    client.force_login(User.objects.get(username="municipal"))  # sees the district and its schools
    approved = list(Roadmap.objects.filter(status=Roadmap.Status.APPROVED))
    assert len(approved) >= 3  # the district's and the first school's two years
    assert {bool(r.municipality_id) for r in approved} == {True, False}
    for roadmap in approved:
        order = Order.objects.get(pk=roadmap.approval_order_id)
        assert order.kind == Order.Kind.ROADMAP and order.is_signed, roadmap
        assert order.owner == roadmap.owner and order.academic_year == roadmap.academic_year
        assert (roadmap.order_number, roadmap.order_date) == (order.number, order.issued_on)
        text = " ".join(pages(client.get(reverse("roadmaps:roadmap_pdf", args=[roadmap.pk])).content))
        assert f"УТВЕРЖДЕНО приказом от {order.issued_on:%d.%m.%Y} № {order.number}" in text, roadmap
        assert "5-н" not in text


def test_key_sentences_carry_the_cases(demo_district, db):
    school, _school10, college = demo_district[:3]

    text = squash(" ".join(pages(order_service.order_pdf_bytes(order_of(school, Order.Kind.ORGANISATION)))))
    for sentence in (
        "Организовать в Муниципальном бюджетном общеобразовательном учреждении «Средняя общеобразовательная "
        "школа № 1 п. Красная Горбатка» внедрение системы (целевой модели) наставничества",
        "Назначить ответственным исполнителем (куратором) по внедрению и реализации системы наставничества "
        "заместителя директора по воспитательной работе Лебедеву Е. В.",
        "Куратору программы наставничества Лебедевой Е. В. организовать мониторинг",
        "п. Красная Горбатка",
        "Директор ____________________ Н. В. Соколова",
    ):
        assert squash(sentence) in text, sentence
    assert squash("Организовать в Муниципальное") not in text

    text = squash(" ".join(pages(order_service.order_pdf_bytes(order_of(college, Order.Kind.ORGANISATION)))))
    assert squash("Организовать в Государственном бюджетном профессиональном образовательном учреждении "
                  "Владимирской области «Селивановский строительный техникум» внедрение") in text
    assert squash("О. Н. Беляков") in text

    for organisation, dative in (
        (school, "Муниципальному бюджетному общеобразовательному учреждению «Средняя общеобразовательная школа "
                 "№ 1 п. Красная Горбатка»"),
        (college, "Государственному бюджетному профессиональному образовательному учреждению Владимирской "
                  "области «Селивановский строительный техникум»"),
    ):
        child = minors(organisation).first()
        text = squash(" ".join(pages(blank(child, ConsentText.Signer.REPRESENTATIVE))))
        assert squash(f"даю согласие {dative} (далее — оператор; адрес:") in text, organisation
        genitive = "несовершеннолетней" if child.patronymic.endswith("на") else "несовершеннолетнего"
        assert squash(f"являясь законным представителем {genitive}") in text


def minors(organisation):
    return Participant.objects.filter(organisation=organisation, category=Participant.Category.STUDENT,
                                      birth_date__isnull=False).order_by("-birth_date")


def blank(participant, signer, purpose=ConsentPurpose.MENTORING) -> bytes:
    text = ConsentText.objects.get(purpose=purpose, signer=signer, is_current=True)
    # A transfer blank names the recipient: the organisation's partner with the longest name and address.
    partner = max(Partner.objects.filter(organisation_id=participant.organisation_id),
                  key=lambda p: len(p.name) + len(p.address), default=None)
    return render_pdf("registry/pdf/consent_blank.html", consent_blank_context(participant, text, partner))


@pytest.mark.parametrize("signer, signatures", [
    (ConsentText.Signer.REPRESENTATIVE, 1),  # under 14: the representative alone
    (ConsentText.Signer.MINOR, 2),  # 14–17: the child and the representative
])
def test_a_minors_consent_blank_is_one_page_with_its_signatures(demo_district, db, signer, signatures):
    for organisation in demo_district:
        # The longest names print the longest lines.
        children = sorted(minors(organisation)[:40], key=lambda p: len(p.full_name), reverse=True)[:2]
        assert children, organisation
        for child in children:
            for purpose in ConsentPurpose.values:
                pdf = blank(child, signer, purpose)
                texts = pages(pdf)
                assert len(texts) == 1, (organisation.short_name, child.full_name, purpose)
                assert texts[0].count("расшифровка подписи") == signatures
                assert ("Несовершеннолетний подпись" in texts[0]) == (signer == ConsentText.Signer.MINOR)
                assert "Законный представитель" in texts[0]
                assert "«___» ____________ 20___ г." in texts[0]
                assert "Страница" not in texts[0]


def test_consent_blank_over_http_is_one_page_too(demo_district, db):
    curator = User.objects.get(username="curator1")
    client = CsrfClient()
    client.force_login(curator)
    child = minors(curator.role_assignments.get().organisation).first()
    response = client.get(reverse("registry:consent_blank", args=[child.pk]))
    assert response.status_code == 200
    assert len(pages(response.content)) == 1


def test_the_organisation_order_prints_the_polozhenie_and_the_roadmap_after_it(demo_district, db):
    """Appendices 1 (Положение, «УТВЕРЖДЕНО» by this order) and 2 (the roadmap) follow the order in the same
    PDF, each from a new page, and the Положение on its own is numbered the same way."""
    from mentoring.regulations import regulations_of, render_regulations_pdf

    for organisation in demo_district:
        order = order_of(organisation, Order.Kind.ORGANISATION)
        content = order_service.build_content(order)
        texts = pages(order_service.render_order_pdf(content, draft=False, signed_by="Проверка"))
        where = organisation.short_name
        signed = next(n for n, text in enumerate(texts) if content["signature"]["name"] in text)
        reference = f"к приказу от {content['date_short']} № {content['number']}"
        starts = []
        for number in range(1, 6):
            head = squash(f"Приложение № {number} {reference}")
            starts.append(next(n for n, text in enumerate(texts) if squash(text).startswith(head)))
        assert signed < starts[0] < starts[1] < starts[2] < starts[3] < starts[4], (where, signed, starts)
        first = squash(texts[starts[0]])
        assert squash(f"УТВЕРЖДЕНО приказом {organisation.name_in('gent', 'short')}") in first, where
        assert squash("ПОЛОЖЕНИЕ о наставничестве") in first, where
        # The Положение ends before the roadmap begins, with its final provisions.
        assert squash("9. Заключительные положения") in squash(" ".join(texts[starts[0]:starts[1]])), where
        roadmap = content["appendices"][1]["roadmap"]
        assert roadmap, where
        assert squash(roadmap["stages"][0]["items"][0]["title"])[:40] in squash(texts[starts[1]]), where

        alone = pages(render_regulations_pdf(content, regulations_of(content), draft=False))
        assert len(alone) == starts[1] - starts[0], where  # the same text, the same pages
        for number, text in enumerate(alone, start=1):
            assert f"Страница {number} из {len(alone)}" in text, where
