"""Helpers for the public-site tests: an app on a test database, reading pages, sending
the complaint form like a browser does, and making real photos."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from PIL import ExifTags, Image

from tests.conftest import CONFIG_DIR
from web.app import create_app
from web.settings import Settings

FORM = {
    "first_name": "มาลัย", "surname": "ศรีสุข", "address": "99/12 หมู่ 4 ถ.ศรีจันทร์ ต.ในเมือง",
    "phone": "089-765-4321", "email": "malai.s@example.com",
    "details": "ไฟฟ้าสาธารณะดับทั้งซอย ซอยเทพารักษ์ 11 มาสามวันแล้ว",
    "location_text": "ซอยเทพารักษ์ 11", "category": "lighting", "consent": "1",
}


@contextmanager
def site_client(db_url: str, var_dir: Path, **overrides: Any) -> Iterator[TestClient]:
    settings = Settings(database_url=db_url, config_dir=CONFIG_DIR, var_dir=var_dir,
                        scheduler=False, **overrides)
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client
    app.state.engine.dispose()


class Page(HTMLParser):
    """Visible text, form fields (name → value, checked boxes only), links and images."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.source = source
        self.fields: dict[str, str] = {}
        self.field_attrs: dict[str, dict[str, str]] = {}
        self.links: list[str] = []
        self.images: list[dict[str, str]] = []
        self.tags: set[str] = set()
        self.h1 = ""
        self._text: list[str] = []
        self._skip = 0
        self._in_h1 = False
        self._textarea: str | None = None
        self.feed(source)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self._text).split())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.tags.add(tag)
        if tag in ("script", "style", "title"):
            self._skip += 1
        elif tag == "h1":
            self._in_h1 = True
        elif tag == "a" and "href" in a:
            self.links.append(a["href"])
        elif tag == "img":
            self.images.append(a)
        elif tag in ("input", "select", "textarea") and "name" in a:
            self.field_attrs.setdefault(a["name"], a)
            if tag == "textarea":
                self._textarea = a["name"]
                self.fields[a["name"]] = ""
            elif a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self.fields[a["name"]] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "title"):
            self._skip -= 1
        elif tag == "h1":
            self._in_h1 = False
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self.fields[self._textarea] += data
        if self._skip:
            return
        self._text.append(data)
        if self._in_h1:
            self.h1 += data


def token(client: TestClient, path: str = "/complaint") -> str:
    r = client.get(path)
    assert r.status_code == 200, r.text
    return Page(r.text).fields["csrf_token"]


def send(client: TestClient, data: dict[str, Any] | None = None, *,
         photos: list[tuple[str, bytes, str]] | None = None, csrf: str | None = None,
         follow: bool = True) -> Any:
    """POST the complaint form as multipart, like a browser (an empty file part when no
    photo is picked). `csrf=None` fetches a fresh token first."""
    fields = {**FORM, **(data or {})}
    fields = {k: v for k, v in fields.items() if v is not None}
    fields.setdefault("csrf_token", token(client) if csrf is None else csrf)
    if csrf == "":
        fields.pop("csrf_token")
    files = [("photos", p) for p in (photos or [("", b"", "application/octet-stream")])]
    return client.post("/complaint", data=fields, files=files, follow_redirects=follow)


FILED = re.compile(r'id="case-number">([^<]+)<')
CODE = re.compile(r'id="tracking-code">([A-Z0-9]+)<')


def filed(response: Any) -> tuple[str, str | None]:
    """(number, tracking code) from the result page."""
    assert response.status_code == 200, response.text
    number = FILED.search(response.text)
    assert number is not None, response.text
    code = CODE.search(response.text)
    return number.group(1), code.group(1) if code else None


def jpeg_with_gps(size: tuple[int, int] = (640, 480)) -> bytes:
    im = Image.new("RGB", size, (200, 40, 40))
    im.paste((30, 30, 200), (size[0] // 2, 0, size[0], size[1]))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (16.0, 26.0, 0.0)
    buf = io.BytesIO()
    im.save(buf, "JPEG", exif=exif, quality=90)
    return buf.getvalue()


def image(fmt: str, size: tuple[int, int] = (120, 90)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (40, 160, 60)).save(buf, fmt)
    return buf.getvalue()
