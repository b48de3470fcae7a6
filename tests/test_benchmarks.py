"""Smoke tests of issue 16's benchmark commands: each runs on a tiny district and prints its table. They
time nothing (the benchmarks are commands, ``make bench-postgres``); they keep the commands working."""

import io
import os
import shutil
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from tests import factories


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_bench_pages_prints_every_page_of_each_role_with_its_ratio(district):
    factories.PairFactory(programme__organisation=district.school1)
    output = run("bench_pages", "--rounds", "2")
    rows = [line for line in output.splitlines() if line.startswith(("municipal curator", "school curator", "director"))]
    names = {tuple(row.split("  ")[0:1]) for row in rows}
    assert len(rows) == 15 and len(names) == 3, output
    assert "/mentoring/meetings/" in output and f"/monitoring/organisations/{district.school1.pk}/" in output
    assert all("×" in row and ("OK" in row or "выше цели" in row) for row in rows)
    assert output.splitlines()[-1].startswith("bench_pages: ")


def test_bench_export_prints_the_ratio_to_raw_openpyxl(district):
    factories.PairFactory(programme__organisation=district.school1)
    output = run("bench_export", "--repeat", "2")
    assert "bench_export statistics" in output and "3 организаций" in output
    assert "голый openpyxl" in output and "запросов 3;" in output


def test_bench_reminders_ends_with_its_verdict_against_the_goal(db):
    output = run("bench_reminders", "--organisations", "3", "--items", "5")
    verdict = output.splitlines()[-1]
    assert verdict.startswith("bench_reminders (") and "3 организаций × 5 мероприятий" in verdict, output
    assert "(цель ≤ 5 с;" in verdict and "запросов " in verdict and "процессор: Python" in verdict
    assert verdict.endswith(("— OK", "— цель не достигнута")) and "повторно 0" in verdict
    assert sum(line.startswith("bench_") for line in output.splitlines()) == 1  # what scripts/bench-all greps


@pytest.mark.django_db(transaction=True)
def test_bench_saturation_runs_locust_against_gunicorn_with_no_error(district):
    if connection.vendor == "sqlite":
        pytest.skip("gunicorn's processes cannot see the tests' in-memory SQLite: runs on PostgreSQL")
    if not (os.environ.get("LOCUST") or shutil.which("locust", path=str(Path(sys.executable).parent))):
        pytest.fail("locust is missing: pip install -r requirements-test.txt")
    output = run("bench_saturation", "--duration", "2", "--users", "3")
    # Two seconds of a random page mix: which pages were drawn varies, that the roles' pages ran does not.
    assert "trivial" in output
    assert any(role in output for role in ("school curator: ", "municipal curator: ", "director: ")), output
    assert "ошибок 0 (цель 0)" in output, output


def test_bench_dashboard_prints_the_district_the_school_and_the_export(district):
    factories.PairFactory(programme__organisation=district.school1)
    output = run("bench_dashboard", "--repeat", "2")
    lines = [line for line in output.splitlines() if line.startswith("bench_dashboard")]
    assert any(line.startswith("bench_dashboard district /monitoring/:") and "goal ≤ 5×" in line for line in lines)
    assert any(line.startswith("bench_dashboard export write_statistics:") for line in lines), output
    assert "ещё не написана" not in output
