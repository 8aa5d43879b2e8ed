"""The transaction boundary: every web request, API call, CLI command and job runs in one unit of work that
commits once at its end and rolls back on any error. Nothing else commits or rolls back the session.

- A request's unit commits when the view answers with a success or a redirect, and rolls back when it answers
  with an error status (a form shown again with its errors, an error page) or raises. Error pages roll back
  before they render (see errors.py).
- A unit of work writes (on SQLite: takes the write lock when its transaction begins) when the request changes
  data (POST and the like), unless its view is marked `reads_first`: such a view reads without the lock, then
  calls `end_reading()` before its service writes.
- Work that must stay even though the enclosing unit then fails (a failed log-in counted for throttling, a page
  visit recorded while the page is served) is a separate, named `unit_of_work(...)` inside it. It commits at its
  own end, together with the enclosing unit's reads; the enclosing unit must not have written yet.
- `after_commit(callback)` runs the callback once the session's transaction commits; a rollback drops it.
"""
from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

import click
import sqlalchemy as sa
from flask import Flask, current_app, has_app_context, request
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

from . import dialect
from .extensions import db

log = logging.getLogger(__name__)

READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass
class UnitOfWork:
    name: str
    writes: bool
    parent: UnitOfWork | None = None
    wrote: bool = False  # whether something was flushed or a DML statement ran since it began (or rolled back)
    done: bool = field(default=False, repr=False)


_current: ContextVar[UnitOfWork | None] = ContextVar("moocplatform_unit_of_work", default=None)


def current_unit() -> UnitOfWork | None:
    return _current.get()


# Units of work -------------------------------------------------------------------------------------------------

@contextmanager
def unit_of_work(name: str, *, writes: bool = True, keep_despite: tuple[type[BaseException], ...] = (),
                 best_effort: bool = False) -> Iterator[UnitOfWork]:
    """Run the block as one unit of work: commit when it ends, roll back when it raises.

    keep_despite: exceptions after which what the block wrote is committed all the same (then re-raised),
        for a service that records something and then refuses (a failed log-in).
    best_effort: when the database is busy (SQLite's single writer), roll back, log and go on instead of
        failing: for records that matter less than the page that makes them.
    Inside another unit this is a separate unit: the enclosing one must not have written, since committing
    this one commits the session's transaction."""
    parent = _current.get()
    if parent is not None and parent.wrote and not parent.done:
        raise RuntimeError(f"unit of work {name!r} begins after {parent.name!r} wrote; a separate unit of work "
                           "must come before the enclosing one writes")
    unit = UnitOfWork(name, writes, parent)
    token = _current.set(unit)
    kept: BaseException | None = None
    try:
        with dialect.writing(writes or (parent is not None and parent.writes)):
            try:
                yield unit
            except keep_despite as error:
                kept = error
            except sa.exc.OperationalError as error:
                _roll_back(unit)
                if best_effort and dialect.is_busy(error):
                    log.warning("%s not recorded (database busy)", name)
                    return
                raise
            except BaseException:
                _roll_back(unit)
                raise
            try:
                _finish(unit)
            except BaseException:
                _roll_back(unit)
                raise
    finally:
        _current.reset(token)
    if kept is not None:
        raise kept


def _finish(unit: UnitOfWork) -> None:
    if unit.parent is not None:
        db.session.flush()
        if not unit.wrote:  # nothing of its own to keep: the enclosing unit's transaction goes on
            return
    db.session.commit()
    unit.done = True


def _roll_back(unit: UnitOfWork) -> None:
    db.session.rollback()
    unit.wrote = False
    unit.done = True


def roll_back() -> None:
    """Discard what the current unit of work wrote so far, before the view shows the error a service raised
    (or an error page renders); the unit goes on, and commits nothing unless something is written again."""
    db.session.rollback()
    unit = _current.get()
    if unit is not None:
        unit.wrote = False


def end_reading() -> None:
    """In a `reads_first` view: end the transaction of the reads (it must have written nothing), so that the
    service's first statement begins a writing transaction. SQLite refuses a write in a transaction that read
    before another connection committed ("database is locked", whatever the busy timeout); a transaction that
    begins with the write waits for the lock instead."""
    unit = _current.get()
    if unit is not None and unit.wrote:
        raise RuntimeError(f"end_reading() in {unit.name!r} after it wrote")
    db.session.commit()
    dialect.declare_writing(True)
    if unit is not None:
        unit.writes = True


def reads_first(view):
    """Marks a view that changes data but first only reads, then calls end_reading() and writes: on SQLite its
    reads then hold no write lock, so other writers need not wait."""
    view.reads_first = True
    return view


# After commit --------------------------------------------------------------------------------------------------

def add_unless_present(row: object) -> bool:
    """Add a row whose unique constraint says whether it exists: True when it was inserted, False when a row
    with the same key is there already (or a concurrent transaction just committed one: PostgreSQL waits for
    it). The INSERT runs in a savepoint, so a refused one leaves the unit of work as it was and the caller
    answers as for a row found there: under a race the loser gets the normal answer, not an error."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except sa.exc.IntegrityError as error:
        if not dialect.is_unique_violation(error):
            raise
        return False
    return True


def after_commit(callback: Callable[[], object]) -> None:
    """Run callback once the current transaction has committed (never if it rolls back; a savepoint rolled
    back drops what was added inside it). It runs after the commit, outside any transaction: it must not use
    the session (wake a worker, clear a cache). This is the one after-commit mechanism; events' after-commit
    subscribers are delivered through it."""
    session = db.session()
    # The transaction the callback belongs to (begun now if nothing has begun it yet).
    scope = session.get_nested_transaction() or session.get_transaction() or session.begin()
    session.info.setdefault(_PENDING, []).append((scope, callback))


_PENDING = "transaction.after_commit"


def _within(scope: SessionTransaction | None, ended: SessionTransaction) -> bool:
    while scope is not None:
        if scope is ended:
            return True
        scope = scope.parent
    return False


@sa.event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint released: its callbacks wait for the real commit
        return
    for _scope, callback in session.info.pop(_PENDING, []):
        try:
            callback()
        except Exception:  # the commit stands; one failing callback must not stop the others
            log.exception("after-commit callback %r failed", callback)


@sa.event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    pending = session.info.get(_PENDING)
    if pending:
        session.info[_PENDING] = [p for p in pending if not _within(p[0], previous_transaction)]


@sa.event.listens_for(Session, "after_transaction_end")
def _forget_on_close(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the whole transaction ended without a commit (close, rollback)
        session.info.pop(_PENDING, None)


# What a unit wrote -----------------------------------------------------------------------------------------------

@sa.event.listens_for(Session, "after_flush")
def _flushed(_session: Session, _context) -> None:
    _mark_written()


@sa.event.listens_for(Session, "do_orm_execute")
def _executed(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        _mark_written()


def _mark_written() -> None:
    unit = _current.get()
    if unit is not None:
        unit.wrote = True


# Web requests ----------------------------------------------------------------------------------------------------

def init_app(app: Flask) -> None:
    """Every request runs in a unit of work. Registered before the other request hooks, so that it is the first
    to run."""
    app.before_request_funcs.setdefault(None, []).insert(0, _begin_request)
    app.after_request(_end_request)
    app.teardown_request(_discard_request)


def request_writes() -> bool:
    if request.method in READING_METHODS:
        return False
    return not getattr(current_app.view_functions.get(request.endpoint or ""), "reads_first", False)


# Kept in the request's environ, not in g: g belongs to the application context, which a request context made
# inside a request (to build the absolute links of a mail) shares, and tears down with its own end.
_UNIT_KEY = "moocplatform.unit_of_work"


def _begin_request() -> None:
    unit = UnitOfWork(f"{request.method} {request.path}", request_writes())
    request.environ[_UNIT_KEY] = (unit, _current.set(unit))
    dialect.declare_writing(unit.writes)


def end_request_unit(response) -> None:
    """Finish the request's unit of work now (commit, or roll back for an error status), for an after-request
    hook whose own unit of work must follow it (session bookkeeping); the boundary's hook then does nothing."""
    _end_request(response)


def _end_request(response):
    unit, _token = request.environ.get(_UNIT_KEY, (None, None))
    if unit is None or unit.done:
        return response
    if response.status_code < 400:
        db.session.commit()
    else:
        db.session.rollback()
    unit.done = True
    return response


def _discard_request(_error: BaseException | None) -> None:
    unit, token = request.environ.pop(_UNIT_KEY, (None, None))
    if unit is None:
        return
    if not unit.done:  # an exception no handler answered
        db.session.rollback()
        unit.done = True
    try:
        _current.reset(token)
    except ValueError:  # torn down in another context than the one it began in
        _current.set(None)
    dialect.declare_writing(False)


# Commands and jobs -----------------------------------------------------------------------------------------------

def transactional(command: click.Command) -> click.Command:
    """Make each command (of a group, recursively) run in one unit of work: a command that fails (an
    exception, sys.exit with an error) leaves nothing behind."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            transactional(sub)
        return command
    callback = command.callback
    if callback is None or getattr(callback, "_in_unit_of_work", False):
        return command

    @functools.wraps(callback)
    def run(*args, **kwargs):
        if not has_app_context():  # a command that needs no application (converting files)
            return callback(*args, **kwargs)
        with unit_of_work(f"command {command.name}"):
            return callback(*args, **kwargs)

    run._in_unit_of_work = True  # type: ignore[attr-defined]
    command.callback = run
    return command
