"""``POST /runs/{id}/decide``: the one request that changes anything.

It records exactly what ``lifeos runs approve/reject`` records, through the
same function (:func:`lifeos_core.cli.deciding.decide`), as the identity the
server was started with; the browser chooses only the run, the step, approve
or reject, and the note. It is refused (403, nothing done) in read-only mode
and without the form's CSRF value. The decision resumes the run, which runs
the mission's steps after the pause: that happens in a worker thread, then
the browser is sent to the record it wrote, which says what came of it.
"""

from __future__ import annotations

from typing import Any

from ..errors import LifeosError
from .pages import pending_response
from .security import same

READ_ONLY = "403: read-only: this lifeos ui shows runs but does not decide them"
NO_CSRF = "403: the form's CSRF value is missing or wrong; reload the page and decide again"


async def decide(request: Any) -> Any:
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import PlainTextResponse, RedirectResponse

    session = request.app.state.session
    if session.read_only:
        return PlainTextResponse(READ_ONLY, status_code=403)
    form = await request.form()
    if not same(form.get("csrf"), session.csrf):
        return PlainTextResponse(NO_CSRF, status_code=403)
    step, choice = form.get("step"), form.get("decision")
    if not isinstance(step, str) or not step or choice not in ("approve", "reject"):
        return PlainTextResponse("400: a decision needs its step, and approve or reject", status_code=400)
    note = form.get("note")
    note = note.strip() if isinstance(note, str) and note.strip() else None
    record_id = request.path_params["record_id"]
    try:
        decided = await run_in_threadpool(session.decide, choice == "approve", record_id, step, note)
    except LifeosError as exc:  # decided already, waits elsewhere, versions changed, ...
        return await run_in_threadpool(pending_response, session, error=f"{exc}; your decision was not recorded",
                                       status=409)
    if decided.record is None:  # the steps ran, but recording was refused (someone decided first)
        return await run_in_threadpool(pending_response, session, status=409,
                                       error=_not_recorded(session, decided.resumption.paused.id))
    return RedirectResponse(f"/runs/{decided.record.id}?decided=1", status_code=303)


def _not_recorded(session: Any, paused_id: str) -> str:
    """Why a decision was not recorded: who decided first, when the ledger says so."""
    from ..ledger.store import DecidedAlready

    with session.reading() as book:
        first = book.resumed_by(paused_id) if book is not None else None
    if first is not None:
        return f"{DecidedAlready(first)}; your decision was not recorded"
    return "your decision was not recorded (the ledger refused it; see the server's output)"
