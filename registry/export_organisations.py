"""The organisations one sees, as a reference table: names, address, registration numbers, the head, the
website — for a district's letters and mailing lists. An export without parameters."""

from itertools import chain

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry import xlsx
from registry.exporters import Exporter, ExportForm, Progress, register


@register
class OrganisationsExport(Exporter):
    identifier = "organisations"
    position = 80
    verbose_name = gettext_lazy("Справочник организаций: реквизиты и руководители")
    description = gettext_lazy("Организации, которые вы видите в портале: наименования, адрес, ИНН, ОГРН, "
                               "руководитель, сайт.")
    file_title = gettext_lazy("Организации")
    form_class = ExportForm
    formats = ("xlsx", "csv")

    def sheets(self, progress: Progress | None = None):
        header = [_("Краткое наименование"), _("Полное наименование"), _("Муниципалитет"), _("Адрес"), _("ИНН"),
                  _("ОГРН"), _("Руководитель"), _("Должность руководителя"), _("Официальный сайт")]
        rows = self.organisations().values_list("short_name", "full_name", "municipality__name", "address", "inn",
                                                "ogrn", "director_name", "director_position", "website")
        yield xlsx.Sheet(title=_("Организации"), rows=chain([header], rows.iterator()),
                         widths=[30, 50, 24, 40, 12, 15, 30, 24, 30], freeze="B2")
