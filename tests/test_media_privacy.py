"""A photo posted with an internal progress note stays internal: /media serves the
photos the public case page shows, and nothing else."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from casework import db, service
from tests.cases import case_in
from tests.conftest import ENG_STAFF, NOW
from tests.site import image, site_client
from web.media import store_photo


def test_internal_progress_photo_is_not_public(engine: sa.Engine, cfg: Any, db_url: str,
                                               tmp_path: Path) -> None:
    with site_client(db_url, tmp_path) as client:
        media = client.app.state.media_dir  # type: ignore[attr-defined]
        inside = store_photo(image("JPEG", (300, 200)), media)
        outside = store_photo(image("PNG", (200, 300)), media)
        with db.transaction(engine) as s:
            case = case_in(s, cfg, "dispatched")
            later = NOW + dt.timedelta(hours=5)
            service.act(s, cfg, case, "progress", by=ENG_STAFF, now=later, internal=True,
                        note="ผู้ร้องโทรมาต่อว่า ขอให้เร่ง", photo=inside.name)
            service.act(s, cfg, case, "progress", by=ENG_STAFF, now=later, note="ลงพื้นที่แล้ว",
                        photo=outside.name)
        for name in (inside.name, inside.thumb):
            assert client.get(f"/media/{name}").status_code == 404
        for name in (outside.name, outside.thumb):
            assert client.get(f"/media/{name}").status_code == 200
