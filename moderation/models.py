"""The moderators' audit log, the screening lists and agency-wide bans."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dialogue.models import Participant, Question
from events.models import Agency, Event


class ModerationLog(models.Model):
    """One moderation action: who did what to which question or comment, and what it was before.

    A comment on a draft (consultation/) is screened like a question and logged here too; the
    comment of a standing draft, outside any dialogue, has no `event`.
    """

    class Action(models.TextChoices):
        APPROVE = "approve", _("Approved")
        REJECT = "reject", _("Rejected")
        EDIT = "edit", _("Edited")
        MERGE = "merge", _("Merged")
        TAG = "tag", _("Tagged")
        ROUTE = "route", _("Routed")
        STAGE = "stage", _("Moved on stage")
        STAR = "star", _("Starred")
        MODES = "modes", _("Changed the dialogue's modes")
        BAN = "ban", _("Banned a participant")
        UNBAN = "unban", _("Lifted a ban")
        ANSWER = "answer", _("Answered")
        STATUS = "status", _("Changed the dialogue's status")
        NOTE = "note", _("Changed the live note")
        DETAILS = "details", _("Changed the dialogue's details")
        ADMIN = "admin", _("Changed in the administration")
        EXTEND = "extend", _("Extended the date due")

    event = models.ForeignKey(
        Event, null=True, blank=True, on_delete=models.CASCADE, related_name="moderation_log"
    )
    question = models.ForeignKey(
        Question, null=True, blank=True, on_delete=models.SET_NULL, related_name="moderation_log"
    )
    # By name, not by import: the consultation app reads moderation, never the other way round.
    comment = models.ForeignKey(
        "consultation.Comment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="moderation_log",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(_("action"), max_length=8, choices=Action.choices)
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("moderation log entry")
        verbose_name_plural = _("moderation log")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor} {self.get_action_display()}"

    @property
    def changes(self) -> list[tuple[str, Any, Any]]:
        """Each field whose value differs between before and after: (name, before, after)."""
        names = sorted(set(self.before) | set(self.after))
        return [
            (name, self.before.get(name), self.after.get(name))
            for name in names
            if self.before.get(name) != self.after.get(name)
        ]

    @property
    def lists_changes(self) -> bool:
        """Whether the log page shows this entry as its changed fields (not a question's text)."""
        return self.action in (self.Action.NOTE, self.Action.DETAILS, self.Action.ADMIN)


class BannedWord(models.Model):
    """A word or phrase that flags a question for the moderators; per agency, or for everyone."""

    agency = models.ForeignKey(
        Agency,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="banned_words",
        help_text=_("Empty: applies to every agency."),
    )
    phrase = models.CharField(_("word or phrase"), max_length=80)

    class Meta:
        verbose_name = _("banned word")
        verbose_name_plural = _("banned words")
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "phrase"], name="one_banned_phrase_per_agency"
            )
        ]

    def __str__(self) -> str:
        return self.phrase


class AgencyBan(models.Model):
    """A signed-in person barred from every dialogue of an agency."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="bans")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    banned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("agency ban")
        verbose_name_plural = _("agency bans")
        constraints = [
            models.UniqueConstraint(fields=["agency", "user"], name="one_ban_per_agency")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.agency}"


class DueReminder(models.Model):
    """The reminder sent to an official before a written answer falls due, sent once.

    One row per question, written in the transaction that queues the email: a second run of the
    daily job, or a retried task, finds it and sends nothing.
    """

    question = models.OneToOneField(Question, on_delete=models.CASCADE, related_name="reminder")
    official = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField(_("sent at"))

    class Meta:
        verbose_name = _("written answer reminder")
        verbose_name_plural = _("written answer reminders")

    def __str__(self) -> str:
        return f"#{self.question_id} · {self.sent_at:%Y-%m-%d %H:%M}"


__all__ = ["AgencyBan", "BannedWord", "DueReminder", "ModerationLog", "Participant"]


class DueEscalation(models.Model):
    """An overdue written answer reported to the organisers of its agency, once.

    One row per question, written in the transaction that queues the emails, as for reminders:
    a second run of the daily job, or a retried task, finds it and sends nothing.
    """

    question = models.OneToOneField(Question, on_delete=models.CASCADE, related_name="escalation")
    sent_at = models.DateTimeField(_("sent at"))
    # How many organisers were told (their addresses are not kept here).
    recipients = models.PositiveSmallIntegerField(_("organisers told"), default=0)

    class Meta:
        verbose_name = _("overdue answer escalation")
        verbose_name_plural = _("overdue answer escalations")

    def __str__(self) -> str:
        return f"{self.question_id} · {self.sent_at:%Y-%m-%d}"
