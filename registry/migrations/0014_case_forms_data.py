"""The organisations' names in the five cases, and consent wordings that decline what they paste.

The first consent texts pasted the organisation in the nominative after «даю согласие» and the
child after a dash. A new version (2025-2) asks for the cases — {organisation:datv},
{participant:gent}, {minor:gent} — and becomes current; consents already signed keep pointing at the
words they were signed with. A wording someone has already replaced is left alone.
"""

from django.db import migrations
from django.utils import timezone

from registry import grammar

OLD_VERSION, NEW_VERSION = "2025-1", "2025-2"
REPLACEMENTS = (
    ("даю согласие {organisation} ", "даю согласие {organisation:datv} "),
    ("законным представителем несовершеннолетнего (несовершеннолетней) — {participant},",
     "законным представителем {minor:gent} {participant:gent},"),
    ("на обработку персональных данных несовершеннолетнего в целях",
     "на обработку персональных данных {minor:gent} в целях"),
)


def fill_case_forms(apps, schema_editor):
    Organisation = apps.get_model("registry", "Organisation")
    for organisation in Organisation.objects.all():
        name = organisation.full_name or organisation.short_name
        forms = grammar.phrase_forms(name)
        Organisation.objects.filter(pk=organisation.pk).update(
            case_forms_source=name, **{f"name_{case}": form for case, form in forms.items()})


def decline_consent_texts(apps, schema_editor):
    ConsentText = apps.get_model("registry", "ConsentText")
    for text in ConsentText.objects.filter(version=OLD_VERSION, is_current=True):
        body = text.body
        for old, new in REPLACEMENTS:
            body = body.replace(old, new)
        if body == text.body or ConsentText.objects.filter(
                purpose=text.purpose, signer=text.signer, version=NEW_VERSION).exists():
            continue
        ConsentText.objects.filter(pk=text.pk).update(is_current=False)
        ConsentText.objects.create(purpose=text.purpose, signer=text.signer, version=NEW_VERSION, title=text.title,
                                   body=body, is_current=True, introduced_on=timezone.localdate())


class Migration(migrations.Migration):
    dependencies = [("registry", "0013_case_forms_and_gender")]
    operations = [
        migrations.RunPython(fill_case_forms, migrations.RunPython.noop),
        migrations.RunPython(decline_consent_texts, migrations.RunPython.noop),
    ]
