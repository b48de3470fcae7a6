"""The best-practice base: who reads which case, who writes, files, and a case written from a pair."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from mentoring.models import MentoringForm, Pair
from monitoring.models import BestPractice, BestPracticeFile
from tests import factories

PDF = factories.pdf_bytes()
PNG = factories.png_bytes()


def case(org, title, published=False, **fields):
    return BestPractice.objects.create(organisation=org, title=title, description="Описание практики",
                                       published=published, **fields)


def attach(case_obj, name="отчёт.pdf", content=PDF):
    stored = BestPracticeFile(case=case_obj, title=name)
    stored.file.save(name, ContentFile(content), save=True)
    return stored


@pytest.fixture
def cases(district):
    return {
        "draft1": case(district.school1, "Черновик школы 1"),
        "published1": case(district.school1, "Опубликованный кейс школы 1", published=True,
                           form=MentoringForm.objects.get(name="учитель – ученик")),
        "draft2": case(district.school2, "Черновик школы 2"),
        "foreign": case(district.foreign_school, "Кейс другого района", published=True),
    }


def titles(client, query="") -> set[str]:
    response = client.get(reverse("monitoring:case_list") + query)
    assert response.status_code == 200
    return {c.title for c in response.context["listing"].rows}


def detail_status(client, case_obj) -> int:
    return client.get(reverse("monitoring:case_detail", args=[case_obj.pk])).status_code


# --- reading ---------------------------------------------------------------------------------------------


def test_each_role_reads_its_own_cases_and_the_published_ones_it_oversees(district, client_for, cases):
    assert titles(client_for(district.curator1)) == {"Черновик школы 1", "Опубликованный кейс школы 1"}
    assert titles(client_for(district.director1)) == {"Черновик школы 1", "Опубликованный кейс школы 1"}
    assert titles(client_for(district.curator2)) == {"Черновик школы 2"}
    assert titles(client_for(district.municipal)) == {"Опубликованный кейс школы 1"}
    assert titles(client_for(district.observer)) == {"Опубликованный кейс школы 1", "Кейс другого района"}
    assert titles(client_for(district.foreign_municipal)) == {"Кейс другого района"}
    assert titles(client_for(district.nobody)) == set()
    superuser = factories.UserFactory(username="root", is_superuser=True)
    assert len(titles(client_for(superuser))) == 4


def test_a_draft_is_a_404_outside_its_organisation(district, client_for, roles, cases):
    roles.expect(reverse("monitoring:case_detail", args=[cases["draft1"].pk]), municipal=404)
    assert detail_status(client_for(district.observer), cases["draft1"]) == 404


def test_a_published_case_is_read_by_its_district_and_region_only(district, client_for, cases):
    published = cases["published1"]
    for reader in (district.municipal, district.observer, district.curator1, district.director1):
        assert detail_status(client_for(reader), published) == 200, reader.username
    for outsider in (district.foreign_municipal, district.curator2, district.nobody):
        assert detail_status(client_for(outsider), published) == 404, outsider.username


def test_search_by_title_and_filter_by_form(district, client_for, cases):
    client = client_for(district.curator1)
    assert titles(client, "?q=опубликованный") == {"Опубликованный кейс школы 1"}
    form = MentoringForm.objects.get(name="учитель – ученик")
    assert titles(client, f"?form={form.pk}") == {"Опубликованный кейс школы 1"}
    assert titles(client, "?state=draft") == {"Черновик школы 1"}
    assert titles(client, "?form=abc") == {"Черновик школы 1", "Опубликованный кейс школы 1"}


def test_files_are_served_only_to_readers_of_the_case(district, client_for, cases):
    draft_file = attach(cases["draft1"])
    published_file = attach(cases["published1"], "фото.png", PNG)
    url = lambda f: reverse("monitoring:case_file", args=[f.pk])  # noqa: E731
    response = client_for(district.curator1).get(url(draft_file))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert client_for(district.municipal).get(url(published_file)).status_code == 200
    for outsider in (district.municipal, district.curator2, district.foreign_municipal):
        assert client_for(outsider).get(url(draft_file)).status_code == 404, outsider.username
    assert client_for(district.foreign_municipal).get(url(published_file)).status_code == 404


# --- writing ---------------------------------------------------------------------------------------------------


def test_a_school_curator_writes_a_case_with_files(district, client_for):
    client = client_for(district.curator1)
    form = MentoringForm.objects.get(name="ученик – ученик")
    response = client.post(reverse("monitoring:case_create"), {
        "title": "Шефство старшеклассников", "form": form.pk, "description": "Как десятиклассники помогали пятым",
        "results": "Успеваемость выросла", "published": "on",
        "files": [SimpleUploadedFile("отчёт.pdf", PDF, content_type="application/pdf"),
                  SimpleUploadedFile("фото.png", PNG, content_type="image/png")],
    })
    created = BestPractice.objects.get()
    assert response.status_code == 302 and response["Location"] == created.get_absolute_url()
    assert created.organisation == district.school1 and created.created_by == district.curator1
    assert created.published and created.form == form
    assert sorted(f.title for f in created.files.all()) == ["отчёт", "фото"]
    assert all(f.file.name.startswith(f"cases/{district.school1.pk}/") for f in created.files.all())


def test_a_file_whose_content_does_not_match_its_name_is_refused(district, client_for):
    response = client_for(district.curator1).post(reverse("monitoring:case_create"), {
        "title": "Кейс", "description": "Описание",
        "files": [SimpleUploadedFile("отчёт.pdf", b"MZ not a pdf", content_type="application/pdf")],
    })
    assert response.status_code == 200 and not BestPractice.objects.exists()
    assert "не соответствует расширению" in response.content.decode()
    response = client_for(district.curator1).post(reverse("monitoring:case_create"), {
        "title": "Кейс", "description": "Описание",
        "files": [SimpleUploadedFile("script.svg", b"<svg/>", content_type="image/svg+xml")],
    })
    assert response.status_code == 200 and "Недопустимый тип файла" in response.content.decode()


def test_readers_may_not_write(district, client_for, cases):
    create = reverse("monitoring:case_create")
    for reader in (district.director1, district.member1, district.municipal, district.observer):
        assert client_for(reader).get(create).status_code == 403, reader.username
        assert client_for(reader).post(create, {"title": "x", "description": "y"}).status_code == 403
    assert client_for(district.nobody).get(create).status_code == 404
    assert not BestPractice.objects.exclude(pk__in=[c.pk for c in cases.values()]).exists()

    edit_draft = reverse("monitoring:case_edit", args=[cases["draft1"].pk])
    edit_published = reverse("monitoring:case_edit", args=[cases["published1"].pk])
    assert client_for(district.director1).get(edit_draft).status_code == 403
    assert client_for(district.municipal).get(edit_published).status_code == 403
    assert client_for(district.municipal).get(edit_draft).status_code == 404
    assert client_for(district.curator2).post(edit_draft, {"title": "чужой", "description": "x"}).status_code == 404
    assert BestPractice.objects.get(pk=cases["draft1"].pk).title == "Черновик школы 1"


def test_the_curator_edits_publishes_and_removes_a_file(district, client_for, cases):
    draft = cases["draft1"]
    kept, removed = attach(draft, "оставить.pdf"), attach(draft, "удалить.pdf")
    client = client_for(district.curator1)
    page = client.get(reverse("monitoring:case_edit", args=[draft.pk])).content.decode()
    assert "удалить" in page
    response = client.post(reverse("monitoring:case_edit", args=[draft.pk]), {
        "title": "Кейс школы 1", "description": "Новый текст", "published": "on", "remove_files": [removed.pk],
    })
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.title == "Кейс школы 1" and draft.published and draft.organisation == district.school1
    assert list(draft.files.all()) == [kept]
    assert not BestPracticeFile.objects.filter(pk=removed.pk).exists()
    assert detail_status(client_for(district.municipal), draft) == 200


def test_another_schools_organisation_cannot_be_chosen(district, client_for):
    client_for(district.curator1).post(reverse("monitoring:case_create"), {
        "organisation": district.school2.pk, "title": "Кейс", "description": "Описание",
    })
    assert set(BestPractice.objects.values_list("organisation", flat=True)) == {district.school1.pk}


# --- a case from a completed pair --------------------------------------------------------------------------


def completed_pair(org, text="Наставник помог подготовиться к олимпиаде: призёр регионального этапа."):
    made = factories.PairFactory(programme__organisation=org, status=Pair.Status.COMPLETED)
    Pair.objects.filter(pk=made.pk).update(best_practice=text, results="Призёр олимпиады")
    made.refresh_from_db()
    return made


def test_a_case_is_prefilled_from_a_completed_pair(district, client_for):
    done = completed_pair(district.school1)
    client = client_for(district.curator1)
    listing = client.get(reverse("monitoring:case_list")).content.decode()
    assert f"{reverse('monitoring:case_create')}?pair={done.pk}" in listing
    response = client.get(reverse("monitoring:case_create") + f"?pair={done.pk}")
    form = response.context["form"]
    assert form.initial["description"] == done.best_practice and form.initial["results"] == "Призёр олимпиады"
    assert form.initial["form"] == done.programme.form_id
    client.post(reverse("monitoring:case_create"), {
        "pair": done.pk, "title": form.initial["title"], "form": done.programme.form_id,
        "description": done.best_practice, "results": "Призёр олимпиады",
    })
    created = BestPractice.objects.get()
    assert created.pair == done and created.organisation == district.school1
    # Once in the base, the pair is no longer suggested.
    listing = client.get(reverse("monitoring:case_list")).content.decode()
    assert f"?pair={done.pk}" not in listing


def test_a_pair_outside_the_scope_or_not_completed_gives_no_case(roles):
    done = completed_pair(roles.organisation)
    active = factories.PairFactory(programme__organisation=roles.organisation)
    create = reverse("monitoring:case_create")
    # The neighbour, who writes cases for their own school, with the owner's pair in their form: 404, the
    # pair is outside their scope. The municipality and the outsider write no cases at all: 403.
    roles.expect(create + f"?pair={done.pk}", municipal=403, outsider=403)
    roles.expect(create, method="post", data={"pair": done.pk, "title": "t", "description": "d"},
                 owner=None, municipal=403, outsider=403)
    client = roles.client("owner")
    assert client.get(create + f"?pair={active.pk}").status_code == 404
    assert client.get(create + "?pair=x").status_code == 404
    assert not BestPractice.objects.exists()
