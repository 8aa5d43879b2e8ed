"""Who the viewer is to a course, loaded once per request and only as far as it is asked.

`access_for(viewer, course)` returns the viewer's AccessContext for the course: signed in, administrator,
enrolment (and its state), the staff roles held here and through which scopes. Policy predicates
(`moocplatform.policy`) read it, so views, templates and services that ask the same question in one request
share one enrolment lookup. Role grants come with the signed-in user (one joined query at log-in), so the
context costs at most one query: the enrolment.

Areas that bring more facts about a viewer (cohorts, organisations) register an AccessLoader: its `load`
gives a fact on first ask (`context.fact("cohorts")`), and when the area owns a kind of grant scope, its
`scope_courses` and `scope_members` let roles granted on that scope count within a course and towards the
learners in it (`relations_for`). A scope type nobody registered grants nothing.
"""
from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import sqlalchemy as sa
from flask import Flask, g, has_request_context

from .accounts.models import ScopeType
from .extensions import db
from .learning.models import Enrollment

# A viewer's grants: (role, scope_type, scope_id).
Grant = tuple[str, str, "int | None"]


@dataclass(frozen=True)
class AccessLoader:
    """What an area adds to access contexts.

    load(viewer, course_id) -> the fact named `name`, computed when first asked in a request.
    scope_type: the grant scope the area owns ("cohort", "organisation"), if any; then
    scope_courses(scope_ids) -> {scope_id: course ids it covers} and
    scope_members(scope_ids, learner_ids) -> {(learner_id, course_id)} of the learners inside those scopes,
    each answered in one query for the whole set.
    """

    name: str
    load: Callable[[Any, Any], Any] | None = None
    scope_type: str | None = None
    scope_courses: Callable[[set[int]], dict[int, set[int]]] | None = None
    scope_members: Callable[[set[int], Collection[int]], set[tuple[int, int]]] | None = None


_LOADERS: dict[str, AccessLoader] = {}


def register_access_loader(loader: AccessLoader) -> AccessLoader:
    if loader.name in _LOADERS:
        raise ValueError(f"an access loader named {loader.name!r} is registered already")
    if loader.scope_type is not None:
        if loader.scope_type not in (ScopeType.ORGANISATION, ScopeType.COHORT):
            raise ValueError(f"{loader.scope_type!r} is not a scope an area resolves")
        if loader.scope_courses is None or loader.scope_members is None:
            raise ValueError("a loader for a scope gives both scope_courses and scope_members")
        if scope_loader(loader.scope_type) is not None:
            raise ValueError(f"the scope {loader.scope_type!r} has a loader already")
    _LOADERS[loader.name] = loader
    return loader


def unregister_access_loader(name: str) -> None:
    _LOADERS.pop(name, None)


def registered_loaders() -> dict[str, AccessLoader]:
    return dict(_LOADERS)


def scope_loader(scope_type: str) -> AccessLoader | None:
    return next((loader for loader in _LOADERS.values() if loader.scope_type == scope_type), None)


def signed_in(user: Any) -> bool:
    return user is not None and bool(getattr(user, "is_authenticated", False)) and bool(user.is_active)


def grants_of(user: Any) -> tuple[Grant, ...]:
    if not signed_in(user):
        return ()
    return tuple((grant.role, grant.scope_type, grant.scope_id) for grant in user.roles)


class AccessContext:
    """The viewer as this course sees them. Facts are computed on first use and kept for the request."""

    def __init__(self, viewer: Any, course_id: int | None):
        self.viewer = viewer
        self.course_id = course_id
        self.signed_in = signed_in(viewer)
        self.grants = grants_of(viewer)
        self.is_admin = ("admin", ScopeType.PLATFORM, None) in self.grants
        self._facts: dict[str, Any] = {}

    # Enrolment ---------------------------------------------------------------------------------------------

    @cached_property
    def enrollment(self) -> Enrollment | None:
        if not self.signed_in or self.course_id is None:
            return None
        return db.session.scalar(sa.select(Enrollment).where(
            Enrollment.user_id == self.viewer.id, Enrollment.course_id == self.course_id))

    @cached_property
    def enrollment_status(self) -> str | None:
        """active, left, or None for never enrolled."""
        return self.enrollment.status if self.enrollment is not None else None

    @property
    def enrolled(self) -> bool:
        return self.enrollment_status == "active"

    def know_enrollment(self, enrollment: Enrollment | None) -> None:
        """Take the enrolment a read-model loaded already, so that the context needs no query of its own."""
        self.__dict__["enrollment"] = enrollment
        self.__dict__["enrollment_status"] = enrollment.status if enrollment is not None else None

    # Roles -------------------------------------------------------------------------------------------------

    @cached_property
    def roles(self) -> frozenset[str]:
        """Staff roles the viewer holds in this course, through any scope: the platform, the course itself,
        or an organisation or cohort whose area says it lies in this course."""
        if self.course_id is None:
            return frozenset()
        held = set(self.course_wide_roles)
        narrower: dict[str, dict[int, set[str]]] = {}
        for role, scope_type, scope_id in self.grants:
            if scope_type in (ScopeType.ORGANISATION, ScopeType.COHORT) and scope_id is not None:
                narrower.setdefault(scope_type, {}).setdefault(scope_id, set()).add(role)
        for scope_type, by_scope in narrower.items():
            loader = scope_loader(scope_type)
            if loader is None or loader.scope_courses is None:
                continue
            for scope_id, course_ids in loader.scope_courses(set(by_scope)).items():
                if self.course_id in course_ids:
                    held |= by_scope.get(scope_id, set())
        return frozenset(held)

    @cached_property
    def course_wide_roles(self) -> frozenset[str]:
        """Roles that reach every learner of the course (granted on the platform or on the course)."""
        if self.course_id is None:
            return frozenset()
        return frozenset(role for role, scope_type, scope_id in self.grants
                         if scope_type == ScopeType.PLATFORM and role != "admin"
                         or scope_type == ScopeType.COURSE and scope_id == self.course_id)

    def holds(self, role: str) -> bool:
        return self.signed_in and role in self.roles

    # Facts from the areas ----------------------------------------------------------------------------------

    def fact(self, name: str) -> Any:
        """A registered loader's fact about the viewer in this course (KeyError when no area registered it)."""
        if name not in self._facts:
            loader = _LOADERS[name]
            self._facts[name] = loader.load(self.viewer, self.course_id) if loader.load else None
        return self._facts[name]


def _cache() -> dict[tuple[Any, Any], AccessContext] | None:
    """One context per (viewer, course) per request. Outside requests (CLI, jobs, services called directly)
    every ask builds a fresh one: nothing says when such a caller's facts change."""
    if not has_request_context():
        return None
    if "access_contexts" not in g:
        g.access_contexts = {}
    return g.access_contexts


def _course_id(course: Any) -> int | None:
    return course if isinstance(course, int) or course is None else course.id


def access_for(viewer: Any, course: Any) -> AccessContext:
    """The viewer's context for course (a Course, its id, or None for no course)."""
    course_id = _course_id(course)
    cache = _cache()
    if cache is None:
        return AccessContext(viewer, course_id)
    key = (viewer.id if signed_in(viewer) else None, course_id)
    context = cache.get(key)
    if context is None:
        context = cache[key] = AccessContext(viewer, course_id)
    return context


def know_enrollment(viewer: Any, course: Any, enrollment: Enrollment | None) -> None:
    """A read-model that loaded the viewer's enrolment hands it to this request's context."""
    access_for(viewer, course).know_enrollment(enrollment)


def forget(viewer: Any, course: Any = None) -> None:
    """Drop this request's contexts of viewer (for one course, or all): a service changed their enrolment
    or roles."""
    cache = _cache()
    if cache is None or not signed_in(viewer):
        return
    course_id = _course_id(course)
    for key in [k for k in cache if k[0] == viewer.id and (course is None or k[1] == course_id)]:
        del cache[key]


def init_app(app: Flask) -> None:
    @app.before_request
    def fresh_contexts() -> None:
        # Tests run requests inside one application context: g outlives a request there.
        g.pop("access_contexts", None)
