"""The default question sets of process and effect monitoring (the methodology's stages 1 and 2).

Stage 1: satisfaction of mentors and of mentees, the programme's quality, the curator's questionnaire
and the quarterly interim feedback. Stage 2: the entry assessment (старт-лист) and the final one ask
the same scale questions, each measuring one dimension of growth, so entry and exit compare per
dimension. One questionnaire is specific to a form: young specialists in «учитель – учитель».

Idempotent: a questionnaire already present (by title) is left as it is, edits included.
"""

from django.db import migrations

S5, S10, CHOICE, TEXT = "scale_5", "scale_10", "choice", "text"
MOTIVATION, COMPETENCE, PROFESSIONAL = "motivation", "competence", "professional"
YES_NO_MAYBE = ["Да", "Нет", "Пока не решил(а)"]


def q(text, type=S5, *, choices=None, dimension="", required=True):
    return {"text": text, "type": type, "choices": choices or [], "dimension": dimension, "required": required}


def optional_text(text):
    return q(text, TEXT, required=False)


# Stage 2: the same statements at the start and at the end, each measuring one dimension.
GROWTH = [
    q("Мне интересно учиться (работать) и узнавать новое", S10, dimension=MOTIVATION),
    q("Я уверен(а) в своих силах", S10, dimension=MOTIVATION),
    q("Я ставлю перед собой цели и добиваюсь их", S10, dimension=MOTIVATION),
    q("Я умею планировать своё время и доводить начатое до конца", S10, dimension=COMPETENCE),
    q("Я могу самостоятельно найти и проверить нужную информацию", S10, dimension=COMPETENCE),
    q("Я легко работаю в команде и умею договариваться", S10, dimension=COMPETENCE),
    q("Я представляю, кем хочу стать или как хочу развиваться в профессии", S10, dimension=PROFESSIONAL),
    q("Я знаю, какие знания и навыки мне нужны на выбранном пути", S10, dimension=PROFESSIONAL),
    q("Я применяю свои знания на практике: в проектах, конкурсах, олимпиадах, работе", S10,
      dimension=PROFESSIONAL),
]
GROWTH_HINT = ("Оцените каждое утверждение по шкале от 1 до 10: 1 — совсем не про меня, 10 — полностью про "
               "меня. Те же утверждения будут в {other}: так будет видно, что изменилось за время программы.")

QUESTIONNAIRES = [
    {
        "title": "Анкета удовлетворённости наставника",
        "kind": "mentor_satisfaction",
        "description": "Заполняется наставником по итогам работы пары или группы. Шкала от 1 до 10: "
                       "1 — совсем нет, 10 — полностью.",
        "questions": [
            q("Насколько эффективной вы считаете программу наставничества в целом?", S10),
            q("Насколько комфортным было общение с наставляемым?", S10),
            q("Насколько, по вашему мнению, вам удалось помочь наставляемому?", S10),
            q("Насколько полезными были встречи с наставляемым?", S10),
            q("Насколько вы удовлетворены совместной работой с наставляемым?", S10),
            q("Насколько наставляемый был вовлечён в совместную работу?", S10),
            q("Насколько понятным было планирование работы по индивидуальному плану?", S10),
            q("Насколько вы ощущали поддержку куратора программы?", S10),
            q("Насколько оправдались ваши ожидания от участия в программе?", S10),
            q("Как часто проходили ваши встречи?", CHOICE,
              choices=["Раз в неделю и чаще", "Два-три раза в месяц", "Раз в месяц", "Реже раза в месяц"]),
            q("Хотели бы вы быть наставником и в следующем году?", CHOICE, choices=YES_NO_MAYBE),
            optional_text("Что было самым ценным в работе с наставляемым?"),
            optional_text("Чего не хватило и что бы вы изменили в программе?"),
        ],
    },
    {
        "title": "Анкета удовлетворённости наставляемого",
        "kind": "mentee_satisfaction",
        "description": "Заполняется наставляемым по итогам работы с наставником. Шкала от 1 до 5: "
                       "1 — совсем нет, 5 — полностью.",
        "questions": [
            q("Насколько вы удовлетворены работой с наставником?"),
            q("Насколько полезными были встречи с наставником?"),
            q("Насколько комфортно вам было общаться с наставником?"),
            q("Насколько вы чувствовали поддержку наставника, когда что-то не получалось?"),
            q("Насколько понятно было, что от вас ожидают на встречах?"),
            q("Насколько оправдались ваши ожидания от программы?"),
            q("Хотели бы вы продолжить участие в программе наставничества?", CHOICE, choices=YES_NO_MAYBE),
            q("Хотели бы вы сами стать наставником в будущем?", CHOICE, choices=YES_NO_MAYBE),
            optional_text("Что в работе с наставником было для вас самым полезным?"),
            optional_text("Чего вам не хватило?"),
        ],
    },
    {
        "title": "Анкета оценки качества программы наставничества",
        "kind": "programme_quality",
        "description": "Для наставников и наставляемых: как была организована программа. Шкала от 1 до 5: "
                       "1 — плохо, 5 — отлично.",
        "questions": [
            q("Насколько понятными были цели и задачи программы?"),
            q("Насколько содержание программы соответствовало запросам наставляемых?"),
            q("Насколько удобными были время и место встреч?"),
            q("Насколько хорошо была организована встреча-знакомство и подбор пар?"),
            q("Насколько достаточной была методическая и организационная поддержка школы?"),
            q("Насколько полезной была итоговая встреча участников программы?"),
            q("Насколько вы удовлетворены организацией программы в целом?"),
            q("Порекомендовали бы вы участие в программе другим?", CHOICE,
              choices=["Да", "Скорее да", "Скорее нет", "Нет"]),
            optional_text("Ваши предложения по улучшению программы"),
        ],
    },
    {
        "title": "Анкета куратора программы наставничества",
        "kind": "curator",
        "description": "Заполняет куратор программы по итогам полугодия или года. Шкала от 1 до 5: "
                       "1 — не выполнено, 5 — выполнено полностью.",
        "questions": [
            q("Насколько полно сформирована база наставников?"),
            q("Насколько полно сформирована база наставляемых?"),
            q("Насколько удачно подобраны наставнические пары и группы?"),
            q("Насколько регулярно проходили встречи пар и групп?"),
            q("Насколько выполнены индивидуальные планы наставляемых?"),
            q("Насколько активно работали члены рабочей группы, педагог-психолог, социальный педагог?"),
            q("Насколько полно собраны согласия на обработку персональных данных?"),
            q("Были ли случаи замены наставника по ходатайству наставляемого?", CHOICE, choices=["Да", "Нет"]),
            optional_text("Основные трудности в реализации программы"),
            optional_text("Практики, которые стоит включить в базу лучших практик"),
        ],
    },
    {
        "title": "Анкета обратной связи для промежуточной оценки",
        "kind": "interim",
        "description": "Заполняется наставником и наставляемым один раз в четверть. Шкала от 1 до 5: "
                       "1 — совсем нет, 5 — полностью.",
        "questions": [
            q("Насколько регулярно в этой четверти проходили встречи?"),
            q("Насколько вы довольны ходом совместной работы в этой четверти?"),
            q("Насколько продвинулась работа по индивидуальному плану?"),
            q("Сколько встреч состоялось в этой четверти?", CHOICE, choices=["Ни одной", "1–2", "3–5", "Больше 5"]),
            q("Нужна ли помощь куратора?", CHOICE,
              choices=["Нет", "Да, организационная", "Да, методическая", "Да, психологическая"]),
            optional_text("Что получилось в этой четверти?"),
            optional_text("Какие трудности возникли?"),
        ],
    },
    {
        "title": "Входная оценка участника (старт-лист)",
        "kind": "entry",
        "description": GROWTH_HINT.format(other="итоговой оценке"),
        "questions": GROWTH + [optional_text("Чего вы ждёте от участия в программе наставничества?")],
    },
    {
        "title": "Итоговая оценка участника",
        "kind": "exit",
        "description": GROWTH_HINT.format(other="старт-листе, заполненном в начале программы"),
        "questions": GROWTH + [optional_text("Что изменилось для вас за время участия в программе?")],
    },
    {
        "title": "Анкета молодого специалиста (форма «учитель – учитель»)",
        "kind": "mentee_satisfaction",
        "form": "учитель – учитель",
        "description": "Для молодых специалистов и новых педагогов, работающих с наставником. Шкала от 1 до 5: "
                       "1 — совсем нет, 5 — полностью.",
        "questions": [
            q("Насколько вы удовлетворены работой с наставником?"),
            q("Насколько помощь наставника облегчила вашу адаптацию в коллективе?"),
            q("Насколько полезными были взаимные посещения уроков и их разбор?"),
            q("Насколько увереннее вы стали в планировании уроков и ведении документации?"),
            q("Насколько увереннее вы стали в работе с классом и в поддержании дисциплины?"),
            q("Насколько увереннее вы стали в общении с родителями обучающихся?"),
            q("Какая помощь вам нужна в первую очередь?", CHOICE,
              choices=["Методическая: уроки и рабочие программы", "Работа с классом и дисциплина",
                       "Общение с родителями", "Оформление документации", "Подготовка к аттестации"]),
            q("Планируете ли вы продолжить работу в нашей организации?", CHOICE, choices=YES_NO_MAYBE),
            optional_text("Что в работе с наставником было самым полезным?"),
        ],
    },
]


def add_questionnaires(apps, schema_editor):
    Questionnaire = apps.get_model("monitoring", "Questionnaire")
    Question = apps.get_model("monitoring", "Question")
    MentoringForm = apps.get_model("mentoring", "MentoringForm")
    for data in QUESTIONNAIRES:
        form = MentoringForm.objects.filter(name=data["form"]).first() if data.get("form") else None
        questionnaire, created = Questionnaire.objects.get_or_create(
            title=data["title"], defaults={"kind": data["kind"], "description": data["description"], "form": form},
        )
        if created:
            Question.objects.bulk_create(
                Question(questionnaire=questionnaire, position=position, **question)
                for position, question in enumerate(data["questions"], start=1)
            )


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0001_initial"), ("mentoring", "0002_default_forms")]
    operations = [migrations.RunPython(add_questionnaires, migrations.RunPython.noop)]
