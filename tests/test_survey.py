"""The satisfaction survey: the invitation mail after completion carries a signed link;
one answer per case; a forged or altered link is a 404; a rating outside 1–5 is a 422."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from casework import db, feedback
from casework.models import Feedback
from notifications.mailer import RecordingBackend
from notifications.outbox import Outbox
from tests.cases import case_in
from tests.site import Page, site_client
from web.routes import survey


def invitation(engine: sa.Engine, cfg: Any, secret: str) -> str:
    """Complete a case whose citizen asked for copies; send the outbox; the survey link."""
    with db.transaction(engine) as s:
        case_in(s, cfg, "completed", email="somchai@example.org", copy_to_email=True)
    backend = RecordingBackend()
    box = Outbox(engine, cfg, backend, base_url="https://complaints.example.org",
                 survey_token=survey.token_maker(secret))
    asyncio.run(box.send_pending())
    [mail] = [m for m in backend.sent if "ขอความเห็น" in str(m["Subject"])]
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None
    found = re.search(r"https://complaints\.example\.org(/survey/\S+)", body.get_content())  # type: ignore[attr-defined]
    assert found
    return found.group(1)


def answer(client: TestClient, link: str, **fields: str) -> Any:
    page = Page(client.get(link).text)
    return client.post(link, data={"csrf_token": page.fields["csrf_token"], **fields},
                       follow_redirects=False)


def test_one_answer_per_case_through_the_signed_link(engine: sa.Engine, cfg: Any,
                                                      db_url: str, tmp_path: Path) -> None:
    with site_client(db_url, tmp_path) as client:
        link = invitation(engine, cfg, client.app.state.secret_key)  # type: ignore[attr-defined]
        page = client.get(link)
        assert page.status_code == 200 and "ฟ./001" in page.text
        assert answer(client, link, rating="7").status_code == 422
        done = answer(client, link, rating="4", comment="<b>เร็วมาก</b> ขอบคุณครับ")
        assert done.status_code == 303
        thanks = client.get(done.headers["location"])
        assert "ขอบคุณ" in thanks.text and "<b>เร็วมาก" not in thanks.text
        again = client.post(link, data={"csrf_token": Page(client.get("/complaint").text)
                                        .fields["csrf_token"], "rating": "1"})
        assert again.status_code == 409
        with db.reading(engine) as s:
            [row] = s.connection().execute(sa.select(Feedback.__table__)).all()  # type: ignore[attr-defined]
        assert (row.rating, row.source, row.comment) == (4, "survey", "<b>เร็วมาก</b> ขอบคุณครับ")


def test_forged_or_altered_links_are_not_found(engine: sa.Engine, cfg: Any, db_url: str,
                                               tmp_path: Path) -> None:
    with site_client(db_url, tmp_path) as client:
        link = invitation(engine, cfg, client.app.state.secret_key)  # type: ignore[attr-defined]
        forged = survey.token_maker("not the key")(1)
        assert client.get(f"/survey/{forged}").status_code == 404
        tampered = link[:-3] + ("aaa" if not link.endswith("aaa") else "bbb")
        assert client.get(tampered).status_code == 404
        other_case = survey.token_maker(client.app.state.secret_key)(999)  # type: ignore[attr-defined]
        assert client.get(f"/survey/{other_case}").status_code == 404
        page = Page(client.get(link).text)
        no_csrf = client.post(link, data={"rating": "5"})
        assert no_csrf.status_code == 403 and page.fields["csrf_token"]


def test_rating_from_the_case_page_counts_as_the_answer(engine: sa.Engine, cfg: Any,
                                                        db_url: str, tmp_path: Path) -> None:
    with site_client(db_url, tmp_path) as client:
        link = invitation(engine, cfg, client.app.state.secret_key)  # type: ignore[attr-defined]
        with db.transaction(engine) as s:
            from casework.models import Case
            case = s.get(Case, 1)
            assert case is not None
            feedback.rate(s, case, 5, None, now=case.updated_at)
        page = client.get(link)
        assert "ขอบคุณ" in page.text and 'name="rating"' not in page.text
