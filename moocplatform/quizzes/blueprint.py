"""The quizzes' URLs: attempts for learners; statistics and exceptions for course teams."""
from flask import Blueprint

from . import views

bp = Blueprint("quizzes", __name__, url_prefix="/courses/<key:slug>/quizzes/<key:quiz_key>",
               template_folder="templates")
bp.add_url_rule("/start", view_func=views.start, methods=["POST"])
bp.add_url_rule("/attempts/<id:attempt_id>", view_func=views.attempt_page)
bp.add_url_rule("/attempts/<id:attempt_id>", endpoint="answer", view_func=views.answer, methods=["POST"])
bp.add_url_rule("/attempts/<id:attempt_id>/results", view_func=views.results)
bp.add_url_rule("/statistics", view_func=views.statistics)
bp.add_url_rule("/statistics.csv", view_func=views.statistics_csv)
bp.add_url_rule("/exceptions", view_func=views.exceptions, methods=["GET", "POST"])
