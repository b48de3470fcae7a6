from django.db import migrations

from registry import table_versions

# The tables of the pairs and meetings lists' counts (``registry.list_counts``).
TABLES = ["mentoring_pair", "mentoring_programme", "mentoring_meeting", "mentoring_mentoringform"]


def install(apps, schema_editor):
    table_versions.install(schema_editor, TABLES)


def uninstall(apps, schema_editor):
    table_versions.uninstall(schema_editor, TABLES)


class Migration(migrations.Migration):

    dependencies = [
        ("mentoring", "0007_order_kind_choices_from_modules"),
        ("registry", "0019_table_versions"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
