"""Several occurrences of a roadmap marked done at once: selected on the roadmap's page, one date and one
confirmation for all, each marked by services.report_progress; refusals per row, the scope."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from roadmaps import services
from roadmaps.models import Occurrence, RoadmapChange
from tests import factories
from tests.test_roadmap_pages import PDF_BYTES, TODAY, school_roadmap


@pytest.fixture
def roadmap(district):
    return school_roadmap(district)


def open_occurrences(roadmap, count):
    """The first open occurrence of each of the first ``count`` items."""
    firsts = {}
    for occurrence in Occurrence.objects.filter(item__roadmap=roadmap, status=Occurrence.Status.NOT_STARTED) \
            .order_by("item__position", "sequence"):
        firsts.setdefault(occurrence.item_id, occurrence)
    return list(firsts.values())[:count]


def done_url(roadmap):
    return reverse("roadmaps:occurrences_done", args=[roadmap.pk])


def texts(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def post(client, roadmap, occurrences, **data):
    return client.post(done_url(roadmap), {"occurrence": [o.pk for o in occurrences], "done_on": TODAY.isoformat(),
                                           **data})


def test_selected_occurrences_are_marked_done_each_with_its_history_entry(district, client_for, roadmap):
    client = client_for(district.curator1)
    chosen = open_occurrences(roadmap, 3)
    page = client.get(done_url(roadmap), {"occurrence": [o.pk for o in chosen]})
    assert page.status_code == 200 and len(page.context["occurrences"]) == 3
    assert Occurrence.objects.filter(status=Occurrence.Status.DONE).count() == 0  # a GET writes nothing

    yesterday = TODAY - datetime.timedelta(days=1)
    response = post(client, roadmap, chosen, done_on=yesterday.isoformat(), evidence="протокол педсовета № 2")
    assert response.status_code == 302 and "Отмечено выполненными: 3." in texts(response)
    for occurrence in chosen:
        occurrence.refresh_from_db()
        assert occurrence.status == Occurrence.Status.DONE and occurrence.done_on == yesterday
        assert occurrence.evidence == "протокол педсовета № 2" and occurrence.updated_by == district.curator1
    assert RoadmapChange.objects.filter(kind=RoadmapChange.Kind.STATUS_CHANGED, occurrence__in=chosen).count() == 3


def test_without_evidence_only_occurrences_with_files_are_marked_and_the_others_say_why(district, client_for,
                                                                                        roadmap):
    with_file, without = open_occurrences(roadmap, 2)
    services.report_progress(with_file, status=Occurrence.Status.IN_PROGRESS,
                             files=[SimpleUploadedFile("protokol.pdf", PDF_BYTES)], by=district.curator1)
    response = post(client_for(district.curator1), roadmap, [with_file, without], evidence="")
    messages = texts(response)
    assert "Отмечено выполненными: 1." in messages
    assert f"№ {without.item.number}" in messages and "Опишите, чем подтверждается выполнение" in messages
    assert Occurrence.objects.get(pk=with_file.pk).status == Occurrence.Status.DONE
    assert Occurrence.objects.get(pk=without.pk).status == Occurrence.Status.NOT_STARTED


def test_done_and_excluded_occurrences_are_not_marked_again(district, client_for, roadmap):
    done, removed, fresh = open_occurrences(roadmap, 3)
    services.report_progress(done, status=Occurrence.Status.DONE, evidence="приказ № 1", by=district.curator1)
    services.remove_item(removed.item, reason="не проводится", by=district.curator1)
    changes = RoadmapChange.objects.count()
    response = post(client_for(district.curator1), roadmap, [done, removed, fresh], evidence="приказ № 7")
    messages = texts(response)
    assert "Отмечено выполненными: 1." in messages and "Уже были выполнены: 1." in messages
    assert "исключено или не требуется" in messages
    assert Occurrence.objects.get(pk=done.pk).evidence == "приказ № 1"
    assert Occurrence.objects.get(pk=removed.pk).status == Occurrence.Status.CANCELLED
    assert RoadmapChange.objects.count() == changes + 1


def test_a_future_date_is_refused_and_nothing_changes(district, client_for, roadmap):
    chosen = open_occurrences(roadmap, 2)
    response = post(client_for(district.curator1), roadmap, chosen, evidence="протокол",
                    done_on=(TODAY + datetime.timedelta(days=3)).isoformat())
    assert response.status_code == 200 and response.context["form"].errors["done_on"]
    assert not Occurrence.objects.filter(status=Occurrence.Status.DONE).exists()


def test_the_roadmap_page_offers_checkboxes_for_open_occurrences_only(district, client_for, roadmap):
    done, fresh = open_occurrences(roadmap, 2)
    services.report_progress(done, status=Occurrence.Status.DONE, evidence="приказ", by=district.curator1)
    client = client_for(district.curator1)
    for query in ({}, {"view": "dates"}):
        page = client.get(roadmap.get_absolute_url(), query).content.decode()
        assert 'id="bulk-done"' in page
        assert f'name="occurrence" value="{fresh.pk}" form="bulk-done"' in page
        assert f'name="occurrence" value="{done.pk}"' not in page
    observer = client_for(district.observer).get(roadmap.get_absolute_url()).content.decode()
    assert 'id="bulk-done"' not in observer and 'name="occurrence"' not in observer


def test_other_roadmaps_occurrences_and_outsiders_are_refused(district, client_for, roles, roadmap):
    other = school_roadmap(district, organisation=district.school2, template=factories.roadmap_template("other-school"))
    foreign = open_occurrences(other, 1)
    response = post(client_for(district.curator1), roadmap, foreign, evidence="протокол")
    assert response.status_code == 302 and "Отметьте сроки" in texts(response)
    assert Occurrence.objects.get(pk=foreign[0].pk).status == Occurrence.Status.NOT_STARTED

    chosen = open_occurrences(roadmap, 1)
    roles.expect(done_url(roadmap) + f"?occurrence={chosen[0].pk}", municipal=None)
    for role in ("neighbour", "outsider", "stranger"):
        assert post(roles.client(role), roadmap, chosen, evidence="x").status_code == 404, role
    for user in (district.observer, district.municipal):  # they see the roadmap but report no progress
        assert post(client_for(user), roadmap, chosen, evidence="x").status_code == 403
    assert Occurrence.objects.get(pk=chosen[0].pk).status == Occurrence.Status.NOT_STARTED
    # The director reports progress too.
    assert "Отмечено выполненными: 1." in texts(post(client_for(district.director1), roadmap, chosen,
                                                     evidence="приказ"))


@pytest.mark.parametrize("query", [
    {"occurrence": ["abc", "", "-1", "9" * 30]},
    {"occurrence": "\x00", "done_on": "завтра"},
    {},
])
def test_hostile_selections_never_fail(district, client_for, roadmap, query):
    client = client_for(district.curator1)
    assert client.get(done_url(roadmap), query).status_code == 302
    assert client.post(done_url(roadmap), query).status_code == 302
    assert not Occurrence.objects.filter(status=Occurrence.Status.DONE).exists()
