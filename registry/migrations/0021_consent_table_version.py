from django.db import migrations

from registry import table_versions

# The home page's district figures and its «без согласия» rows are cached (registry.list_counts): both
# read the consents.
TABLES = ["registry_consent"]


def install(apps, schema_editor):
    table_versions.install(schema_editor, TABLES)


def uninstall(apps, schema_editor):
    table_versions.uninstall(schema_editor, TABLES)


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0020_notification_user_without_own_index"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
