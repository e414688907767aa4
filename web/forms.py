"""Reading submitted forms strictly.

Starlette quietly decodes text that is not UTF-8 as Latin-1 (multipart) or replaces it
(URL-encoded). Here every text field must be valid UTF-8, or the form is refused with
400; text fields over `max_field_bytes` are refused with 413; NUL and other control
characters are left for the domain's validation to refuse (422) with a message."""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import FormParser, MultiPartException, MultiPartParser
from starlette.requests import Request

from web.security import BadForm, BodyTooLarge

MAX_FIELD_BYTES = 64 * 1024


def _utf8(data: bytes | bytearray) -> str:
    try:
        return bytes(data).decode("utf-8")
    except UnicodeDecodeError:
        raise BadForm("a text field is not valid UTF-8", code="bad_encoding") from None


class _StrictMultiPart(MultiPartParser):
    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        part = self._current_part
        if part.file is None and len(part.data) + end - start > self.max_part_size:
            raise BodyTooLarge(f"a text field is over {self.max_part_size:,} bytes")
        super().on_part_data(data, start, end)

    def on_part_end(self) -> None:
        part = self._current_part
        if part.file is None:
            self.items.append((part.field_name, _utf8(part.data)))
        else:
            super().on_part_end()


class _StrictUrlEncoded(FormParser):
    def on_field_data(self, data: bytes, start: int, end: int) -> None:
        if self._current_field_size + end - start > self.max_part_size:
            raise BodyTooLarge(f"a text field is over {self.max_part_size:,} bytes")
        super().on_field_data(data, start, end)

    def on_field_end(self) -> None:
        self._current_fields += 1
        if self._current_fields > self.max_fields:
            raise BadForm("too many fields", code="bad_form")
        name = _utf8(unquote_to_bytes(bytes(self._field_name).replace(b"+", b" ")))
        value = _utf8(unquote_to_bytes(bytes(self._field_value).replace(b"+", b" ")))
        self._items.append((name, value))


async def read_form(request: Request, *, max_files: int = 0, max_fields: int = 50,
                    max_field_bytes: int = MAX_FIELD_BYTES) -> FormData:
    """The submitted form (multipart or URL-encoded); anything else is an empty form.
    The caller closes it (`await form.close()`) to drop uploaded files."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        if content_type == "multipart/form-data":
            parser: _StrictMultiPart | _StrictUrlEncoded = _StrictMultiPart(
                request.headers, request.stream(), max_files=max_files, max_fields=max_fields,
                max_part_size=max_field_bytes)
        elif content_type == "application/x-www-form-urlencoded":
            parser = _StrictUrlEncoded(request.headers, request.stream(), max_fields=max_fields,
                                       max_part_size=max_field_bytes)
        else:
            return FormData()
        return await parser.parse()
    except MultiPartException as exc:
        raise BadForm(exc.message, code="bad_form") from None


def text(form: FormData, name: str) -> str:
    """A text field ('' when missing; an upload in its place counts as missing)."""
    value = form.get(name)
    return value if isinstance(value, str) else ""


def uploads(form: FormData, name: str) -> list[UploadFile]:
    """The files sent in a file field, leaving out empty choices (no file picked)."""
    return [f for f in form.getlist(name)
            if isinstance(f, UploadFile) and (f.filename or (f.size or 0) > 0)]
