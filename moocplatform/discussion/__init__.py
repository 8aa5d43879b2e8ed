"""Discussion: one mechanism of spaces with membership kinds (course forums, private spaces, and the group
spaces other areas register: cohorts'), threads on stable unit keys, posts sanitised when written,
moderation, the participation rule, and "Discuss this step" under every unit."""
from __future__ import annotations

from dataclasses import replace

from flask import Flask, has_request_context, request


def init_app(app: Flask) -> None:
    # Imported here: other areas import this package's models, which must not load its pages first.
    from ..extensions import csrf
    from ..jobs import register_job
    from ..learning.activity import ActivitySource, register_activity_source
    from ..learning.panels import UnitPanel, UnitView, register_unit_panel
    from . import api, message_views, personal  # noqa: F401  (the conversation pages join the blueprint; personal data)
    from .events import ensure_all_course_spaces, subscribe
    from .forms import PostForm
    from .fragments import panel_post, reply_form, thread_post
    from .links import post_links
    from .queries import post_moments, post_timeline, unit_panel
    from .views import bp

    def load_panel(view: UnitView):
        shown = request.args.get("comments", "all") if has_request_context() else "all"
        return replace(unit_panel(view.viewer, view.course, view.unit.key, shown), form=PostForm(formdata=None))

    app.register_blueprint(bp)
    app.jinja_env.globals["post_links"] = post_links
    app.jinja_env.globals["panel_post"] = panel_post
    app.jinja_env.globals["thread_post"] = thread_post
    app.jinja_env.globals["reply_form"] = reply_form
    app.register_blueprint(api.bp)
    csrf.exempt(api.bp)  # bearer tokens, or the page's CSRF token in a header (api/auth.py checks either)
    subscribe()
    # Courses published before the area was installed get their forum from this job.
    register_job(app, "ensure-course-forums", "Give every course with a live version its forum and categories.",
                 ensure_all_course_spaces)
    register_activity_source(app, ActivitySource("post", post_moments, post_timeline))
    register_unit_panel(app, UnitPanel("discussion", order=50, template="discussion/_panel.html",
                                       shows=lambda view: True, load=load_panel))
