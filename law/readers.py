"""The text of an uploaded legal document: plain text, a PDF with a text layer, or a .docx.

A scanned PDF has no text layer; it is refused with a clear message rather than imported
empty. A .docx is a zip of XML: its paragraphs are read from word/document.xml without a
library, since only the running text is wanted.
"""

from __future__ import annotations

import html
import io
import re
import zipfile

from django.utils.translation import gettext as _

from live.errors import InvalidMessage

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
PARAGRAPH = re.compile(r"<w:p[ >].*?</w:p>", re.DOTALL)
RUN_TEXT = re.compile(r"<w:t(?: [^>]*)?>([^<]*)</w:t>|<w:(tab|br)\b[^>]*/>")


def _plain(data: bytes) -> str:
    for encoding in ("utf-8-sig", "utf-16"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidMessage(_("The text file is not UTF-8."), code="invalid_file")


def _pdf(data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        text = "\n".join(page.extract_text() or "" for page in reader.pages)
    except (PdfReadError, ValueError, KeyError) as error:
        raise InvalidMessage(_("The PDF could not be read."), code="invalid_file") from error
    if not text.strip():
        raise InvalidMessage(
            _("The PDF has no text layer (a scan?). Paste its text instead."), code="invalid_file"
        )
    return text


def _docx(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = archive.getinfo("word/document.xml")
            if info.file_size > 10 * MAX_UPLOAD_BYTES:
                raise InvalidMessage(_("The document is too large."), code="too_long")
            xml = archive.read(info).decode("utf-8")
    except (zipfile.BadZipFile, KeyError, UnicodeDecodeError) as error:
        raise InvalidMessage(_("The .docx file could not be read."), code="invalid_file") from error
    lines = []
    for paragraph in PARAGRAPH.findall(xml):
        parts = [
            html.unescape(match.group(1)) if match.group(1) is not None else "\t"
            for match in RUN_TEXT.finditer(paragraph)
        ]
        lines.append("".join(parts))
    return "\n".join(lines)


def text_of_upload(name: str, data: bytes) -> str:
    """The running text of an uploaded file, by its extension: .txt, .pdf or .docx."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise InvalidMessage(_("The file is larger than 20 MB."), code="too_long")
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension == "txt":
        return _plain(data)
    if extension == "pdf":
        return _pdf(data)
    if extension == "docx":
        return _docx(data)
    raise InvalidMessage(_("Upload a .txt, .pdf or .docx file."), code="invalid_file")
