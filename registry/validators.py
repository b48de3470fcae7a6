"""Checks of uploaded files: real type by content, not by name, and a size limit.

Beyond the first bytes, a file must really be what it claims, in bounded time and memory:

- a PDF parses (pypdf) and carries no JavaScript, launch actions, embedded files or forms that run
  code, and does not also read as an HTML page (a polyglot);
- a JPEG or PNG decodes (Pillow), within a pixel limit that stops decompression bombs;
- a DOCX or XLSX is a sound ZIP of the right kind, without macros, and not a ZIP bomb.

Anything else is refused with a Russian message saying what is wrong.
"""

import io
import re
import zipfile

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
    file.seek(0)
    data = file.read(settings.UPLOAD_MAX_BYTES + 1)
    file.seek(position)
    CONTENT_CHECKS[extension](data, name)


# --- content checks ---------------------------------------------------------------------------------

# Names in a PDF that run code or carry other files. Matched on the parsed objects (compressed object
# streams included) and on the raw bytes.
PDF_ACTIVE = ("/JavaScript", "/JS", "/Launch", "/EmbeddedFile", "/EmbeddedFiles", "/RichMedia", "/XFA",
              "/SubmitForm", "/ImportData", "/GoToE")
HTML_MARKERS = re.compile(rb"<\s*(html|script|body|iframe|svg|object|embed|meta)[\s>/]", re.IGNORECASE)
PDF_OBJECT_LIMIT = 50_000  # a consent scan has a few dozen objects; this bounds a hostile file's walk
IMAGE_PIXEL_LIMIT = 60_000_000  # a 600 dpi A4 scan is about 35 megapixels
ZIP_ENTRY_LIMIT = 2_000
ZIP_UNPACKED_LIMIT = 200 * 1024 * 1024


def _refuse(message: str, name: str):
    raise ValidationError(message % {"name": name})


def _check_pdf(data: bytes, name: str) -> None:
    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    if HTML_MARKERS.search(data):
        _refuse(_("Файл «%(name)s» похож одновременно на PDF и на веб-страницу: такие файлы не принимаются."), name)
    if any(marker.encode() + suffix in data for marker in PDF_ACTIVE for suffix in (b" ", b"(", b"<", b"/", b"\n",
                                                                                    b"\r", b"[")):
        _refuse(_("PDF «%(name)s» содержит исполняемое содержимое (скрипты, вложенные файлы или запуск программ). "
                  "Сохраните скан заново как обычный PDF."), name)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            _refuse(_("PDF «%(name)s» защищён паролем. Загрузите файл без пароля."), name)
        if len(reader.pages) < 1:
            _refuse(_("В PDF «%(name)s» нет ни одной страницы."), name)
        seen, stack, walked = set(), [reader.trailer["/Root"]], 0
        while stack:
            node = stack.pop()
            if isinstance(node, IndirectObject):
                key = (node.idnum, node.generation)
                if key in seen:
                    continue
                seen.add(key)
                node = node.get_object()
            walked += 1
            if walked > PDF_OBJECT_LIMIT:
                _refuse(_("PDF «%(name)s» слишком сложный для скан-копии."), name)
            if isinstance(node, DictionaryObject):
                if any(key in PDF_ACTIVE for key in node.keys()) or node.get("/S") in ("/JavaScript", "/Launch"):
                    _refuse(_("PDF «%(name)s» содержит исполняемое содержимое (скрипты, вложенные файлы или запуск "
                              "программ). Сохраните скан заново как обычный PDF."), name)
                stack.extend(value for key, value in node.items() if key != "/Parent")
            elif isinstance(node, ArrayObject):
                stack.extend(node)
    except ValidationError:
        raise
    except Exception:  # pypdf raises many kinds for a broken file
        _refuse(_("Файл «%(name)s» не читается как PDF — возможно, он повреждён."), name)


def _check_image(data: bytes, name: str) -> None:
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = IMAGE_PIXEL_LIMIT
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in ("JPEG", "PNG"):
                _refuse(_("Файл «%(name)s» — не JPEG и не PNG."), name)
            if image.width * image.height > IMAGE_PIXEL_LIMIT:
                _refuse(_("Изображение «%(name)s» слишком большое."), name)
            image.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()  # verify() does not decode the pixels; a truncated file fails here
    except ValidationError:
        raise
    except Exception:
        _refuse(_("Файл «%(name)s» не открывается как изображение — возможно, он повреждён."), name)


def _check_office(required: str):
    def check(data: bytes, name: str) -> None:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                entries = archive.infolist()
                if len(entries) > ZIP_ENTRY_LIMIT or sum(e.file_size for e in entries) > ZIP_UNPACKED_LIMIT:
                    _refuse(_("Файл «%(name)s» слишком велик в распакованном виде."), name)
                names = {entry.filename for entry in entries}
        except ValidationError:
            raise
        except Exception:
            _refuse(_("Файл «%(name)s» повреждён: это не документ Office."), name)
        if required not in names:
            _refuse(_("Файл «%(name)s» — не документ нужного вида."), name)
        if any(entry.lower().endswith("vbaproject.bin") for entry in names):
            _refuse(_("Файл «%(name)s» содержит макросы: такие файлы не принимаются."), name)
    return check


CONTENT_CHECKS = {
    "pdf": _check_pdf,
    "jpg": _check_image,
    "jpeg": _check_image,
    "png": _check_image,
    "docx": _check_office("word/document.xml"),
    "xlsx": _check_office("xl/workbook.xml"),
}


def validate_scan(file) -> None:
    """A scanned consent: PDF, JPEG or PNG."""
    validate_upload(file, ("pdf", "jpg", "jpeg", "png"), "PDF, JPEG, PNG")


def validate_document_file(file) -> None:
    validate_upload(file, ("pdf", "jpg", "jpeg", "png", "docx"), "PDF, JPEG, PNG, DOCX")


def validate_xlsx(file) -> None:
    validate_upload(file, ("xlsx",), "XLSX (Excel 2007 и новее)")
