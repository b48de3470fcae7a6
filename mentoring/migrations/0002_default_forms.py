"""The eight forms of mentoring of the methodology, with who may mentor and be mentored in each."""

from django.db import migrations

STUDENT, YOUNG, TEACHER, PARENT, GRADUATE, EMPLOYER = (
    "student", "young_specialist", "teacher", "parent", "graduate", "employer",
)

FORMS = [
    ("ученик – ученик", [STUDENT, GRADUATE], [STUDENT],
     "Взаимодействие обучающихся: более опытный ученик помогает младшему или новичку."),
    ("учитель – учитель", [TEACHER], [TEACHER, YOUNG],
     "Опытный педагог поддерживает молодого специалиста или нового педагога."),
    ("учитель – ученик", [TEACHER, YOUNG], [STUDENT],
     "Педагог помогает обучающемуся раскрыть потенциал, в учёбе и в выборе профессии."),
    ("студент – студент", [STUDENT, GRADUATE], [STUDENT],
     "Студент старшего курса поддерживает студента младшего курса."),
    ("студент – ученик", [STUDENT], [STUDENT],
     "Студент колледжа или вуза помогает школьнику в профориентации и учёбе."),
    ("работодатель – студент", [EMPLOYER, PARENT, GRADUATE], [STUDENT],
     "Представитель предприятия помогает студенту освоить профессию."),
    ("работодатель – ученик", [EMPLOYER, PARENT, GRADUATE], [STUDENT],
     "Представитель предприятия знакомит школьника с профессией и производством."),
    ("преподаватель – преподаватель", [TEACHER], [TEACHER, YOUNG],
     "Опытный преподаватель колледжа поддерживает молодого коллегу."),
]


def add_forms(apps, schema_editor):
    MentoringForm = apps.get_model("mentoring", "MentoringForm")
    for position, (name, mentors, mentees, description) in enumerate(FORMS, start=1):
        MentoringForm.objects.get_or_create(
            name=name,
            defaults={"mentor_categories": mentors, "mentee_categories": mentees, "description": description,
                      "position": position},
        )


class Migration(migrations.Migration):
    dependencies = [("mentoring", "0001_initial")]
    operations = [migrations.RunPython(add_forms, migrations.RunPython.noop)]
