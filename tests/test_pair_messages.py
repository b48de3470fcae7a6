"""A refused pair names the person in the case the sentence needs: «У Воробьёвой Евы Васильевны нет
действующего согласия…», not «У Воробьёва Ева Васильевна…» (registry.grammar)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from mentoring import services
from tests import factories
from tests.test_pairs import student, teacher

TODAY = timezone.localdate()


def test_the_person_without_consent_and_the_full_mentor_are_in_the_genitive(district):
    school = district.school1
    mentor = teacher(school, capacity=0, last_name="Чернов", first_name="Захар", patronymic="Станиславович",
                     gender="m")
    mentee = student(school, consent=False, last_name="Воробьёва", first_name="Ева", patronymic="Васильевна",
                     gender="f")
    with pytest.raises(ValidationError) as error:
        services.form_pair(programme=factories.ProgrammeFactory(organisation=school), mentor=mentor,
                           mentees=[mentee], started_on=TODAY - datetime.timedelta(days=1))
    message = " ".join(error.value.messages)
    assert "У Воробьёвой Евы Васильевны нет действующего согласия" in message, message
    assert "У наставника Чернова Захара Станиславовича нет свободных мест" in message, message
