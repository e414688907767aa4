"""A corruption complaint never shows on the public site: not in the table, not by name,
number or tracking code, not its photos; the statistics count it and say nothing else.
The corruption page offers the separate channel with its guideline from config."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa

from casework import db, service
from tests.conftest import COMPLAINT, NOW
from tests.site import Page, site_client

BRIBE = {**COMPLAINT, "first_name": "ประพันธ์", "surname": "ซื่อตรง", "category": "corruption",
         "details": "เจ้าหน้าที่กองช่างเรียกรับเงินใต้โต๊ะ 20,000 บาท แลกกับการออกใบอนุญาต"}


def test_sealed_case_is_invisible_on_the_public_site(engine: sa.Engine, cfg: Any, db_url: str,
                                                     tmp_path: Path) -> None:
    with db.transaction(engine) as s:
        case = service.file_case(s, cfg, BRIBE, now=NOW)
        ordinary = service.file_case(s, cfg, {**COMPLAINT, "surname": "ซื่อตรง"}, now=NOW)
        sealed = (case.number, case.tracking_code)
    with site_client(db_url, tmp_path) as client:
        for url in ("/track?fy=2569", "/track?fy=2569&surname=ซื่อตรง",
                    "/track?fy=2569&first_name=ประพันธ์", f"/track?fy=2569&q={sealed[0]}"):
            page = client.get(url)
            assert page.status_code == 200
            visible = Page(page.text).text  # what is shown, not the search box's echo
            assert "ใต้โต๊ะ" not in page.text and sealed[0] not in visible, url
        assert ordinary.number in client.get("/track?fy=2569&surname=ซื่อตรง").text
        assert client.get(f"/track/{sealed[1]}").status_code == 404
        moved = client.get(f"/track?q={sealed[1]}", follow_redirects=False)
        assert moved.status_code == 200 and "ใต้โต๊ะ" not in moved.text
        stats = client.get("/stats?fy=2569")
        assert stats.status_code == 200 and "ใต้โต๊ะ" not in stats.text
        assert "ประพันธ์" not in stats.text and sealed[0] not in stats.text


def test_corruption_page_has_the_guideline_and_the_channel(db_url: str, tmp_path: Path,
                                                           cfg: Any) -> None:
    with site_client(db_url, tmp_path) as client:
        page = Page(client.get("/corruption").text)
        assert cfg.corruption.title_th in page.h1
        assert "เก็บเป็นความลับ" in page.text and "043-271-261" in page.text
        assert "/complaint?category=corruption" in page.links
        form = client.get("/complaint?category=corruption").text
        assert '<option value="corruption" selected>' in form
        english = client.get("/corruption?lang=en").text
        assert "Report corruption" in english and "confidential" in english
