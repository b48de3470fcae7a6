"""The reminder letter, byte for byte: one digest with every section, the 300-character cut of a long title,
an empty owner, and characters the HTML part escapes. The golden files were written by the template
renderer the letter had before it was built in Python (``roadmaps.digests``); the letter must not change."""

import datetime
from pathlib import Path

import pytest
from django.test.utils import override_settings
from django.utils import translation

from roadmaps.digests import Digest, DigestLine, digest_message

D = datetime.date
GOLDEN = Path(__file__).parent / "golden"


def golden_digest() -> Digest:
    return Digest(user_id=7, email="anna@example.org", name="Анна <Ивановна> & Co", day=D(2026, 3, 16), lines=[
        DigestLine(kind="week", due_on=D(2026, 3, 23), number="2.1", title="Семинар «Наставник & наставляемый»",
                   owner="МБОУ СОШ № 1", roadmap_title="Дорожная карта <2026>",
                   url="https://portal.example/roadmaps/5/", reminder=11),
        DigestLine(kind="overdue", due_on=D(2026, 3, 2), number="1.3", title="Т" * 310, owner="МБОУ СОШ № 1",
                   roadmap_title="Дорожная карта", url="https://portal.example/roadmaps/5/?a=1&b=2", reminder=12),
        DigestLine(kind="overdue", due_on=D(2026, 2, 27), number="1.1",
                   title="Приказ \"о программе\" 'наставничества'", owner="Селивановский район",
                   roadmap_title="Районная карта", url="https://portal.example/roadmaps/6/", reminder=13),
        DigestLine(kind="day", due_on=D(2026, 3, 17), number="3.4", title="Анкетирование", owner="",
                   roadmap_title="Дорожная карта", url="https://portal.example/roadmaps/5/", reminder=14),
    ], reminder_ids=[11, 12, 13, 14])


@override_settings(SITE_URL="https://portal.example/")
def test_the_digest_letter_is_unchanged():
    with translation.override("ru"):
        message = digest_message(golden_digest(), message_id="<digest-1-2026-03-16@portal.example>")
    assert message.subject == "«Наставник»: сроки мероприятий дорожной карты на 16.03.2026"
    assert message.to == ["anna@example.org"]
    assert message.extra_headers["Message-ID"] == "<digest-1-2026-03-16@portal.example>"
    assert message.body == (GOLDEN / "digest.txt").read_text(encoding="utf-8")
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert html == (GOLDEN / "digest.html").read_text(encoding="utf-8")


@override_settings(SITE_URL="https://portal.example/")
def test_the_mime_message_is_the_one_django_builds_with_the_subject_encoded_once():
    """The Subject header is encoded once per subject (``roadmaps.digests._DigestMessage``): the message,
    every header in its place and the parts, is byte for byte what a plain ``EmailMultiAlternatives`` of
    the same letter gives, for this letter and the next one of the same day."""
    from django.core.mail import EmailMultiAlternatives

    with translation.override("ru"):
        ours = digest_message(golden_digest(), message_id="<digest-1-2026-03-16@portal.example>")
    plain = EmailMultiAlternatives(subject=ours.subject, body=ours.body, to=ours.to,
                                   headers=dict(ours.extra_headers), alternatives=ours.alternatives)
    for _ in range(2):
        built, expected = ours.message(), plain.message()
        for message in (built, expected):
            del message["Date"]
            message.set_boundary("boundary")  # random in each message
        assert built["Subject"].startswith("=?utf-8?")
        assert built.as_bytes() == expected.as_bytes()
    assert ours.subject == "«Наставник»: сроки мероприятий дорожной карты на 16.03.2026"


@override_settings(SITE_URL="https://portal.example/")
def test_a_digest_with_one_section_has_only_that_heading():
    digest = golden_digest()
    digest.lines = [line for line in digest.lines if line.kind == "day"]
    with translation.override("ru"):
        message = digest_message(digest)
    assert "ЗАВТРА СРОК" in message.body
    assert "СРОК ПРОШЁЛ" not in message.body and "ЧЕРЕЗ НЕДЕЛЮ СРОК" not in message.body
    assert message.alternatives[0][0].count("<h3") == 1
    assert "Message-ID" not in message.extra_headers


@pytest.mark.parametrize("title", ["Краткий", "Заи\u0306мы и\u0306ода" * 30, "и\u0306" * 299, "и\u0306" * 300 + "x",
                                   "Я" * 300, "Я" * 301])
def test_a_title_is_cut_as_truncatechars_cuts_it(title):
    from django.template.defaultfilters import truncatechars

    from roadmaps.digests import _title

    line = golden_digest().lines[0]
    line.title = title
    assert _title(line) == truncatechars(title, 300)
