"""Every write of the events app, one module per use case; the names are all here.

- `dialogues`: an agency's dialogues checked, created, edited and copied
- `invitations`: staff invited to a role, and the invitation accepted or revoked
- `accounts`: a person deletes their own account
- `embedding`: the sites that may frame an agency's widget
- `agencies`: an agency renamed, moved under another, or merged into another, audited
"""

from __future__ import annotations

from events.services.accounts import (
    delete_account,
)
from events.services.agencies import (
    merge_agencies,
    move_agency,
    rename_agency,
)
from events.services.dialogues import (
    EVENT_FIELDS,
    MAX_LEGAL_DOCUMENTS,
    RESERVED_SLUGS,
    EventDetails,
    LegalDocumentDetails,
    check_event_details,
    clone_event,
    create_event,
    event_details,
    open_standing_qa,
    update_event,
)
from events.services.embedding import (
    clean_origins,
    set_embed_origins,
)
from events.services.invitations import (
    INVITATION_LIFETIME,
    accept_invitation,
    check_invitation,
    check_invitation_open,
    invitation_token_hash,
    invite_staff,
    revoke_invitation,
)

__all__ = [
    "EVENT_FIELDS",
    "INVITATION_LIFETIME",
    "MAX_LEGAL_DOCUMENTS",
    "RESERVED_SLUGS",
    "EventDetails",
    "LegalDocumentDetails",
    "accept_invitation",
    "check_event_details",
    "check_invitation",
    "check_invitation_open",
    "clean_origins",
    "clone_event",
    "create_event",
    "delete_account",
    "event_details",
    "invitation_token_hash",
    "invite_staff",
    "merge_agencies",
    "move_agency",
    "open_standing_qa",
    "rename_agency",
    "revoke_invitation",
    "set_embed_origins",
    "update_event",
]
