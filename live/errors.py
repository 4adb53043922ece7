"""Domain errors with stable machine codes; views and consumers turn them into answers."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A refused action. `code` is stable and documented; `message` is for people."""

    code = "error"
    default_message = _("The action could not be completed.")

    def __init__(self, message: str | None = None, *, code: str | None = None) -> None:
        self.message = str(message if message is not None else self.default_message)
        if code:
            self.code = code
        super().__init__(self.message)


class InvalidMessage(DomainError):
    code = "invalid_message"
    default_message = _("The message is not valid.")


class NotAllowed(DomainError):
    code = "not_allowed"
    default_message = _("You are not allowed to do that.")


class NotFound(DomainError):
    code = "not_found"
    default_message = _("It does not exist or is not visible to you.")


class QuestionsClosed(DomainError):
    code = "questions_closed"
    default_message = _("This dialogue is not accepting questions now.")


class VotingClosed(DomainError):
    code = "voting_closed"
    default_message = _("Voting is closed for this dialogue.")


class RateLimited(DomainError):
    code = "rate_limited"
    default_message = _("Too many requests. Please wait a moment.")


class Conflict(DomainError):
    code = "conflict"
    default_message = _("Someone else changed this first. The view has been refreshed.")


class InvitationRefused(DomainError):
    """An invitation that cannot be accepted; `code` says why (expired, revoked, used...)."""

    code = "invitation_refused"
    default_message = _("This invitation cannot be accepted.")


class Unavailable(DomainError):
    """The database could not be reached (a restart): nothing was stored; send it again."""

    code = "unavailable"
    default_message = _("The service is briefly unavailable. Nothing was saved; please try again.")
