"""The satisfaction survey a citizen reaches from the invitation email: a signed link
that names the case, one answer per case (1–5 and a comment), kept with the case's
feedback (casework.feedback, source "survey")."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from casework import db, feedback
from casework.errors import Invalid, NotFound
from casework.models import Case
from web import forms, security

router = APIRouter()
SALT = "casework.survey"
MAX_AGE = 180 * 24 * 3600  # an invitation stays valid for half a year


def token_maker(secret: str) -> Callable[[int], str]:
    """What the outbox puts in the invitation's link: the case id, signed."""
    signer = URLSafeTimedSerializer(secret, salt=SALT)
    return lambda case_id: str(signer.dumps(case_id))


def _case_id(request: Request, token: str) -> int:
    signer = URLSafeTimedSerializer(request.app.state.secret_key, salt=SALT)
    try:
        value = signer.loads(token, max_age=MAX_AGE)
    except BadSignature:  # forged, altered or expired: as if there were no such survey
        raise NotFound("no such survey", code="survey_not_found") from None
    if not isinstance(value, int) or isinstance(value, bool):
        raise NotFound("no such survey", code="survey_not_found")
    return value


def _load(session: object, case_id: int) -> Case:
    case = session.get(Case, case_id)  # type: ignore[attr-defined]
    if case is None or case.track != "general":
        raise NotFound("no such survey", code="survey_not_found")
    return case  # type: ignore[no-any-return]


def _render(request: Request, token: str, *, status: int = 200, **extra: object) -> Response:
    app = request.app
    with db.reading(app.state.engine) as s:
        case = _load(s, _case_id(request, token))
        answer = feedback.get(s, case.id or 0)
    return app.state.pages.render(request, "survey.html", {
        "case": case, "token": token,
        "answered": answer is not None and answer.rating is not None, **extra,
    }, status=status, private=True)


@router.get("/survey/{token}")
def survey(request: Request, token: str) -> Response:
    return _render(request, token, done=request.query_params.get("done") == "1")


@router.post("/survey/{token}")
async def answer(request: Request, token: str) -> Response:
    app = request.app
    form = await forms.read_form(request, max_fields=10)
    app.state.csrf.check(request, form.get(security.CSRF_FIELD))
    posted = {k: v for k, v in form.items() if isinstance(v, str)}
    case_id = _case_id(request, token)
    try:
        with db.transaction(app.state.engine) as s:
            case = _load(s, case_id)
            feedback.rate(s, case, posted.get("rating", ""), posted.get("comment") or None,
                          now=dt.datetime.now(dt.UTC), source="survey")
    except Invalid:
        return _render(request, token, status=422, error="rating",
                       rating=posted.get("rating", ""), comment=posted.get("comment", ""))
    return RedirectResponse(f"/survey/{token}?done=1", status_code=303)
