"""The interface speaks Russian: language, time zone, date formats and plural forms."""

import datetime

from django.conf import settings
from django.template import Context, Template
from django.utils import translation


def render(source: str, **context) -> str:
    with translation.override("ru"):
        return Template("{% load i18n %}" + source).render(Context(context)).strip()


def test_settings_are_russian():
    assert settings.LANGUAGE_CODE == "ru"
    assert settings.TIME_ZONE == "Europe/Moscow"


def test_plural_forms_follow_russian_grammar():
    source = ("{% blocktranslate count n=n %}все {{ n }} организация{% plural %}все {{ n }} организаций"
              "{% endblocktranslate %}")
    assert render(source, n=1) == "все 1 организация"
    assert render(source, n=3) == "все 3 организации"
    assert render(source, n=5) == "все 5 организаций"
    assert render(source, n=21) == "все 21 организация"
    assert render(source, n=12) == "все 12 организаций"


def test_dates_are_russian():
    day = datetime.date(2020, 8, 24)
    assert render("{{ d|date:'j E Y' }}", d=day) == "24 августа 2020"
    assert render("{{ d|date:'SHORT_DATE_FORMAT' }}", d=day) == "24.08.2020"


def test_django_messages_are_russian(db, client):
    response = client.post("/accounts/login/", {"username": "nobody", "password": "wrong"})
    assert "Пожалуйста, введите правильные имя пользователя и пароль" in response.content.decode()


def _plural_entries(po_text: str) -> list[dict]:
    """The plural entries of a .po file: msgid, flags and the msgstr[i] values (continuation lines joined)."""
    entries = []
    for block in po_text.split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith("#~")]
        if not any(line.startswith("msgid_plural") for line in lines):
            continue
        entry, key = {"flags": "", "forms": {}}, None
        for line in lines:
            if line.startswith("#,"):
                entry["flags"] += line[2:]
            elif line.startswith("msgid "):
                key, entry["msgid"] = "msgid", line[6:].strip('"')
            elif line.startswith("msgstr["):
                index = int(line[7:line.index("]")])
                key = index
                entry["forms"][index] = line[line.index("]") + 2:].strip('"')
            elif line.startswith('"') and isinstance(key, int):
                entry["forms"][key] += line.strip('"')
            elif line.startswith('"') and key == "msgid":
                entry["msgid"] += line.strip('"')
            elif not line.startswith('"'):
                key = None
        entries.append(entry)
    return entries


def test_every_plural_in_the_code_has_all_its_russian_forms(tmp_path, settings, monkeypatch):
    """makemessages into a copy of the catalogue: a `blocktranslate count` or `ngettext` without a Russian
    entry (or with a form missing, or fuzzy) would print «принято 2 отчётов»."""
    import re
    import shutil
    from pathlib import Path

    from django.core.management import call_command

    root = Path(__file__).resolve().parent.parent
    # makemessages writes next to the nearest ./locale, so it runs in a tree of links to the sources
    # holding a copy of the catalogue: the real one is never touched.
    tree = tmp_path / "tree"
    tree.mkdir()
    for name in ("config", "registry", "mentoring", "roadmaps", "monitoring", "templates"):
        (tree / name).symlink_to(root / name)
    shutil.copytree(root / "locale", tree / "locale")
    copy = tree / "locale"
    settings.LOCALE_PATHS = [str(copy)]
    monkeypatch.chdir(tree)
    call_command("makemessages", locale=["ru"], symlinks=True, no_obsolete=True, verbosity=0,
                 ignore_patterns=["tests"])
    po = (copy / "ru/LC_MESSAGES/django.po").read_text()
    forms = int(re.search(r"nplurals=(\d+)", po).group(1))
    entries = _plural_entries(po)
    assert len(entries) >= 9  # the scan found the code's plurals (9 when this test was written)
    problems = [entry["msgid"] for entry in entries
                if "fuzzy" in entry["flags"] or sorted(entry["forms"]) != list(range(forms))
                or not all(entry["forms"].values())]
    assert not problems, f"plural entries without all {forms} Russian forms: {problems}"
    fuzzy = re.findall(r"^#,.*fuzzy.*\n(?:#.*\n)*msgid (.*)", po, re.M)
    assert not fuzzy, f"fuzzy entries (a guess by msgmerge, not a translation): {fuzzy}"
