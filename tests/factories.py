"""factory_boy factories for every app's models, in one place; tests build exactly the rows they talk about.

The registry's here; mentoring (programmes, pairs, meetings, plan items, orders), roadmaps (templates,
roadmaps, items, occurrences) and monitoring (questionnaires, responses and personal links, reports,
analyses, export jobs) in tests/factories_apps.py, imported at the end so that ``factories.X`` names them
all (import ``from tests import factories``, never the second module alone). Rows are written directly: the rules the services check (``form_pair``,
``issue_links``, ``create_from_template``) are tested where those services are, with the services.
"""

import datetime

import factory
from django.utils import timezone

from registry import models
from registry.models.consents import text_signer
from registry.scoping import Role


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Region
        django_get_or_create = ("name",)

    name = "Владимирская область"


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Municipality

    region = factory.SubFactory(RegionFactory)
    name = factory.Sequence(lambda n: f"Район № {n}")


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Organisation

    municipality = factory.SubFactory(MunicipalityFactory)
    kind = models.Organisation.Kind.SCHOOL
    short_name = factory.Sequence(lambda n: f"МБОУ СОШ № {n}")
    full_name = factory.LazyAttribute(lambda o: f"Муниципальное бюджетное общеобразовательное учреждение «{o.short_name}»")
    director_name = "И.И. Иванова"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    last_name = "Петрова"
    first_name = "Анна"
    password = factory.PostGenerationMethodCall("set_password", "secret-pass-123")

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.RoleAssignment

    user = factory.SubFactory(UserFactory)
    role = Role.SCHOOL_CURATOR


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Participant

    organisation = factory.SubFactory(OrganisationFactory)
    last_name = factory.Sequence(lambda n: f"Смирнов{n}")
    first_name = "Иван"
    patronymic = "Петрович"
    category = models.Participant.Category.STUDENT
    birth_date = factory.LazyFunction(lambda: timezone.localdate().replace(day=1) - datetime.timedelta(days=365 * 15))
    class_name = "9А"


class TeacherFactory(ParticipantFactory):
    category = models.Participant.Category.TEACHER
    birth_date = datetime.date(1980, 5, 17)
    class_name = ""
    position = "Учитель математики"


class MentorProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.MentorProfile

    participant = factory.SubFactory(TeacherFactory)
    capacity = 2


class MenteeProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.MenteeProfile

    participant = factory.SubFactory(ParticipantFactory)
    request = "Подготовка к олимпиаде по математике"


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Partner

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"ООО «Партнёр {n}»")


def consent_text(purpose=models.ConsentPurpose.MENTORING, signer=models.ConsentText.Signer.ADULT):
    text, _ = models.ConsentText.objects.get_or_create(
        purpose=purpose, signer=signer, is_current=True,
        defaults={"version": "test-1", "title": "Согласие", "body": "Я, {participant}, даю согласие {organisation}."},
    )
    return text


class ConsentFactory(factory.django.DjangoModelFactory):
    """An adult's own consent by default; pass signed_by and representative fields for a minor."""

    class Meta:
        model = models.Consent

    participant = factory.SubFactory(TeacherFactory)
    purpose = models.ConsentPurpose.MENTORING
    signed_by = models.Consent.SignedBy.PARTICIPANT
    signed_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30))
    text = factory.LazyAttribute(
        lambda o: consent_text(
            o.purpose, text_signer(o.signed_by),
        )
    )


def consent_for(participant, purpose=models.ConsentPurpose.MENTORING, **fields):
    """A valid consent signed by whoever the participant's age requires (a minor's by a representative)."""
    signed_on = fields.pop("signed_on", timezone.localdate() - datetime.timedelta(days=30))
    allowed = models.Consent.required_signers(participant.birth_date, signed_on,
                                              participant.category == models.Participant.Category.STUDENT)
    signed_by = next(iter(sorted(allowed)))
    if signed_by != models.Consent.SignedBy.PARTICIPANT:
        fields.setdefault("representative_name", "Иванова Мария Петровна")
        fields.setdefault("representative_relation", models.Consent.Relation.MOTHER)
        fields.setdefault("representative_document", "свидетельство о рождении III-МЮ № 123456")
    return ConsentFactory(participant=participant, purpose=purpose, signed_by=signed_by, signed_on=signed_on,
                          **fields)


def pdf_bytes(pages: int = 1) -> bytes:
    """A real, minimal PDF (what a scanner's «save as PDF» gives, without the picture)."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    for _page in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def png_bytes(size=(40, 30)) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, "white").save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_bytes(size=(40, 30)) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, "white").save(buffer, format="JPEG")
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    import io

    from openpyxl import Workbook

    buffer = io.BytesIO()
    Workbook().save(buffer)
    return buffer.getvalue()


# The other apps' factories (tests/factories_apps.py builds on the ones above, hence at the end).
from tests.factories_apps import *  # noqa: E402, F403
