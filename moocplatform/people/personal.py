"""People's personal data: a profile and the blocks a person made are theirs (exported, deleted with the
account); blocks of them by others and reports about them go with the account too; reports they made are
exported and deleted (the administrators' decisions are in the audit log)."""
from __future__ import annotations

import sqlalchemy as sa

from ..personal_data import delete_rows, register, register_owned, rows_as_dicts
from .models import Block, Profile, ProfileReport

register_owned(Profile, section="people_profile",
               reason="who sees the profile, whether co-learners may write, the profile's links")
register(Block, section="people_blocks", rule="delete",
         export=lambda user: rows_as_dicts(Block, Block.blocker_id == user.id),
         erase=lambda user: delete_rows(Block, sa.or_(Block.blocker_id == user.id, Block.blocked_id == user.id)),
         reason="a block is between two people: it ends when either account does")
register(ProfileReport, section="people_profile_reports", rule="delete",
         export=lambda user: rows_as_dicts(ProfileReport, ProfileReport.reporter_id == user.id),
         erase=lambda user: delete_rows(ProfileReport, sa.or_(ProfileReport.reporter_id == user.id,
                                                              ProfileReport.subject_id == user.id)),
         reason="a report is the reporter's; the administrators' decisions are in the audit log")
