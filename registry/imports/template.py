"""The blank participant workbook curators download and fill: the header, a sample row, dropdowns and
a help sheet."""

from __future__ import annotations

import tempfile

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from registry.imports.columns import (
    COLUMNS,
    DATA_SHEET_TITLE,
    EXAMPLE_ROW,
    HELP_SHEET_TITLE,
    MAX_ROWS,
    ROLE_LABELS,
    category_labels,
    purpose_labels,
    relation_labels,
)

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
EXAMPLE_FONT = Font(italic=True, color="808080")


def build_import_template(file) -> None:
    """Write the blank import workbook: header, sample row, dropdowns, and a help sheet."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = DATA_SHEET_TITLE
    sheet.append([column.title for column in COLUMNS])
    sheet.append([EXAMPLE_ROW[column.key] for column in COLUMNS])
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = column.width
        header = sheet.cell(row=1, column=index)
        header.font = HEADER_FONT
        header.fill = HEADER_FILL
        header.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.cell(row=2, column=index).font = EXAMPLE_FONT
    sheet.row_dimensions[1].height = 32
    sheet.freeze_panes = "A2"
    letters = {column.key: get_column_letter(index) for index, column in enumerate(COLUMNS, start=1)}
    for key in ("birth_date", "consent_date"):
        sheet[f"{letters[key]}2"].number_format = "DD.MM.YYYY"

    last_row = MAX_ROWS + 1
    category = DataValidation(
        type="list", formula1='"{}"'.format(",".join(category_labels())), allow_blank=True,
        showErrorMessage=True, errorTitle="Категория", error="Выберите категорию из списка.",
    )
    role = DataValidation(
        type="list", formula1='"{}"'.format(",".join(ROLE_LABELS.values())), allow_blank=True,
        showErrorMessage=True, errorTitle="Роль", error="Выберите «наставник» или «наставляемый» либо оставьте пустым.",
    )
    purpose = DataValidation(
        type="list", formula1='"{}"'.format(",".join(purpose_labels())), allow_blank=True,
        showErrorMessage=True, errorTitle="Цель согласия", error="Выберите цель из списка или оставьте пустым.",
    )
    relation = DataValidation(
        type="list", formula1='"{}"'.format(",".join(relation_labels())), allow_blank=True,
        showErrorMessage=True, errorTitle="Кем приходится", error="Выберите из списка.",
    )
    capacity = DataValidation(
        type="whole", operator="between", formula1="1", formula2="30", allow_blank=True,
        showErrorMessage=True, errorTitle="Число наставляемых", error="Целое число от 1 до 30.",
    )
    for validation, key in ((category, "category"), (role, "role"), (purpose, "consent_purpose"),
                            (relation, "representative_relation"), (capacity, "capacity")):
        validation.add(f"{letters[key]}2:{letters[key]}{last_row}")
        sheet.add_data_validation(validation)

    help_sheet = workbook.create_sheet(HELP_SHEET_TITLE)
    help_sheet.column_dimensions["A"].width = 42
    help_sheet.column_dimensions["B"].width = 100
    lines = [
        ("Загрузка участников в реестр", ""),
        ("", ""),
        ("Как заполнять", "Одна строка — один участник. Первая строка листа «Участники» — заголовки, не меняйте их."),
        ("", "Строку-образец (серым курсивом) можно удалить или оставить: она не загружается."),
        ("", f"Не больше {MAX_ROWS:,} строк в одном файле.".replace(",", " ")),
        ("", "Если хотя бы в одной строке ошибка, не загружается ничего: исправьте файл и загрузите его снова."),
        ("", "Человек, который уже есть в реестре организации (те же ФИО и дата рождения), обновляется: "
             "заполненные ячейки заменяют записанное в реестре, пустые ничего не меняют. Перед загрузкой портал "
             "покажет, что у кого изменится. Так можно загрузить исправленный или дополненный файл ещё раз."),
        ("", "Согласие на обработку персональных данных из файла вносится в карточку участника, как если бы его "
             "внесли вручную; скан согласия можно приложить там же."),
        ("", ""),
        ("Столбец", "Что указать"),
        *[(column.title, column.help) for column in COLUMNS],
        ("", ""),
        ("Допустимые категории", ""),
        *[(label, "") for label in category_labels()],
        ("", ""),
        ("Роли", ""),
        *[(label, "") for label in ROLE_LABELS.values()],
        ("(пусто)", "Участник вносится в реестр без профиля наставника или наставляемого."),
        ("", ""),
        ("Цели согласия", ""),
        *[(label, "") for label in purpose_labels()],
        ("", ""),
        ("Кем представитель приходится ребёнку", ""),
        *[(label, "") for label in relation_labels()],
    ]
    for line in lines:
        help_sheet.append(list(line))
    headings = {"Как заполнять", "Столбец", "Допустимые категории", "Роли", "Цели согласия",
                "Кем представитель приходится ребёнку"}
    for number, (title, _text) in enumerate(lines, start=1):
        if title in headings:
            help_sheet.cell(row=number, column=1).font = HEADER_FONT
            if title == "Столбец":
                help_sheet.cell(row=number, column=2).font = HEADER_FONT
    help_sheet["A1"].font = Font(bold=True, size=14)
    for cells in help_sheet.iter_rows(min_col=2, max_col=2):
        cells[0].alignment = Alignment(wrap_text=True, vertical="top")
    workbook.active = 0
    workbook.save(file)



def template_file():
    """The import template in a temporary file, ready to stream."""
    handle = tempfile.TemporaryFile(suffix=".xlsx")
    build_import_template(handle)
    handle.seek(0)
    return handle
