"""Every write of the moderation workflow, one module per use case; the names are all here.

- `questions`: approve, reject, edit, tag, star, route, stage and merge a question
- `answers`: an official takes a question, writes the live note and the written answer
- `citations`: the articles and clauses of the law an answer cites
- `bans`: a participant from a dialogue, an account from an agency's dialogues
- `event_settings`: moderation and voting modes, the stage link
- `polls`: prepare, open and close a poll, show its results on stage
- `audit`: the audit log

The lifecycle of a dialogue has its own module, `moderation/lifecycle.py`.
"""

from __future__ import annotations

from moderation.services.answers import (
    extend_due,
    save_live_note,
    start_answering,
    write_answer,
)
from moderation.services.audit import (
    log_action,
    participant_state,
    question_state,
    record_change,
)
from moderation.services.bans import (
    apply_agency_bans,
    ban_participant,
)
from moderation.services.citations import (
    cite_law,
    remove_citation,
    suggested_law,
)
from moderation.services.event_settings import (
    renew_stage_link,
    set_modes,
)
from moderation.services.polls import (
    close_open_poll,
    close_poll,
    create_poll,
    open_poll,
    reveal_quiz,
    show_poll_on_stage,
)
from moderation.services.questions import (
    StaleVersion,
    approve_question,
    do_approve_question,
    do_reject_question,
    edit_question,
    ensure_can_moderate,
    merge_questions,
    reject_question,
    route_question,
    set_stage,
    star_question,
    tag_question,
)

__all__ = [
    "StaleVersion",
    "apply_agency_bans",
    "approve_question",
    "ban_participant",
    "cite_law",
    "close_open_poll",
    "close_poll",
    "create_poll",
    "do_approve_question",
    "do_reject_question",
    "edit_question",
    "ensure_can_moderate",
    "extend_due",
    "log_action",
    "merge_questions",
    "open_poll",
    "participant_state",
    "question_state",
    "record_change",
    "reject_question",
    "remove_citation",
    "renew_stage_link",
    "reveal_quiz",
    "route_question",
    "save_live_note",
    "set_modes",
    "set_stage",
    "show_poll_on_stage",
    "star_question",
    "start_answering",
    "suggested_law",
    "tag_question",
    "write_answer",
]
