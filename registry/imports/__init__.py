"""Loading participants from a spreadsheet (загрузка участников из Excel).

- ``columns``: the file's format — its columns, the words its cells may hold;
- ``template``: the blank workbook to fill;
- ``limits``: bounds on a hostile workbook, checked before openpyxl reads it;
- ``reader`` and ``checks``: reading a workbook into a preview of every row and its problems;
- ``preview``: that preview, and the JSON form the import row keeps;
- ``service``: the check off the request (a Celery task) and the commit, once.

Import is all-or-nothing: if any row has a problem, nothing is written.
"""
