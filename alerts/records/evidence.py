"""Evidence files given with a decision on a finding: at most MAX_FILES of them, each at most
MAX_FILE_BYTES and all together at most MAX_TOTAL_BYTES, of the types PDF, JPEG, PNG, DOCX, XLSX
and plain text. The type is read from the bytes (the file's signature, or its zip parts), and
the name's extension must say the same type; a file that is not what its name says is refused."""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote

from alerts.errors import FieldProblem, Invalid, TooLarge, Unsupported

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_TOTAL_BYTES = 20 * 1024 * 1024
MAX_FILES = 5
NAME_MAX = 200
FIELD = "file"  # the multipart field (and the problem's field) files come in
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# extension → the type its bytes must have
TYPES = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "docx": DOCX,
    "xlsx": XLSX,
    "txt": "text/plain",
}
ALLOWED = "pdf, jpg, png, docx, xlsx, txt"
_TEXT_CONTROLS = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class EvidenceFile:
    """A checked file: its cleaned name, its type as read from its bytes, and the bytes."""

    filename: str
    media_type: str
    data: bytes

    @property
    def sha256(self) -> str:
        """The hex SHA-256 of the bytes, kept with the file."""
        return hashlib.sha256(self.data).hexdigest()


def check_files(uploads: Sequence[tuple[str, bytes]]) -> list[EvidenceFile]:
    """The uploaded (name, bytes) pairs as checked files; Refused, naming the first bad file:
    TooLarge (too many, too big), Unsupported (a type not read here, or not what its name says),
    Invalid (an empty file)."""
    if len(uploads) > MAX_FILES:
        raise TooLarge("too_many_files", FieldProblem(FIELD, "too_many_files"), max=MAX_FILES)
    if sum(len(data) for _, data in uploads) > MAX_TOTAL_BYTES:
        raise TooLarge("evidence_too_large", limit=MAX_TOTAL_BYTES)
    return [check_file(name, data) for name, data in uploads]


def check_file(name: str, data: bytes) -> EvidenceFile:
    """One uploaded file as a checked one; Refused as `check_files` says."""
    filename = clean_name(name)
    shown = {"name": filename or "?"}
    if len(data) > MAX_FILE_BYTES:
        problem = FieldProblem(FIELD, "evidence_file_too_large", {**shown, "max": MAX_FILE_BYTES})
        raise TooLarge("evidence_file_too_large", problem, **shown, limit=MAX_FILE_BYTES)
    if not data:
        raise Invalid(FieldProblem(FIELD, "evidence_empty", shown))
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    expected = TYPES.get(extension)
    found = sniff(data)
    if expected is None or found != expected:
        problem = FieldProblem(FIELD, "evidence_type", {**shown, "allowed": ALLOWED})
        raise Unsupported("evidence_type", problem, **shown, allowed=ALLOWED)
    if found == "text/plain":
        found += "; charset=utf-8" if _utf8(data) else "; charset=gb18030"
    return EvidenceFile(filename, found, data)


def download_headers(filename: str) -> dict[str, str]:
    """The headers a stored file goes out with: always a download, never sniffed as another
    type (so an uploaded file cannot run as a page of this site)."""
    return {
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename, safe='')}",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "sandbox",
    }


def sniff(data: bytes) -> str | None:
    """The type the bytes are, by their signature (zip parts for DOCX and XLSX); None for none
    of the types read here."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"PK\x03\x04"):
        return _office_type(data)
    if _is_text(data):
        return "text/plain"
    return None


def clean_name(name: str) -> str:
    """A file name as stored and offered again: the last part of any path, without control
    characters or quotes, at most NAME_MAX characters (keeping the extension)."""
    base = re.split(r"[\\/]", name or "")[-1]
    kept = "".join(
        ch for ch in base if unicodedata.category(ch)[0] != "C" and ch not in '"<>|*?:'
    ).strip(" .")
    if len(kept) <= NAME_MAX:
        return kept
    stem, dot, extension = kept.rpartition(".")
    if not dot or len(extension) > 10:
        return kept[:NAME_MAX]
    return stem[: NAME_MAX - len(extension) - 1] + "." + extension


def _office_type(data: bytes) -> str | None:
    """DOCX or XLSX by the parts their zip names (only the directory is read: nothing is
    unpacked, so a zip bomb costs nothing)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, KeyError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    return None


def _is_text(data: bytes) -> bool:
    """UTF-8 (a BOM allowed) or GB18030 text, without control characters besides whitespace."""
    if _TEXT_CONTROLS.search(data):
        return False
    if _utf8(data):
        return True
    try:
        data.decode("gb18030")
    except UnicodeDecodeError:
        return False
    return True


def _utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return True
