"""Checks of uploaded files: real type by content, not by name, and a size limit."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

SIGNATURES = {
    "pdf": (b"%PDF-",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
}


def validate_upload(file, allowed: tuple[str, ...], kinds: str) -> None:
    """The file's extension is one of ``allowed``, its content matches it, its size is within the limit."""
    if getattr(file, "_committed", False):
        return  # already stored and checked when it was uploaded
    name = getattr(file, "name", "") or ""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in allowed:
        raise ValidationError(
            _("Недопустимый тип файла «%(name)s». Можно загрузить: %(kinds)s.") % {"name": name, "kinds": kinds}
        )
    size = getattr(file, "size", 0) or 0
    if size > settings.UPLOAD_MAX_BYTES:
        raise ValidationError(
            _("Файл слишком большой (%(size)s); наибольший допустимый размер — %(max)s.")
            % {"size": filesizeformat(size), "max": filesizeformat(settings.UPLOAD_MAX_BYTES)}
        )
    if size == 0:
        raise ValidationError(_("Файл пустой."))
    position = file.tell() if hasattr(file, "tell") else 0
    file.seek(0)
    head = file.read(16)
    file.seek(position)
    if not any(head.startswith(signature) for signature in SIGNATURES[extension]):
        raise ValidationError(
            _("Содержимое файла «%(name)s» не соответствует расширению .%(ext)s — возможно, файл повреждён.")
            % {"name": name, "ext": extension}
        )


def validate_scan(file) -> None:
    """A scanned consent: PDF, JPEG or PNG."""
    validate_upload(file, ("pdf", "jpg", "jpeg", "png"), "PDF, JPEG, PNG")


def validate_document_file(file) -> None:
    validate_upload(file, ("pdf", "jpg", "jpeg", "png", "docx"), "PDF, JPEG, PNG, DOCX")


def validate_xlsx(file) -> None:
    validate_upload(file, ("xlsx",), "XLSX (Excel 2007 и новее)")
