"""The starting vocabulary of competencies and requests, from the methodology's typical requests."""

from django.db import migrations

TOPICS = [
    "Адаптация в коллективе",
    "Академическая успеваемость",
    "Исследовательские и проектные работы",
    "Олимпиадная подготовка",
    "Подготовка к ОГЭ и ЕГЭ",
    "Профессиональное самоопределение",
    "Цифровые навыки",
    "Творчество и искусство",
    "Спорт и здоровый образ жизни",
    "Волонтёрство и социальные проекты",
    "Лидерство и самоуправление",
    "Коммуникативные навыки",
    "Преодоление трудностей в общении",
    "Методика преподавания",
    "Классное руководство",
    "Работа с родителями",
    "Подготовка к аттестации",
    "Дисциплина на уроке",
    "Предпринимательство",
    "Рабочие профессии и практика",
]


def add_topics(apps, schema_editor):
    Topic = apps.get_model("registry", "Topic")
    for name in TOPICS:
        Topic.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]
    operations = [migrations.RunPython(add_topics, migrations.RunPython.noop)]
