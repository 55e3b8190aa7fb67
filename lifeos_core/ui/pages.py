"""The pages that only read: runs, one run, pending, the chain, test runs.

Each is a plain function (Starlette runs it in its thread pool, off the event
loop) that opens the ledger read-only, reads only what the page shows, and
renders a template. None of them changes anything, and none runs a mission's
code, except the mission's own summary of what a waiting step asks (as
``lifeos run`` prints it when a run pauses).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from ..errors import LifeosError
from ..ledger.records import LedgerError, LedgerRecord
from . import views
from .queries import VERDICTS, page, resumed_among

PAGE_SIZE = 50


def _session(request: Any) -> Any:
    return request.app.state.session


def _before(request: Any) -> int | None:
    from .security import number

    return number(request.query_params.get("before", ""))


def error_page(session: Any, book: Any, message: str, status: int) -> Any:
    return session.render("error.html", book, status=status, title=f"{status}", message=message)


def home(request: Any) -> Any:
    from starlette.responses import RedirectResponse

    return RedirectResponse("/runs", status_code=303)


def runs(request: Any) -> Any:
    """Recorded runs, newest first, 50 a page, by mission and verdict."""
    session = _session(request)
    mission = request.query_params.get("mission") or None
    verdict = request.query_params.get("verdict") or None
    verdict = verdict if verdict in VERDICTS else None
    with session.reading() as book:
        found = page(book, name=mission, verdict=verdict, before=_before(request), limit=PAGE_SIZE) if book else None
        records = found.records if found else []
        resumed = resumed_among(book, [r.id for r in records if r.status == "paused"]) if book else set()

        def link(**changes: Any) -> str:
            query = {"mission": mission, "verdict": verdict, **changes}
            return "/runs?" + urlencode({key: value for key, value in query.items() if value is not None})

        return session.render(
            "runs.html", book, title="Runs", rows=[views.row(r, r.id in resumed) for r in records],
            damaged=found.damaged if found else [], mission=mission, verdict=verdict, verdicts=VERDICTS,
            link=link, older=link(before=found.older) if found and found.older is not None else None,
            filtered=bool(mission or verdict), paged=_before(request) is not None, recorded=book is not None)


def summary_of(record: LedgerRecord, step: str | None) -> tuple[str | None, str | None]:
    """The mission's own summary of the state a run waits with, and why there is none, if not."""
    from ..missions import get_mission

    try:
        return get_mission(record.name).summarise(views.state_so_far(record), step), None
    except LifeosError as exc:
        return None, f"no summary: {exc}"


def run(request: Any) -> Any:
    """One recorded run, whole; ``?verify=1`` checks the chain and says whether this record holds."""
    from ..ledger.resuming import first_of_run

    session = _session(request)
    with session.reading() as book:
        if book is None:
            return error_page(session, book, "there is no ledger yet: record a run first (lifeos run ...)", 404)
        try:
            record = book.get(request.path_params["record_id"])
        except LedgerError as exc:
            return error_page(session, book, str(exc), 404)
        following = book.resumed_by(record.id) if record.status == "paused" else None
        try:
            chain = book.run_of(first_of_run(book, record))
        except LedgerError:
            chain = [record]
        waiting = record.status == "paused" and following is None
        summary, no_summary = summary_of(record, record.paused_at) if waiting else (None, None)
        check = None
        if request.query_params.get("verify"):
            report = book.verify()
            label = f"record #{record.seq} ({record.id[:12]})"
            mine = [problem for problem in report.problems if problem.startswith(label + ":")]
            check = {"holds": not mine, "problems": mine, "others": len(report.problems) - len(mine),
                     "records": report.records}
        decided = bool(request.query_params.get("decided")) and isinstance(record.body.get("decision"), dict)
        return session.render(
            "run.html", book, title=f"{record.name} {record.id[:12]}", record=record, body=record.body,
            verdict=record.verdict(following is not None), following=following, chain=chain,
            waiting=waiting, summary=summary, no_summary=no_summary, steps=views.steps(record),
            decisions=views.decisions(record), inputs={key: views.pretty(value) for key, value in
                                                      record.body["inputs"].items()},
            versions=record.body["versions"], state=views.pretty(views.state_so_far(record)),
            changed=views.changed_keys(record) if record.kind == "mission_run" else [],
            receipt=views.pretty(record.body["result"].get("receipt")), check=check,
            outcome=views.outcome(record) if decided else None, unapplied=book.unapplied_writes(record.id),
            expectations=views.expectations(record) if record.kind == "test_run" else None,
            scenarios=views.scenarios(record) if record.kind == "test_run" else None)


def pending_response(session: Any, *, after: int | None = None, error: str | None = None, status: int = 200) -> Any:
    """The runs waiting for a human, oldest first, 50 a page, each with what it
    asks, the mission's summary, and the form to decide it."""
    from .queries import waiting

    with session.reading() as book:
        found, later = waiting(book, after=after, limit=PAGE_SIZE) if book is not None else ([], None)
        items = []
        for item in found:
            summary, no_summary = summary_of(item.record, item.step_id)
            items.append({"id": item.record.id, "short": item.record.id[:12], "run": item.first.id,
                          "mission": item.record.name, "step": item.step_id, "asks": item.description,
                          "since": item.record.recorded_at, "started_by": item.started_by or "-",
                          "started_at": item.first.recorded_at, "summary": summary, "no_summary": no_summary,
                          "steps": views.steps(item.record)})
        return session.render("pending.html", book, status=status, title="Pending", items=items, error=error,
                              later=f"/pending?after={later}" if later is not None else None,
                              refresh=None if items or after is not None else 15)


def pending(request: Any) -> Any:
    text = request.query_params.get("after", "")
    from .security import number

    return pending_response(_session(request), after=number(text))


def chain(request: Any) -> Any:
    """The chain: how many records, the head to keep elsewhere, and (``?verify=1``) whether it holds."""
    from .queries import head

    session = _session(request)
    with session.reading() as book:
        top = head(book) if book is not None else None
        report = book.verify() if book is not None and request.query_params.get("verify") else None
        return session.render("chain.html", book, title="Chain", count=book.count() if book is not None else 0,
                              head=top, report=report, verified=bool(request.query_params.get("verify")))


def tests(request: Any) -> Any:
    """The recorded test runs, newest first, each with its expectations' tally."""
    session = _session(request)
    with session.reading() as book:
        found = page(book, kind="test_run", before=_before(request), limit=PAGE_SIZE) if book else None
        rows = [{**views.row(r), "tally": views.tally(r)} for r in (found.records if found else [])]
        return session.render("tests.html", book, title="Test runs", rows=rows,
                              damaged=found.damaged if found else [],
                              older=f"/tests?before={found.older}" if found and found.older is not None else None)
