"""Languages of the public site: every Thai text in the templates has its English
translation in the catalog (and nothing stale), placeholders survive translation, and
dates follow the language (Buddhist era in Thai, Gregorian in English)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from casework.config import Config
from web.pages import LOCALES, catalog, environment

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def template_messages() -> set[str]:
    with (ROOT / "web" / "babel.cfg").open(encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    found = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(
            str(ROOT), method_map, options_map):
        assert isinstance(message, str), f"plural or odd message: {message!r}"
        found.add(message)
    return found


def english() -> dict[str, str]:
    with (LOCALES / "en" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        po = read_po(fh, locale="en")
    assert not [m.id for m in po if m.id and m.fuzzy], "fuzzy entries are not used"
    return {str(m.id): str(m.string) for m in po if m.id}


def test_every_thai_text_has_an_english_translation() -> None:
    wanted, have = template_messages(), english()
    assert len(wanted) > 100
    assert sorted(wanted - set(have)) == [], "run `make messages` and translate"
    assert sorted(set(have) - wanted) == [], "stale entries in the English catalog"
    untranslated = [k for k, v in have.items() if not v.strip()]
    assert untranslated == []


def test_placeholders_survive_translation() -> None:
    for thai, eng in english().items():
        assert set(PLACEHOLDER.findall(thai)) == set(PLACEHOLDER.findall(eng)), thai


def test_thai_msgids_are_nfc() -> None:
    import unicodedata

    for message in template_messages():
        assert unicodedata.normalize("NFC", message) == message, message


def test_catalog_is_compiled_from_the_po_file() -> None:
    en = catalog("en")
    assert en.gettext("ค้นหา") == "Search"
    assert catalog("th").gettext("ค้นหา") == "ค้นหา"  # Thai is the source: no catalog


@pytest.mark.parametrize(("lang", "date", "stamp", "fy"), [
    ("th", "08 ต.ค. 2563", "08 ต.ค. 2563 16:30 น.", "2564"),
    ("en", "08 Oct 2020", "08 Oct 2020 16:30", "2021"),
])
def test_dates_follow_the_language(cfg: Config, lang: str, date: str, stamp: str,
                                   fy: str) -> None:
    env = environment(lang, cfg)
    moment = dt.datetime(2020, 10, 8, 9, 30, tzinfo=dt.UTC)  # 16:30 in Bangkok
    render = env.from_string("{{ m|date }}|{{ m|datetime }}|{{ 2564|fy }}|{{ 'completed'|state }}")
    shown = render.render(m=moment).split("|")
    assert shown[:3] == [date, stamp, fy]
    assert shown[3] == {"th": "เสร็จเรียบร้อยแล้ว", "en": "Completed"}[lang]
