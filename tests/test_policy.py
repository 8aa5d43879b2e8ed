"""Who may do what: every URL of the application against every kind of user, and the visibility rules."""
import pytest

from moocplatform import policy
from moocplatform.extensions import db
from moocplatform.outbox import OutboxStatus, enqueue
from moocplatform.tokens.services import issue_token
from tests.conftest import log_in
from tests.factories import enrol, make_course, make_user

ROLES = ("anonymous", "learner", "enrolled", "facilitator", "course_team", "admin")
OK, LOGIN, FORBIDDEN, NOT_FOUND, PREVIEW_ONLY = "ok", "login", 403, 404, "redirect-to-course"

# endpoint: (method, path, {role: expected}); paths use the course "alpha", the people ids are filled in.
EVERYONE = {role: OK for role in ROLES}
SIGNED_IN = {"anonymous": LOGIN, **{role: OK for role in ROLES[1:]}}
ADMIN_ONLY = {"anonymous": LOGIN, "learner": FORBIDDEN, "enrolled": FORBIDDEN, "facilitator": FORBIDDEN,
              "course_team": FORBIDDEN, "admin": OK}
TEAM_ONLY = {"anonymous": LOGIN, "learner": FORBIDDEN, "enrolled": FORBIDDEN, "facilitator": FORBIDDEN,
             "course_team": OK, "admin": OK}
# Course discussion: its enrolled learners and staff; {peer_post} is another learner's post in {thread}.
MEMBERS = {"anonymous": LOGIN, "learner": NOT_FOUND, **{r: OK for r in ROLES[2:]}}
MODERATORS = {"anonymous": LOGIN, "learner": NOT_FOUND, "enrolled": FORBIDDEN, "facilitator": OK,
              "course_team": OK, "admin": OK}
COHORT_STAFF = {"anonymous": LOGIN, "learner": FORBIDDEN, "enrolled": FORBIDDEN, "facilitator": OK,
                "course_team": FORBIDDEN, "admin": OK}
# Someone's private portfolio: only its owner (the enrolled learner) sees or changes it; administrators too get 404.
OWNER_ONLY = {"anonymous": LOGIN, "learner": NOT_FOUND, "enrolled": OK, "facilitator": NOT_FOUND,
              "course_team": NOT_FOUND, "admin": NOT_FOUND}
NO_COOKIE_API = {role: 401 for role in ROLES}  # a cookie without the page's CSRF header authenticates nothing
CASES = {
    "catalog.catalogue": ("GET", "/courses", EVERYONE),
    "catalog.course_page": ("GET", "/courses/alpha", EVERYONE),
    "catalog.references": ("GET", "/courses/alpha/references", EVERYONE),
    "catalog.pack_asset": ("GET", "{asset}", EVERYONE),
    "learning.unit_page": ("GET", "/courses/alpha/units/m1-u2", {
        "anonymous": PREVIEW_ONLY, "learner": PREVIEW_ONLY, "enrolled": OK, "facilitator": OK,
        "course_team": OK, "admin": OK}),
    "learning.set_completion": ("POST", "/courses/alpha/units/m1-u2/complete", {
        "anonymous": LOGIN, "learner": FORBIDDEN, "enrolled": OK, "facilitator": FORBIDDEN,
        "course_team": FORBIDDEN, "admin": FORBIDDEN}),
    "learning.enrol": ("POST", "/courses/alpha/enrol", SIGNED_IN),
    "learning.leave": ("POST", "/courses/alpha/leave", SIGNED_IN),
    "learning.dashboard": ("GET", "/my-learning", SIGNED_IN),
    "app_shell.home": ("GET", "/home", SIGNED_IN),
    "app_shell.manifest": ("GET", "/manifest.webmanifest", EVERYONE),
    "app_shell.service_worker": ("GET", "/service-worker.js", EVERYONE),
    "app_shell.offline_page": ("GET", "/offline", EVERYONE),
    # Push is off without VAPID keys (as here): its addresses do not exist (tests/test_push.py has them on).
    "push.subscribe": ("POST", "/push/subscriptions", {role: NOT_FOUND for role in ROLES}),
    "push.unsubscribe": ("POST", "/push/subscriptions/delete", {role: NOT_FOUND for role in ROLES}),
    "learning.invitations": ("GET", "/courses/alpha/invitations", {
        "anonymous": LOGIN, "learner": FORBIDDEN, "enrolled": FORBIDDEN, "facilitator": FORBIDDEN,
        "course_team": OK, "admin": OK}),
    "accounts.register": ("GET", "/register", EVERYONE),
    "accounts.check_email": ("GET", "/register/check-email", EVERYONE),
    "accounts.verify_email": ("GET", "/verify/not-a-token", {role: 400 for role in ROLES}),
    "accounts.resend_verification": ("POST", "/verify/resend", SIGNED_IN),
    "accounts.login": ("GET", "/login", EVERYONE),
    "accounts.logout": ("POST", "/logout", EVERYONE),
    "accounts.forgot_password": ("GET", "/forgot-password", EVERYONE),
    "accounts.reset_password": ("GET", "/reset-password/not-a-token", {role: 400 for role in ROLES}),
    "accounts.profile": ("GET", "/account", SIGNED_IN),
    "accounts.change_password": ("GET", "/account/password", SIGNED_IN),
    "accounts.confirm_password": ("GET", "/account/confirm-password", SIGNED_IN),
    "accounts.change_email": ("GET", "/account/email", SIGNED_IN),
    "accounts.cancel_email_change": ("POST", "/account/email/cancel", SIGNED_IN),
    # a link nobody was sent: refused for everyone signed in, and never a way to sign in
    "accounts.confirm_email_change": ("GET", "/account/email/confirm/mpem_forged", {
        "anonymous": LOGIN, **{r: 400 for r in ROLES[1:]}}),
    "accounts.common_passwords": ("GET", "/password-rules/common-passwords.txt", EVERYONE),
    "accounts.my_data": ("GET", "/account/data", SIGNED_IN),
    "accounts.export_data": ("GET", "/account/data/export.json", SIGNED_IN),
    "accounts.delete_account": ("POST", "/account/delete", {"anonymous": LOGIN, **{r: 422 for r in ROLES[1:]}}),
    # {peer_session}: a session of another learner, which no one else may end
    "accounts.end_session": ("POST", "/account/sessions/{peer_session}/end", {
        "anonymous": LOGIN, **{r: NOT_FOUND for r in ROLES[1:]}}),
    "accounts.end_other_sessions": ("POST", "/account/sessions/end-others", SIGNED_IN),
    # The second factor: with no pending log-in the second step sends anyone to the password; nobody in {world}
    # has an app set up or begun, so confirming, renewing codes and turning it off are refused with a message
    # (a redirect).
    "accounts.login_second_factor": ("GET", "/login/second-factor", SIGNED_IN),
    "accounts.login_with_security_key": ("POST", "/login/second-factor/key", SIGNED_IN),
    # Security keys: without a name the form is shown again; without a registration begun there is nothing to
    # add; {peer_key} is another learner's key, which no one else may rename or remove.
    "accounts.begin_security_key": ("POST", "/account/second-factor/keys/new", {
        "anonymous": LOGIN, **{r: 422 for r in ROLES[1:]}}),
    "accounts.add_security_key": ("POST", "/account/second-factor/keys", SIGNED_IN),
    "accounts.rename_security_key": ("POST", "/account/second-factor/keys/{peer_key}/rename", {
        "anonymous": LOGIN, **{r: NOT_FOUND for r in ROLES[1:]}}),
    "accounts.remove_security_key": ("POST", "/account/second-factor/keys/{peer_key}/remove", {
        "anonymous": LOGIN, **{r: NOT_FOUND for r in ROLES[1:]}}),
    "accounts.second_factor_settings": ("GET", "/account/second-factor", SIGNED_IN),
    "accounts.begin_second_factor": ("POST", "/account/second-factor/setup", SIGNED_IN),
    "accounts.confirm_second_factor": ("POST", "/account/second-factor/confirm", SIGNED_IN),
    "accounts.renew_recovery_codes": ("POST", "/account/second-factor/recovery-codes", SIGNED_IN),
    "accounts.disable_second_factor": ("POST", "/account/second-factor/disable", SIGNED_IN),
    "accounts.terms": ("GET", "/terms", EVERYONE),
    "accounts.privacy": ("GET", "/privacy", EVERYONE),
    "admin.index": ("GET", "/admin/", ADMIN_ONLY),
    "admin.users": ("GET", "/admin/users", ADMIN_ONLY),
    "admin.user_detail": ("GET", "/admin/users/{enrolled_peer}", ADMIN_ONLY),
    "admin.grant_role": ("POST", "/admin/users/{enrolled_peer}/roles", ADMIN_ONLY),
    "admin.revoke_role": ("POST", "/admin/users/{team_member}/roles/{team_grant}/revoke", ADMIN_ONLY),
    "admin.confirm_revoke_role": ("GET", "/admin/users/{team_member}/roles/{team_grant}/revoke", ADMIN_ONLY),
    "admin.suspend": ("POST", "/admin/users/{enrolled_peer}/suspend", ADMIN_ONLY),
    "admin.unsuspend": ("POST", "/admin/users/{enrolled_peer}/unsuspend", ADMIN_ONLY),
    "admin.unlock": ("POST", "/admin/users/{enrolled_peer}/unlock", ADMIN_ONLY),
    "admin.confirm_reset_second_factor": ("GET", "/admin/users/{enrolled_peer}/second-factor/reset", ADMIN_ONLY),
    "admin.reset_second_factor": ("POST", "/admin/users/{enrolled_peer}/second-factor/reset", ADMIN_ONLY),
    "admin.courses": ("GET", "/admin/courses", ADMIN_ONLY),
    "admin.archive_course": ("POST", "/admin/courses/{course}/archive", ADMIN_ONLY),
    "admin.confirm_archive_course": ("GET", "/admin/courses/{course}/archive", ADMIN_ONLY),
    "admin.unarchive_course": ("POST", "/admin/courses/{course}/unarchive", ADMIN_ONLY),
    "admin.audit_log": ("GET", "/admin/audit", ADMIN_ONLY),
    "admin.outbox_failures": ("GET", "/admin/outbox", ADMIN_ONLY),
    "admin.retry_outbox_row": ("POST", "/admin/outbox/{dead_row}/retry", ADMIN_ONLY),
    "ops.healthz": ("GET", "/healthz", EVERYONE),
    "studio.versions": ("GET", "/studio/courses/alpha/versions", TEAM_ONLY),
    "studio.preview_course": ("GET", "/studio/courses/alpha/versions/{version}", TEAM_ONLY),
    "studio.preview_unit": ("GET", "/studio/courses/alpha/versions/{version}/units/m1-u2", TEAM_ONLY),
    "studio.publish": ("POST", "/studio/courses/alpha/versions/{version}/publish", TEAM_ONLY),
    "studio.discard": ("POST", "/studio/courses/alpha/versions/{version}/discard",
                       {**TEAM_ONLY, "course_team": 409, "admin": 409}),
    "studio.export": ("GET", "/studio/courses/alpha/versions/{version}/export.zip", TEAM_ONLY),
    "studio.upload": ("GET", "/studio/courses/alpha/upload", TEAM_ONLY),
    # quizzes: {attempt} is the enrolled learner's attempt in progress, {done} their submitted one
    "quizzes.start": ("POST", "/courses/alpha/quizzes/check/start", {
        "anonymous": LOGIN, "learner": FORBIDDEN, "enrolled": OK, "facilitator": FORBIDDEN,
        "course_team": FORBIDDEN, "admin": FORBIDDEN}),
    "quizzes.attempt_page": ("GET", "/courses/alpha/quizzes/check/attempts/{attempt}", {
        "anonymous": LOGIN, "learner": NOT_FOUND, "enrolled": OK, "facilitator": NOT_FOUND,
        "course_team": NOT_FOUND, "admin": NOT_FOUND}),
    "quizzes.answer": ("POST", "/courses/alpha/quizzes/check/attempts/{attempt}", {
        "anonymous": LOGIN, "learner": NOT_FOUND, "enrolled": OK, "facilitator": NOT_FOUND,
        "course_team": NOT_FOUND, "admin": NOT_FOUND}),
    "quizzes.results": ("GET", "/courses/alpha/quizzes/check/attempts/{done}/results", {
        "anonymous": LOGIN, "learner": NOT_FOUND, "enrolled": OK, "facilitator": OK, "course_team": OK,
        "admin": OK}),
    "quizzes.statistics": ("GET", "/courses/alpha/quizzes/check/statistics", TEAM_ONLY),
    "quizzes.statistics_csv": ("GET", "/courses/alpha/quizzes/check/statistics.csv", TEAM_ONLY),
    "quizzes.exceptions": ("GET", "/courses/alpha/quizzes/check/exceptions", TEAM_ONLY),
    # cohorts: {cohort} is led by the facilitator (a course facilitator who created it) and holds the enrolled
    # learner; {code} is its join code
    "cohorts.new_cohort": ("GET", "/courses/alpha/cohorts/new", {
        "anonymous": LOGIN, "learner": FORBIDDEN, "enrolled": FORBIDDEN, "facilitator": OK,
        "course_team": FORBIDDEN, "admin": OK}),
    "cohorts.cohort_page": ("GET", "/cohorts/{cohort}", {
        "anonymous": LOGIN, "learner": NOT_FOUND, "enrolled": OK, "facilitator": OK, "course_team": NOT_FOUND,
        "admin": OK}),
    "cohorts.edit_cohort": ("GET", "/cohorts/{cohort}/edit", COHORT_STAFF),
    "cohorts.add_learner": ("POST", "/cohorts/{cohort}/learners", COHORT_STAFF),
    "cohorts.import_learners": ("GET", "/cohorts/{cohort}/learners/import", COHORT_STAFF),
    "cohorts.remove_learner": ("POST", "/cohorts/{cohort}/learners/{enrolled_peer}/remove", COHORT_STAFF),
    "cohorts.move_learner": ("POST", "/cohorts/{cohort}/learners/{enrolled_peer}/move", COHORT_STAFF),
    "cohorts.add_facilitator": ("POST", "/cohorts/{cohort}/facilitators", COHORT_STAFF),
    "cohorts.leave": ("POST", "/cohorts/{cohort}/leave", {"anonymous": LOGIN, **{r: OK for r in ROLES[1:]}}),
    "cohorts.join_page": ("GET", "/join/{code}", SIGNED_IN),
    "cohorts.plan_page": ("GET", "/cohorts/{cohort}/plan", {
        "anonymous": LOGIN, "learner": NOT_FOUND, "enrolled": OK, "facilitator": OK, "course_team": NOT_FOUND,
        "admin": OK}),
    "cohorts.dashboard": ("GET", "/cohorts/{cohort}/dashboard", COHORT_STAFF),
    # teams: {cohort_team} is a team of {cohort} holding its enrolled learner; a seated learner sees their own
    "cohorts.teams_page": ("GET", "/cohorts/{cohort}/teams", {
        "anonymous": LOGIN, "learner": NOT_FOUND, "enrolled": OK, "facilitator": OK, "course_team": NOT_FOUND,
        "admin": OK}),
    "cohorts.teams_csv": ("GET", "/cohorts/{cohort}/teams.csv", COHORT_STAFF),
    "cohorts.create_team": ("POST", "/cohorts/{cohort}/teams", COHORT_STAFF),
    "cohorts.rename_team": ("POST", "/cohorts/{cohort}/teams/{cohort_team}/rename", COHORT_STAFF),
    "cohorts.delete_team": ("POST", "/cohorts/{cohort}/teams/{cohort_team}/delete", COHORT_STAFF),
    "cohorts.form_teams": ("POST", "/cohorts/{cohort}/teams/form", COHORT_STAFF),
    "cohorts.move_to_team": ("POST", "/cohorts/{cohort}/teams/learners/{enrolled_peer}", COHORT_STAFF),
    "cohorts.dashboard_csv": ("GET", "/cohorts/{cohort}/dashboard.csv", COHORT_STAFF),
    "cohorts.figures": ("GET", "/cohorts/{cohort}/figures", COHORT_STAFF),
    "cohorts.quiz_results_csv": ("GET", "/cohorts/{cohort}/quiz-results.csv", COHORT_STAFF),
    "cohorts.sign_off": ("POST", "/cohorts/{cohort}/learners/{enrolled_peer}/sign-off", COHORT_STAFF),
    "cohorts.withdraw_sign_off": ("POST", "/cohorts/{cohort}/learners/{enrolled_peer}/sign-off/withdraw",
                                  COHORT_STAFF),
    # one learner of {cohort} for those who lead it; to anyone else the page does not exist
    "cohorts.learner_page": ("GET", "/cohorts/{cohort}/learners/{enrolled_peer}", {
        **{role: NOT_FOUND for role in ROLES}, "anonymous": LOGIN, "facilitator": OK, "admin": OK}),
    "cohorts.learner_units_page": ("GET", "/cohorts/{cohort}/learners/{enrolled_peer}/units", COHORT_STAFF),
    "cohorts.complete_unit_by_hand": ("POST", "/cohorts/{cohort}/learners/{enrolled_peer}/units", COHORT_STAFF),
    "cohorts.learner_due_dates": ("GET", "/cohorts/{cohort}/learners/{enrolled_peer}/due-dates", COHORT_STAFF),
    "cohorts.extend_due_date": ("POST", "/cohorts/{cohort}/learners/{enrolled_peer}/due-dates",
                                {**COHORT_STAFF, "facilitator": 422, "admin": 422}),  # an empty form
    "cohorts.withdraw_due_extension": (
        "POST", "/cohorts/{cohort}/learners/{enrolled_peer}/due-dates/{plan_item}/withdraw", COHORT_STAFF),
    # calendar feeds: {calendar} is a feed of the enrolled learner (a member of {cohort})
    "cohorts.issue_cohort_calendar": ("POST", "/cohorts/{cohort}/calendar", {
        "anonymous": LOGIN, "learner": FORBIDDEN, "enrolled": OK, "facilitator": OK, "course_team": FORBIDDEN,
        "admin": OK}),
    "cohorts.issue_my_calendar": ("POST", "/my-cohorts/calendar", SIGNED_IN),
    "cohorts.my_calendars": ("GET", "/my-cohorts/calendars", SIGNED_IN),
    "cohorts.revoke_calendar": ("POST", "/my-cohorts/calendars/{calendar}/revoke", SIGNED_IN),
    "cohorts.calendar_feed": ("GET", "/calendar/{calendar_secret}.ics", EVERYONE),
    "cohorts.fill_plan": ("POST", "/cohorts/{cohort}/plan/from-pack", COHORT_STAFF),
    "cohorts.add_session": ("POST", "/cohorts/{cohort}/plan/sessions", COHORT_STAFF),
    "cohorts.add_external_item": ("POST", "/cohorts/{cohort}/plan/items", COHORT_STAFF),
    "cohorts.schedule_session": ("POST", "/cohorts/{cohort}/plan/items/{plan_session}/schedule", COHORT_STAFF),
    "cohorts.remove_item": ("POST", "/cohorts/{cohort}/plan/items/{plan_item}/remove", COHORT_STAFF),
    # the session has not begun yet: the page says so to those who may record its attendance
    "cohorts.attendance": ("GET", "/cohorts/{cohort}/plan/items/{plan_session}/attendance", COHORT_STAFF),
    # marking done is the service's rule (a seated learner): others are told so on the plan page
    "cohorts.mark_done": ("POST", "/cohorts/{cohort}/plan/items/{plan_item}/done", {
        "anonymous": LOGIN, **{r: OK for r in ROLES[1:]}}),
    "cohorts.join_by_code": ("POST", "/join", {"anonymous": LOGIN, **{r: 400 for r in ROLES[1:]}}),
    # assignments, in the course "tasks": {peer_file} and {peer_submission} are another learner's work, which
    # the enrolled learner is allocated to review (tests/test_assignments.py has a co-learner who is not)
    "assignments.hand_in": ("POST", "/courses/tasks/assignments/task/hand-in", {
        "anonymous": LOGIN, "learner": FORBIDDEN, "enrolled": OK, "facilitator": FORBIDDEN,
        "course_team": FORBIDDEN, "admin": FORBIDDEN}),
    "assignments.autosave": ("POST", "/courses/tasks/assignments/task/autosave", {
        "anonymous": LOGIN, "learner": FORBIDDEN, "enrolled": OK, "facilitator": FORBIDDEN,
        "course_team": FORBIDDEN, "admin": FORBIDDEN}),
    "assignments.self_assess": ("POST", "/courses/tasks/assignments/task/self-assessment", {
        "anonymous": LOGIN, "learner": FORBIDDEN, "enrolled": OK, "facilitator": FORBIDDEN,
        "course_team": FORBIDDEN, "admin": FORBIDDEN}),
    # the course team sees aggregate results, not one learner's work
    "assignments.download_file": ("GET", "/courses/tasks/assignments/files/{peer_file}", {
        "anonymous": LOGIN, "learner": NOT_FOUND, "enrolled": OK, "facilitator": OK, "course_team": NOT_FOUND,
        "admin": OK}),
    "assignments.remove_file": ("POST", "/courses/tasks/assignments/files/{peer_file}/remove", {
        "anonymous": LOGIN, **{r: NOT_FOUND for r in ROLES[1:]}}),
    "assignments.queue": ("GET", "/courses/tasks/submissions", {
        "anonymous": LOGIN, "learner": FORBIDDEN, "enrolled": FORBIDDEN, "facilitator": OK, "course_team": FORBIDDEN,
        "admin": OK}),
    "assignments.results": ("GET", "/courses/tasks/submissions/results", {
        "anonymous": LOGIN, "learner": FORBIDDEN, "enrolled": FORBIDDEN, "facilitator": OK, "course_team": OK,
        "admin": OK}),
    "assignments.review": ("GET", "/courses/tasks/submissions/{peer_submission}", {
        "anonymous": LOGIN, "learner": NOT_FOUND, "enrolled": NOT_FOUND, "facilitator": OK,
        "course_team": NOT_FOUND, "admin": OK}),
    "assignments.request_peer_reviews": ("POST", "/courses/tasks/assignments/task/peer-reviews", {
        "anonymous": LOGIN, "learner": FORBIDDEN, "enrolled": OK, "facilitator": FORBIDDEN,
        "course_team": FORBIDDEN, "admin": FORBIDDEN}),
    # {peer_allocation}: the enrolled learner is asked to review the other learner's work
    "assignments.peer_review": ("GET", "/courses/tasks/assignments/peer-reviews/{peer_allocation}", {
        "anonymous": LOGIN, "learner": NOT_FOUND, "enrolled": OK, "facilitator": NOT_FOUND,
        "course_team": NOT_FOUND, "admin": NOT_FOUND}),
    # {peer_review}: a peer's review of the other learner's work, which only that learner may flag as unfair
    "assignments.flag_review": ("POST", "/courses/tasks/assignments/reviews/{peer_review}/flag", {
        "anonymous": LOGIN, **{r: NOT_FOUND for r in ROLES[1:]}}),
    # personal access tokens: {token} is the enrolled learner's
    "tokens.personal_access_tokens": ("GET", "/account/tokens", SIGNED_IN),
    "tokens.create_personal_access_token": ("POST", "/account/tokens", {"anonymous": LOGIN,
                                                                          **{r: 422 for r in ROLES[1:]}}),
    "tokens.revoke_personal_access_token": ("POST", "/account/tokens/{token}/revoke", {
        "anonymous": LOGIN, "learner": NOT_FOUND, "enrolled": OK, "facilitator": NOT_FOUND,
        "course_team": NOT_FOUND, "admin": OK}),
    "discussion.forum": ("GET", "/courses/alpha/discussion", MEMBERS),
    "discussion.category_page": ("GET", "/courses/alpha/discussion/categories/{category}", MEMBERS),
    "discussion.start_thread": ("POST", "/courses/alpha/discussion/categories/{category}/threads", {
        "anonymous": LOGIN, "learner": NOT_FOUND, **{r: 422 for r in ROLES[2:]}}),
    "discussion.unit_thread": ("GET", "/courses/alpha/discussion/units/m1-u2", MEMBERS),
    "discussion.thread_page": ("GET", "/discussion/threads/{thread}", MEMBERS),
    "discussion.show_post": ("GET", "/discussion/posts/{peer_post}", MEMBERS),
    "discussion.search": ("GET", "/courses/alpha/discussion/search?q=post", MEMBERS),
    "discussion.reply": ("POST", "/discussion/threads/{thread}/posts", {
        "anonymous": LOGIN, "learner": NOT_FOUND, **{r: 422 for r in ROLES[2:]}}),
    # a cohort's discussion space: {cohort}'s members and facilitator, and the course's moderators who moderate it
    "discussion.group_space": ("GET", "/discussion/groups/cohort/{cohort}", MEMBERS),
    "discussion.group_moderation_queue": ("GET", "/discussion/groups/cohort/{cohort}/moderation", MODERATORS),
    "discussion.start_group_thread": ("POST", "/discussion/groups/cohort/{cohort}/threads", {
        "anonymous": LOGIN, "learner": NOT_FOUND, **{r: 422 for r in ROLES[2:]}}),
    # an empty comment is refused with a message before anything is checked; the service checks membership
    "discussion.comment_on_unit": ("POST", "/courses/alpha/units/m1-u2/comments", SIGNED_IN),
    "discussion.edit_post": ("GET", "/discussion/posts/{peer_post}/edit", MODERATORS),
    "discussion.delete_post": ("POST", "/discussion/posts/{peer_post}/delete", MEMBERS),
    "discussion.report_post": ("POST", "/discussion/posts/{peer_post}/report", MEMBERS),
    "discussion.hide_post": ("POST", "/discussion/posts/{peer_post}/hide", MODERATORS),
    "discussion.restore_post": ("POST", "/discussion/posts/{peer_post}/restore", MODERATORS),
    "discussion.moderate_thread": ("POST", "/discussion/threads/{thread}/moderate", {
        **MODERATORS, "facilitator": 400, "course_team": 400, "admin": 400}),
    "discussion.moderation_queue": ("GET", "/courses/alpha/discussion/moderation", MODERATORS),
    # reviewing held posts ({peer_post} is not held: moderators are sent back with the reason), muting a post's
    # author (an empty form: sent back with the reason), moving a thread, lifting a mute (none: sent back)
    "discussion.approve_post": ("POST", "/discussion/posts/{peer_post}/approve", MODERATORS),
    "discussion.reject_post": ("POST", "/discussion/posts/{peer_post}/reject", MODERATORS),
    "discussion.mute_author": ("POST", "/discussion/posts/{peer_post}/mute-author", MODERATORS),
    "discussion.move_thread": ("POST", "/discussion/threads/{thread}/move", MODERATORS),
    "discussion.lift_mute": ("POST", "/courses/alpha/discussion/mutes/999999/lift", MODERATORS),
    # likes and follows: any member; an accepted answer is the asker's or a moderator's choice, and {thread} is
    # not a help thread, so members are sent back with the reason (tests/test_discussion_social.py has the rules)
    "discussion.like_post": ("POST", "/discussion/posts/{peer_post}/like", MEMBERS),
    "discussion.unlike_post": ("POST", "/discussion/posts/{peer_post}/unlike", MEMBERS),
    "discussion.follow_thread": ("POST", "/discussion/threads/{thread}/follow", MEMBERS),
    "discussion.unfollow_thread": ("POST", "/discussion/threads/{thread}/unfollow", MEMBERS),
    "discussion.accept_answer": ("POST", "/discussion/posts/{peer_post}/accept", MEMBERS),
    "discussion.clear_answer": ("POST", "/discussion/threads/{thread}/answer/clear", MEMBERS),
    # announcements: the course's members read them; the course team announces to all, the cohort's facilitator
    # to the cohort (an empty form is refused on its fields); {announcement} is the course team's to everyone,
    # {cohort_announcement} the facilitator's to the cohort the enrolled learner is in.
    "announcements.index": ("GET", "/courses/alpha/announcements", MEMBERS),
    "announcements.post": ("POST", "/courses/alpha/announcements", {
        "anonymous": LOGIN, "learner": NOT_FOUND, "enrolled": FORBIDDEN, "facilitator": 422, "course_team": 422,
        "admin": 422}),
    "announcements.show": ("GET", "/courses/alpha/announcements/{cohort_announcement}", MEMBERS),
    # notifications: {notification} is the enrolled learner's
    "notifications.index": ("GET", "/notifications", SIGNED_IN),
    "notifications.mark_all_read": ("POST", "/notifications/read", SIGNED_IN),
    "notifications.open_notification": ("POST", "/notifications/{notification}/open", {
        "anonymous": LOGIN, "learner": NOT_FOUND, "enrolled": OK, "facilitator": NOT_FOUND,
        "course_team": NOT_FOUND, "admin": NOT_FOUND}),
    "notifications.preferences": ("GET", "/notifications/preferences", SIGNED_IN),
    "notifications.unsubscribe": ("GET", "/notifications/unsubscribe/not-a-token", EVERYONE),
    # The API: a cookie session authenticates nobody (tests/test_api.py has the matrix with bearer tokens).
    "api.openapi_json": ("GET", "/api/v1/openapi.json", EVERYONE),
    "api.me": ("GET", "/api/v1/me", {role: 401 for role in ROLES}),
    "api.my_courses": ("GET", "/api/v1/me/courses", {role: 401 for role in ROLES}),
    "api.course_progress": ("GET", "/api/v1/courses/alpha/progress", {role: 401 for role in ROLES}),
    "notes_api.list_notes": ("GET", "/api/v1/notes", {role: 401 for role in ROLES}),
    "notes_api.get_note": ("GET", "/api/v1/notes/units/alpha/m1-u2", {role: 401 for role in ROLES}),
    "notes_api.put_note": ("PUT", "/api/v1/notes/units/alpha/m1-u2", {role: 401 for role in ROLES}),
    "notes_api.delete_note": ("DELETE", "/api/v1/notes/units/alpha/m1-u2", {role: 401 for role in ROLES}),
    "notes_api.list_bookmarks": ("GET", "/api/v1/notes/bookmarks", {role: 401 for role in ROLES}),
    "notes_api.create_bookmark": ("POST", "/api/v1/notes/bookmarks", {role: 401 for role in ROLES}),
    "notes_api.delete_bookmark": ("DELETE", "/api/v1/notes/bookmarks/{peer_bookmark}",
                                  {role: 401 for role in ROLES}),
    # notes and bookmarks: a reader of the unit notes it (the outsider reads only the preview unit);
    # {peer_note} and {peer_bookmark} are another learner's, which nobody else reaches
    "notes.save_note": ("POST", "/courses/alpha/units/m1-u2/note", {
        "anonymous": LOGIN, "learner": NOT_FOUND, **{r: OK for r in ROLES[2:]}}),
    "notes.toggle_unit_bookmark": ("POST", "/courses/alpha/units/m1-u2/bookmark", {
        "anonymous": LOGIN, "learner": NOT_FOUND, **{r: OK for r in ROLES[2:]}}),
    "notes.all_notes": ("GET", "/notes", SIGNED_IN),
    "notes.course_notes": ("GET", "/courses/alpha/notes", SIGNED_IN),
    "notes.export_all_notes": ("GET", "/notes/notes.md", SIGNED_IN),
    "notes.export_course_notes": ("GET", "/courses/alpha/notes.pdf", SIGNED_IN),
    "notes.delete_note": ("POST", "/notes/{peer_note}/delete", {
        "anonymous": LOGIN, **{r: NOT_FOUND for r in ROLES[1:]}}),
    "notes.bookmarks": ("GET", "/bookmarks", SIGNED_IN),
    "notes.delete_bookmark": ("POST", "/bookmarks/{peer_bookmark}/delete", {
        "anonymous": LOGIN, **{r: NOT_FOUND for r in ROLES[1:]}}),
    # certificates: {certificate} is the enrolled learner's; verification and the signed credential are public
    "certificates.verification_page": ("GET", "/certificates/{certificate}", EVERYONE),
    "certificates.verification_json": ("GET", "/certificates/{certificate}/verification.json", EVERYONE),
    "certificates.credential": ("GET", "/certificates/{certificate}/credential.jwt", EVERYONE),
    "certificates.credential_json": ("GET", "/certificates/{certificate}/credential.json", EVERYONE),
    "certificates.pdf": ("GET", "/certificates/{certificate}/certificate.pdf", {
        "anonymous": LOGIN, "learner": FORBIDDEN, "enrolled": OK, "facilitator": FORBIDDEN,
        "course_team": FORBIDDEN, "admin": OK}),
    "certificates.status_list": ("GET", "/certificates/status/revocation", EVERYONE),
    "certificates.issuer": ("GET", "/certificates/issuer.json", EVERYONE),
    "certificates.jwks": ("GET", "/.well-known/jwks.json", EVERYONE),
    "certificates.key_history": ("GET", "/certificates/key-history.json", EVERYONE),
    "certificates.did_document": ("GET", "/.well-known/did-key.json", EVERYONE),
    "certificates.my_certificates": ("GET", "/account/certificates", SIGNED_IN),
    "certificates.request_participation_statement": ("POST", "/courses/alpha/statement-of-participation", {
        "anonymous": LOGIN, "learner": FORBIDDEN, "enrolled": OK, "facilitator": FORBIDDEN,
        "course_team": FORBIDDEN, "admin": FORBIDDEN}),
    "certificates.course_certificates": ("GET", "/courses/alpha/certificates", TEAM_ONLY),
    # without a reason the course team's request is refused with a message (a redirect)
    "certificates.revoke": ("POST", "/certificates/{certificate}/revoke", TEAM_ONLY),
    "certificates.reissue": ("POST", "/certificates/{certificate}/reissue", TEAM_ONLY),
    # portfolio: {pf_entry} is the enrolled learner's private file entry, {pf_secret} their public link, which
    # shows another of their entries but not that one
    "portfolio.index": ("GET", "/portfolio", SIGNED_IN),
    "portfolio.create_entry": ("POST", "/portfolio/entries", {"anonymous": LOGIN, **{r: 422 for r in ROLES[1:]}}),
    "portfolio.upload_file": ("POST", "/portfolio/files", {"anonymous": LOGIN, **{r: 422 for r in ROLES[1:]}}),
    # without a source the request is refused with a message (a redirect)
    "portfolio.add_evidence": ("POST", "/portfolio/evidence", SIGNED_IN),
    "portfolio.entry_page": ("GET", "/portfolio/entries/{pf_entry}", OWNER_ONLY),
    "portfolio.edit_entry": ("GET", "/portfolio/entries/{pf_entry}/edit", OWNER_ONLY),
    "portfolio.update_entry": ("POST", "/portfolio/entries/{pf_entry}/edit", {**OWNER_ONLY, "enrolled": 422}),
    "portfolio.move_entry": ("POST", "/portfolio/entries/{pf_entry}/move", OWNER_ONLY),
    "portfolio.confirm_delete_entry": ("GET", "/portfolio/entries/{pf_entry}/delete", OWNER_ONLY),
    "portfolio.delete_entry": ("POST", "/portfolio/entries/{pf_entry}/delete", OWNER_ONLY),
    "portfolio.download_file": ("GET", "/portfolio/entries/{pf_entry}/file", OWNER_ONLY),
    "portfolio.save_public_page": ("POST", "/portfolio/public", SIGNED_IN),
    "portfolio.publish_link": ("POST", "/portfolio/link", SIGNED_IN),
    "portfolio.revoke_link": ("POST", "/portfolio/link/revoke", SIGNED_IN),
    "portfolio.export_zip": ("GET", "/portfolio/export.zip", SIGNED_IN),
    "portfolio.public_page": ("GET", "/p/{pf_secret}", EVERYONE),
    "portfolio.public_pdf": ("GET", "/p/{pf_secret}/portfolio.pdf", EVERYONE),
    # a private entry's file is not behind the public link, for anyone
    "portfolio.public_file": ("GET", "/p/{pf_secret}/files/{pf_entry}", {role: NOT_FOUND for role in ROLES}),
    "portfolio_api.list_entries": ("GET", "/api/v1/portfolio/entries", {role: 401 for role in ROLES}),
    "assignments_api.my_assignments": ("GET", "/api/v1/me/assignments", {role: 401 for role in ROLES}),
    "assignments_api.my_submissions": ("GET", "/api/v1/me/submissions", {role: 401 for role in ROLES}),
    "assignments_api.my_peer_reviews": ("GET", "/api/v1/me/peer-reviews", {role: 401 for role in ROLES}),
    "cohorts_api.my_reminders": ("GET", "/api/v1/me/reminders", {role: 401 for role in ROLES}),
    "cohorts_api.my_cohorts": ("GET", "/api/v1/me/cohorts", {role: 401 for role in ROLES}),
    "cohorts_api.cohort_plan": ("GET", "/api/v1/cohorts/{cohort}/plan", {role: 401 for role in ROLES}),
    "cohorts_api.cohort_sessions": ("GET", "/api/v1/cohorts/{cohort}/sessions", {role: 401 for role in ROLES}),
    "cohorts_api.mark_item_done": ("POST", "/api/v1/cohorts/{cohort}/items/{plan_item}/done",
                                   {role: 401 for role in ROLES}),
    "cohorts_api.unmark_item_done": ("DELETE", "/api/v1/cohorts/{cohort}/items/{plan_item}/done",
                                     {role: 401 for role in ROLES}),
    "people_api.course_people": ("GET", "/api/v1/courses/alpha/people", {role: 401 for role in ROLES}),
    "people_api.cohort_people": ("GET", "/api/v1/cohorts/1/people", {role: 401 for role in ROLES}),
    "people_api.person": ("GET", "/api/v1/people/1", {role: 401 for role in ROLES}),
    "portfolio_api.create_entry": ("POST", "/api/v1/portfolio/entries", {role: 401 for role in ROLES}),
    "portfolio_api.get_entry": ("GET", "/api/v1/portfolio/entries/{pf_entry}", {role: 401 for role in ROLES}),
    "portfolio_api.delete_entry": ("DELETE", "/api/v1/portfolio/entries/{pf_entry}", {role: 401 for role in ROLES}),
    "portfolio_api.public_link": ("GET", "/api/v1/portfolio/public-link", {role: 401 for role in ROLES}),
    # The opportunities API: a cookie session authenticates nobody there either.
    "api.unit": ("GET", "/api/v1/courses/alpha/units/m1-u2", {role: 401 for role in ROLES}),
    "discussion_api.list_categories": ("GET", "/api/v1/discussion/courses/alpha/categories", NO_COOKIE_API),
    "discussion_api.list_threads": ("GET", "/api/v1/discussion/courses/alpha/threads", NO_COOKIE_API),
    "discussion_api.start_thread": ("POST", "/api/v1/discussion/courses/alpha/threads", NO_COOKIE_API),
    "discussion_api.get_thread": ("GET", "/api/v1/discussion/threads/{thread}", NO_COOKIE_API),
    "discussion_api.reply": ("POST", "/api/v1/discussion/threads/{thread}/posts", NO_COOKIE_API),
    "discussion_api.comment_on_unit": ("POST", "/api/v1/discussion/courses/alpha/units/m1-u2/comments",
                                       NO_COOKIE_API),
    "notifications_api.list_notifications": ("GET", "/api/v1/notifications", NO_COOKIE_API),
    "notifications_api.mark_all_read": ("POST", "/api/v1/notifications/read", NO_COOKIE_API),
    "notifications_api.mark_read": ("POST", "/api/v1/notifications/{notification}/read", NO_COOKIE_API),
    "opportunities_api.list_opportunities": ("GET", "/api/v1/opportunities", {role: 401 for role in ROLES}),
    "opportunities_api.get_opportunity": ("GET", "/api/v1/opportunities/1", {role: 401 for role in ROLES}),
    "opportunities_api.apply": ("POST", "/api/v1/opportunities/1/applications", {role: 401 for role in ROLES}),
    "opportunities_api.my_applications": ("GET", "/api/v1/me/applications", {role: 401 for role in ROLES}),
    # people: {enrolled_peer} shows their profile to course-mates and allows messages, as does the enrolled
    # learner; {conversation} is the enrolled learner's with the facilitator
    "people.profile": ("GET", "/people/{enrolled_peer}", {
        "anonymous": LOGIN, "learner": NOT_FOUND, "enrolled": OK, "facilitator": OK, "course_team": OK,
        "admin": OK}),
    "people.settings": ("GET", "/account/public-profile", SIGNED_IN),
    # a block is between learners: staff and administrators report instead (409 with the reason)
    "people.block": ("POST", "/people/{enrolled_peer}/block", {
        "anonymous": LOGIN, "learner": OK, "enrolled": OK, "facilitator": 409, "course_team": 409, "admin": 409}),
    "people.unblock": ("POST", "/people/{enrolled_peer}/unblock", SIGNED_IN),
    # without a reason the report is refused with a message (a redirect)
    "people.report": ("POST", "/people/{enrolled_peer}/report", MEMBERS),
    "people.course_people": ("GET", "/courses/alpha/people", MEMBERS),
    "people.cohort_people": ("GET", "/cohorts/{cohort}/people", {
        "anonymous": LOGIN, "learner": NOT_FOUND, "enrolled": OK, "facilitator": OK, "course_team": NOT_FOUND,
        "admin": OK}),
    "people.reports": ("GET", "/admin/reports", ADMIN_ONLY),
    "people.decide_profile": ("POST", "/admin/reports/profiles/{enrolled_peer}", {**ADMIN_ONLY, "admin": 400}),
    "people.decide_message": ("POST", "/admin/reports/messages/{peer_post}", {**ADMIN_ONLY, "admin": 400}),
    "discussion.inbox": ("GET", "/messages", SIGNED_IN),
    "discussion.conversation": ("GET", "/messages/{conversation}", {
        "anonymous": LOGIN, "learner": NOT_FOUND, "enrolled": OK, "facilitator": OK, "course_team": NOT_FOUND,
        "admin": NOT_FOUND}),
    "discussion.send_message": ("POST", "/messages/{conversation}/posts", {
        "anonymous": LOGIN, "learner": NOT_FOUND, "enrolled": 422, "facilitator": 422, "course_team": NOT_FOUND,
        "admin": NOT_FOUND}),
    "discussion.message_person": ("POST", "/messages/with/{enrolled_peer}", {
        "anonymous": LOGIN, "learner": FORBIDDEN, "enrolled": OK, "facilitator": OK, "course_team": FORBIDDEN,
        "admin": FORBIDDEN}),
}

# Organisations and opportunities, against the people they concern: a learner who applied to {opportunity},
# a member and an admin of the employer that posted it ({org}), a member of another approved employer (rival),
# a member of an employer not approved to post, a cohort's facilitator, and a platform administrator.
EMPLOYER_ROLES = ("anonymous", "learner", "employer", "org_admin", "rival", "unapproved", "facilitator", "admin")
E_EVERYONE = {role: OK for role in EMPLOYER_ROLES}
E_SIGNED_IN = {"anonymous": LOGIN, **{role: OK for role in EMPLOYER_ROLES[1:]}}
E_ADMIN_ONLY = {"anonymous": LOGIN, **{role: FORBIDDEN for role in EMPLOYER_ROLES[1:-1]}, "admin": OK}
ORG_MEMBERS = {**{role: FORBIDDEN for role in EMPLOYER_ROLES}, "anonymous": LOGIN, "employer": OK, "org_admin": OK}
ORG_ADMINS = {**ORG_MEMBERS, "employer": FORBIDDEN, "admin": OK}
PROGRAMME_COHORT_READERS = {**{role: NOT_FOUND for role in EMPLOYER_ROLES}, "anonymous": LOGIN, "learner": OK,
                            "org_admin": OK, "admin": OK}
EMPLOYER_CASES = {
    "organisations.organisation_page": ("GET", "/organisations/{org}", E_EVERYONE),
    "organisations.members": ("GET", "/organisations/{org}/members", ORG_ADMINS),
    "organisations.add_member": ("POST", "/organisations/{org}/members", ORG_ADMINS),
    "organisations.remove_member": ("POST", "/organisations/{org}/members/{employer}/remove", ORG_ADMINS),
    # {partner_course} names {org} as a partner; the rival's organisation is no partner of it
    "organisations.partner_courses": ("GET", "/organisations/{org}/courses", ORG_ADMINS),
    "organisations.add_to_course_team": ("POST", "/organisations/{org}/courses/{partner_course}/team", ORG_ADMINS,
                                         {"user_id": "{employer}"}),
    "organisations.remove_from_course_team": (
        "POST", "/organisations/{org}/courses/{partner_course}/team/{employer}/remove", ORG_ADMINS),
    "organisations.admin_list": ("GET", "/admin/organisations", E_ADMIN_ONLY),
    "organisations.new_organisation": ("GET", "/admin/organisations/new", E_ADMIN_ONLY),
    "organisations.edit_organisation": ("GET", "/admin/organisations/{org}", E_ADMIN_ONLY),
    "organisations.approve": ("POST", "/admin/organisations/{unapproved_org}/approve", E_ADMIN_ONLY),
    "organisations.withdraw_approval": ("POST", "/admin/organisations/{org}/withdraw-approval", E_ADMIN_ONLY),
    "opportunities.browse": ("GET", "/opportunities", E_EVERYONE),
    "opportunities.opportunity_page": ("GET", "/opportunities/{opportunity}", E_EVERYONE),
    # the learner applied already (the first application stands); the posting's own people are refused on the form
    "opportunities.apply": ("POST", "/opportunities/{opportunity}/apply", {
        **E_SIGNED_IN, "employer": 422, "org_admin": 422}, {"message": "I would like to apply."}),
    "opportunities.report": ("POST", "/opportunities/{opportunity}/report", E_SIGNED_IN),
    "opportunities.recommend": ("POST", "/opportunities/{opportunity}/recommend", {
        **{role: FORBIDDEN for role in EMPLOYER_ROLES}, "anonymous": LOGIN, "facilitator": OK}, {"cohort": "{cohort}"}),
    "opportunities.my_applications": ("GET", "/opportunities/my-applications", E_SIGNED_IN),
    "opportunities.organisation_postings": ("GET", "/organisations/{org}/opportunities", ORG_MEMBERS),
    "opportunities.new_opportunity": ("GET", "/organisations/{org}/opportunities/new", ORG_MEMBERS),
    "opportunities.edit_opportunity": ("GET", "/opportunities/{opportunity}/edit", ORG_MEMBERS),
    # a draft is the organisation's (and the moderators'): others do not learn it exists
    "opportunities.publish": ("POST", "/opportunities/{draft}/publish", {
        **{role: NOT_FOUND for role in EMPLOYER_ROLES}, "anonymous": LOGIN, "employer": OK, "org_admin": OK,
        "admin": FORBIDDEN}),
    "opportunities.close": ("POST", "/opportunities/{opportunity}/close", ORG_MEMBERS),
    "opportunities.withdraw": ("POST", "/opportunities/{opportunity}/withdraw", ORG_MEMBERS),
    "opportunities.applications": ("GET", "/opportunities/{opportunity}/applications", ORG_MEMBERS),
    "opportunities.set_status": ("POST", "/opportunities/applications/{application}/status", {
        **{role: NOT_FOUND for role in EMPLOYER_ROLES}, "anonymous": LOGIN, "employer": OK, "org_admin": OK},
        {"status": "reviewing"}),
    # programmes: {programme} belongs to {org}, created by its admin; {programme_cohort} is led by a facilitator
    # who belongs to {org}. Any facilitator creates a programme of their own, but cohorts of an organisation's
    # programme only if they belong to it
    "cohorts.programmes_list": ("GET", "/programmes", E_EVERYONE),
    "cohorts.programme_page": ("GET", "/programmes/{programme}", E_EVERYONE),
    "cohorts.new_programme": ("GET", "/programmes/new", {
        **E_ADMIN_ONLY, "org_admin": OK, "facilitator": OK}),
    "cohorts.edit_programme": ("GET", "/programmes/{programme}/edit", {**E_ADMIN_ONLY, "org_admin": OK}),
    "cohorts.new_programme_cohort": ("GET", "/programmes/{programme}/cohorts/new", {
        **E_ADMIN_ONLY, "org_admin": OK}),
    "cohorts.edit_programme_cohort": ("GET", "/programmes/{programme}/cohorts/{programme_cohort}/edit",
                                      E_ADMIN_ONLY),
    # a programme cohort's announcements: its seated learners (the learner) read them, whoever announces to it
    # (the programme's editors, administrators) reads and posts (an empty form is refused on its fields), and
    # nobody else learns they exist; {programme_announcement} is its facilitator's to it
    "announcements.cohort_index": ("GET", "/cohorts/{programme_cohort}/announcements", PROGRAMME_COHORT_READERS),
    "announcements.cohort_post": ("POST", "/cohorts/{programme_cohort}/announcements", {
        **PROGRAMME_COHORT_READERS, "learner": FORBIDDEN, "org_admin": 422, "admin": 422}),
    "announcements.cohort_show": ("GET", "/cohorts/{programme_cohort}/announcements/{programme_announcement}",
                                  PROGRAMME_COHORT_READERS),
    "opportunities.moderation_queue": ("GET", "/admin/opportunities", E_ADMIN_ONLY),
    "opportunities.remove": ("POST", "/opportunities/{opportunity}/remove", E_ADMIN_ONLY),
    "opportunities.restore": ("POST", "/opportunities/{removed}/restore", E_ADMIN_ONLY),
    "opportunities.dismiss_reports": ("POST", "/opportunities/{opportunity}/dismiss-reports", E_ADMIN_ONLY),
}


def test_every_endpoint_has_a_permission_case(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    assert endpoints - set(CASES) - set(EMPLOYER_CASES) == set(), "add these endpoints to CASES in tests/test_policy.py"
    assert (set(CASES) | set(EMPLOYER_CASES)) - endpoints == set()


def certificate_of(learner, course):
    from tests.certificate_helpers import completed_with_certificate

    return completed_with_certificate(learner, course)


@pytest.fixture()
def world():
    course = make_course("alpha", quiz=True)
    people = {
        "learner": make_user(),
        "enrolled": make_user(),
        "facilitator": make_user("facilitator", course=course),
        "course_team": make_user("course_team", course=course),
        "admin": make_user("admin"),
    }
    enrol(people["enrolled"], course)
    peer = make_user(display_name="Peer Learner")
    enrol(peer, course)
    team_member = make_user("course_team", course=course)
    import sqlalchemy as sa

    from moocplatform.catalog.models import PackFile
    asset = db.session.scalar(sa.select(PackFile).where(PackFile.path.startswith("assets/")).limit(1))
    from moocplatform.quizzes.services import start_attempt, submit_attempt
    done = submit_attempt(people["enrolled"], start_attempt(people["enrolled"], course, "check"), {}).attempt
    attempt = start_attempt(people["enrolled"], course, "check")
    from moocplatform.admin.services import grant_role
    from moocplatform.assignments import services as assignments
    tasks = make_course("tasks", assignment=True, modules=1, units_per_module=1)
    for role in ("facilitator", "course_team"):
        grant_role(None, people[role], role, tasks)
    enrol(people["enrolled"], tasks)
    enrol(peer, tasks)
    assignments.save_draft(peer, tasks, "task", text="The peer's plan")
    peer_file = assignments.add_file(peer, tasks, "task", "plan.txt", b"The peer's plan.\n")
    peer_version = assignments.submit(peer, tasks, "task")
    from moocplatform import clock
    from moocplatform.assignments.models import PeerAllocation
    peer_allocation = PeerAllocation(version_id=peer_version.id, reviewer_id=people["enrolled"].id,
                                     allocated_at=clock.now())
    db.session.add(peer_allocation)
    from moocplatform.assignments.models import Assessment, AssessorRole
    peer_review = Assessment(version_id=peer_version.id, assessor_id=people["learner"].id, role=AssessorRole.peer,
                             scores={"goal": 0, "evidence": 0}, points=0, max_points=5, feedback="Unfair",
                             created_at=clock.now())
    db.session.add(peer_review)
    db.session.flush()
    dead_row = enqueue("mail", {"to": "nobody@example.org", "template": "gone", "args": {}})
    dead_row.status = OutboxStatus.DEAD.value
    db.session.flush()
    from moocplatform.accounts.sessions import start_session
    peer_session = start_session(peer, device="Firefox on Linux").row.id
    from moocplatform.accounts.models import SecurityKey
    peer_key = SecurityKey(user_id=peer.id, credential_id="peer-credential", public_key=b"\0", name="Peer's key",
                           created_at=clock.now())
    db.session.add(peer_key)
    db.session.flush()
    from moocplatform.discussion import queries as discussion_queries
    from moocplatform.discussion import services as discussion
    from moocplatform.notifications.services import notify
    space = discussion_queries.course_space(course.id)
    category = discussion_queries.forum_index(space, None).categories[0]
    thread = discussion.start_thread(peer, space, category.id, "Hello", "A first post")
    peer_post = discussion.reply(peer, thread, "Another post")
    notification = notify(people["enrolled"], "discussion.reply", {"name": "Peer", "thread": "Hello"},
                          link=f"/discussion/threads/{thread.id}")
    from moocplatform.cohorts.services import join_cohort
    from tests.factories import make_cohort
    cohort = make_cohort(course, people["facilitator"])
    join_cohort(people["enrolled"], cohort, course)
    join_cohort(peer, cohort, course)
    from datetime import datetime

    from moocplatform.cohorts.plan import add_external_item, add_live_session
    plan_session = add_live_session(people["facilitator"], cohort, title="Kick-off",
                                    starts_local=datetime(2026, 3, 3, 18, 0), minutes=60)
    plan_item = add_external_item(people["facilitator"], cohort, title="Read", url="https://example.org/read")
    from moocplatform.cohorts.calendar import issue_cohort_feed
    feed = issue_cohort_feed(people["enrolled"], cohort)
    from moocplatform.cohorts.teams import create_team, move_to_team
    cohort_team = create_team(people["facilitator"], cohort, "Red")
    move_to_team(people["facilitator"], cohort, people["enrolled"].id, cohort_team.id)
    from moocplatform.catalog import queries as catalog_queries
    from moocplatform.notes import services as notes
    peer_unit = catalog_queries.outline_for(catalog_queries.live_version_of(course)).by_key["m1-u2"]
    peer_note = notes.save_note(peer, course, peer_unit, "The peer's note", base_version=0)
    peer_bookmark = notes.bookmark_unit(peer, course, peer_unit)
    from moocplatform.people.services import update_settings
    for person in (peer, people["enrolled"]):
        update_settings(person, person, visibility="course_mates", allow_messages=True, links=[])
    conversation = discussion.open_conversation(people["enrolled"], people["facilitator"])
    from moocplatform.announcements.services import post_announcement
    cohort_announcement = post_announcement(people["facilitator"], course, "Our call", "Thursday",
                                            cohort_id=cohort.id)
    values = {"peer_note": peer_note.id, "peer_bookmark": peer_bookmark.id, "conversation": conversation.id,
              "category": category.id, "thread": thread.id, "peer_post": peer_post.id,
              "notification": notification.id, "cohort": cohort.id, "cohort_team": cohort_team.id,
              "cohort_announcement": cohort_announcement.id, "code": cohort.join_code,
              "plan_session": plan_session.id, "calendar": feed.token.id, "calendar_secret": feed.secret,
              "plan_item": plan_item.id, "peer_session": peer_session, "peer_key": peer_key.id, "attempt": attempt.id,
              "done": done.id, "enrolled_peer": peer.id, "team_member": team_member.id,
              "team_grant": team_member.roles[0].id, "course": course.id,
              "asset": f"/assets/{asset.sha256}/square.svg", "version": course.live_version_id,
              "dead_row": dead_row.id, "peer_file": peer_file.id, "peer_allocation": peer_allocation.id,
              "peer_review": peer_review.id,
              "peer_submission": assignments.queries.submission_of(peer.id, tasks.id, "task").id,
              "certificate": certificate_of(people["enrolled"], course).public_id,
              "token": issue_token(people["enrolled"], people["enrolled"], "personal_access",
                                   scopes=["read:courses"]).token.id}
    from tests.portfolio_helpers import published, uploaded, written
    values["pf_entry"] = uploaded(people["enrolled"]).id
    values["pf_secret"] = published(people["enrolled"], written(people["enrolled"])).secret
    return people, values


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(CASES))
def test_permissions(client, world, endpoint, role):
    people, values = world
    method, path, expected = CASES[endpoint]
    if role != "anonymous":
        log_in(client, people[role])
    response = client.open(path.format(**values), method=method)
    response.close()  # file responses hold the file open until closed
    outcome = expected[role]
    if outcome == OK:
        assert response.status_code in (200, 302), response.status_code
        if response.status_code == 302:
            assert "/login" not in response.headers["Location"]
    elif outcome == LOGIN:
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    elif outcome == PREVIEW_ONLY:
        assert response.status_code == 302 and response.headers["Location"].endswith("/courses/alpha")
    else:
        assert response.status_code == outcome


def _assert_outcome(response, outcome) -> None:
    if outcome == OK:
        assert response.status_code in (200, 302), response.status_code
        if response.status_code == 302:
            assert "/login" not in response.headers["Location"]
    elif outcome == LOGIN:
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    else:
        assert response.status_code == outcome


@pytest.fixture()
def employer_world():
    from moocplatform.cohorts.services import join_cohort
    from moocplatform.opportunities import services as opportunities
    from tests.factories import make_cohort
    from tests.opportunities_helpers import make_member, make_opportunity, make_organisation
    organisation = make_organisation()
    unapproved = make_organisation(approved=False)
    course = make_course("alpha")
    people = {"learner": make_user(), "employer": make_member(organisation),
              "org_admin": make_member(organisation, "org_admin"), "rival": make_member(make_organisation()),
              "unapproved": make_member(unapproved), "facilitator": make_user("facilitator", course=course),
              "admin": make_user("admin")}
    cohort = make_cohort(course, people["facilitator"])
    join_cohort(people["learner"], cohort, course)
    partner_course = make_course("gamma", partners=[{"slug": organisation.slug, "name": organisation.name}])
    opportunity = make_opportunity(organisation, people["employer"])
    removed = make_opportunity(organisation, people["employer"])
    opportunities.remove_opportunity(people["admin"], removed)
    application = opportunities.apply_to_opportunity(people["learner"], opportunity, "Hello")
    from moocplatform.cohorts.programmes import ProgrammeFields, create_programme
    from tests.factories import make_programme_cohort
    programme = create_programme(people["org_admin"], "open-lessons", ProgrammeFields(
        title="Open lessons", language="en", organisation_id=organisation.id))
    # led by a facilitator of the course who belongs to the organisation (none of the roles above)
    from moocplatform.organisations.services import add_member
    org_facilitator = make_user("facilitator", course=course)
    add_member(people["admin"], organisation, org_facilitator.email)
    programme_cohort = make_programme_cohort(programme, org_facilitator)
    join_cohort(people["learner"], programme_cohort, None)
    from moocplatform.announcements.services import post_announcement
    programme_announcement = post_announcement(org_facilitator, None, "Our call", "Thursday",
                                               cohort_id=programme_cohort.id)
    values = {"programme": programme.slug, "programme_cohort": programme_cohort.id,
              "programme_announcement": programme_announcement.id,
              "org": organisation.slug, "unapproved_org": unapproved.slug, "opportunity": opportunity.id,
              "draft": make_opportunity(organisation, people["employer"], publish=False).id, "removed": removed.id,
              "application": application.id, "employer": people["employer"].id, "cohort": cohort.id,
              "partner_course": partner_course.slug}
    return people, values


@pytest.mark.parametrize("role", EMPLOYER_ROLES)
@pytest.mark.parametrize("endpoint", sorted(EMPLOYER_CASES))
def test_employer_permissions(client, employer_world, endpoint, role):
    people, values = employer_world
    method, path, expected, *data = EMPLOYER_CASES[endpoint]
    if role != "anonymous":
        log_in(client, people[role])
    form = {key: str(value).format(**values) for key, value in (data[0] if data else {}).items()}
    _assert_outcome(client.open(path.format(**values), method=method, data=form), expected[role])


def test_an_unapproved_employer_cannot_post(client, employer_world):
    people, values = employer_world
    log_in(client, people["unapproved"])
    assert client.get(f"/organisations/{values['unapproved_org']}/opportunities").status_code == 200
    assert client.get(f"/organisations/{values['unapproved_org']}/opportunities/new").status_code == 403
    assert client.post(f"/organisations/{values['unapproved_org']}/opportunities/new", data={
        "title": "A job", "kind": "job", "place": "Lyon", "closes_on": "2026-04-01"}).status_code == 403


def test_a_learner_sees_only_their_own_applications(client, employer_world):
    people, values = employer_world
    other = make_user(display_name="Other Applicant")
    log_in(client, other)
    assert "Hello" not in client.get("/opportunities/my-applications").get_data(as_text=True)
    assert client.get(f"/opportunities/{values['opportunity']}/applications").status_code == 403
    assert client.get(f"/opportunities/{values['draft']}").status_code == 404


# Visibility of a learner's data ------------------------------------------------------------------------

@pytest.fixture()
def cohort():
    course = make_course("alpha")
    other_course = make_course("beta")
    learner = make_user()
    enrol(learner, course)
    peer = make_user()
    enrol(peer, course)
    outsider = make_user()
    enrol(outsider, other_course)
    return {
        "course": course, "learner": learner, "self": learner, "co_learner": peer, "outsider": outsider,
        "facilitator": make_user("facilitator", course=course),
        "other_facilitator": make_user("facilitator", course=other_course),
        "course_team": make_user("course_team", course=course),
        "admin": make_user("admin"),
    }


VISIBLE = {
    # viewer: parts of the learner's data they may see
    "self": {"display_name", "bio", "posts", "full_name", "email", "preferences", "progress", "reflections", "notes"},
    "co_learner": {"display_name", "bio", "posts"},
    "facilitator": {"display_name", "bio", "posts", "full_name", "progress", "reflections"},
    "course_team": {"display_name", "bio", "posts", "progress"},
    "admin": {"display_name", "bio", "posts", "full_name", "email", "preferences", "progress"},
    "outsider": set(),
    "other_facilitator": set(),
}


@pytest.mark.parametrize("viewer", sorted(VISIBLE))
@pytest.mark.parametrize("what", sorted(policy.VISIBILITY))
def test_visibility_rules(cohort, viewer, what):
    allowed = what in VISIBLE[viewer]
    assert policy.can_see(cohort[viewer], cohort["learner"], what, cohort["course"]) is allowed


def test_nobody_sees_anything_of_a_learner_who_left(cohort):
    from moocplatform.learning.services import leave_course

    leave_course(cohort["learner"], cohort["course"])
    assert not policy.can_see(cohort["facilitator"], cohort["learner"], "progress", cohort["course"])
    assert not policy.can_see(cohort["co_learner"], cohort["learner"], "display_name")
    assert policy.can_see(cohort["learner"], cohort["learner"], "notes")


def test_anonymous_sees_nothing(cohort):
    from flask_login import AnonymousUserMixin

    for what in policy.VISIBILITY:
        assert not policy.can_see(AnonymousUserMixin(), cohort["learner"], what)


def test_person_page_shows_only_permitted_fields(client, cohort):
    learner = cohort["learner"]
    learner.full_name = "Full Name For Certificates"
    learner.bio = "I like learning."
    db.session.flush()
    log_in(client, cohort["co_learner"])
    assert client.get(f"/people/{learner.id}").status_code == 404  # hidden until the learner shows it
    from moocplatform.people.services import update_settings
    update_settings(learner, learner, visibility="course_mates", allow_messages=False, links=[])
    page = client.get(f"/people/{learner.id}").get_data(as_text=True)
    assert "I like learning." in page
    assert "Full Name For Certificates" not in page and learner.email not in page
    log_in(client, cohort["facilitator"])
    page = client.get(f"/people/{learner.id}").get_data(as_text=True)
    assert "Full Name For Certificates" in page and learner.email not in page
    log_in(client, cohort["admin"])
    assert learner.email in client.get(f"/people/{learner.id}").get_data(as_text=True)
    log_in(client, cohort["outsider"])
    assert client.get(f"/people/{learner.id}").status_code == 404


def test_suspended_user_is_logged_out(client, cohort):
    from moocplatform.admin.services import suspend_user

    log_in(client, cohort["learner"])
    assert client.get("/my-learning").status_code == 200
    suspend_user(None, cohort["learner"])
    response = client.get("/my-learning")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
