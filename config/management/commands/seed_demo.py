"""`manage.py seed_demo`: the demo data of `config/demo.json`, created through the services.

It lives in `config`, which may import every app: the demo asks through `dialogue`, moderates
through `moderation` and puts a draft out for comment through `consultation`.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.base import SessionBase
from django.contrib.sites.models import Site
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.demo import (
    ANSWERED,
    LIVE_SLUG,
    PASSWORD,
    REJECTED,
    SITE_DOMAIN,
    SITE_NAME,
    Ask,
    DemoAccount,
    DemoAgency,
    DemoEvent,
    load,
    schedule_for,
    seed_past_dialogues,
    system_actor,
)
from consultation.demo import create_demo_draft, delete_demo_drafts
from dialogue import services
from dialogue.models import Participant, Question
from events.models import Agency, AgencyChange, AgencyMembership, Event, EventRole, User
from events.services import agencies as agency_services
from law.demo import create_demo_library, delete_demo_library
from moderation import record
from moderation import services as moderation


class Command(BaseCommand):
    """Create the demo data once; with --reset, delete it and create it again."""

    # Lazy, so that it is translated into the language active when it is shown; argparse needs
    # plain strings, so create_parser renders it.
    help: str = _(  # type: ignore[assignment]
        "Create demo agencies, dialogues, questions, votes and one account per role "
        "(password demo12345). Does nothing if the demo data is already present."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        """The command's parser, with the lazy help text rendered for argparse."""
        self.help = str(self.help)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        reset = _("Delete the demo dialogues and accounts first, then create them again.")
        parser.add_argument("--reset", action="store_true", help=str(reset))

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            Site.objects.update_or_create(pk=1, defaults={"domain": SITE_DOMAIN, "name": SITE_NAME})
            Site.objects.clear_cache()
            if options["reset"]:
                self._delete()
            elif Agency.objects.filter(slug=load().main_agency.slug).exists():
                slug = load().main_agency.slug
                self.stdout.write(
                    f"Demo data is already present (agency {slug!r}); nothing to do. "
                    "Run with --reset to recreate it."
                )
                self._print_summary()
                return
            self._create()
        self.stdout.write(self.style.SUCCESS("Demo data created."))
        self._print_summary()

    # --- Deleting ---------------------------------------------------------------------------

    def _delete(self) -> None:
        """Delete the demo events (with their questions and votes) and the demo accounts."""
        slugs = [spec.slug for spec in load().events]
        agencies = list(load().agencies)

        delete_demo_drafts(agency_slugs=agencies)
        # The demo's merges and renames are made again; other agencies' history is kept.
        AgencyChange.objects.filter(agency__slug__in=agencies).delete()
        delete_demo_library()
        events = Event.objects.filter(Q(agency__slug__in=agencies) | Q(slug__in=slugs))
        count = events.count()
        events.delete()
        User.objects.filter(email__in=[account.email for account in load().accounts]).delete()
        self.stdout.write(f"Deleted {count} demo dialogues and the demo accounts.")

    # --- Creating ---------------------------------------------------------------------------

    def _create(self) -> None:
        """Create the accounts, the agencies and the five dialogues with their questions."""
        specs = load().events
        taken = Event.objects.filter(slug__in=[spec.slug for spec in specs])
        if taken.exists():
            raise CommandError(
                "These dialogue slugs are already used outside the demo: "
                f"{', '.join(taken.values_list('slug', flat=True))}. Run with --reset."
            )
        users = {account.key: self._account(account) for account in load().accounts}
        agencies = {demo.slug: self._agency(demo) for demo in load().agencies.values()}
        for demo in load().agencies.values():
            if demo.parent is not None:
                agencies[demo.slug].parent = agencies[demo.parent]
                agencies[demo.slug].save(update_fields=["parent"])
        now = timezone.now()
        schedule = schedule_for(now)
        for spec in specs:
            event = Event.objects.create(
                agency=agencies[spec.agency.slug],
                slug=spec.slug,
                title=spec.title,
                description=spec.description,
                status=spec.status,
                moderation_mode=spec.moderation_mode,
                allow_anonymous=spec.allow_anonymous,
                question_max_length=spec.question_max_length,
                **schedule[spec.slug],
            )
            if spec.asks:
                self._fill(event, spec, users, now)
            # Staff roles: the moderator and the official work on every demo dialogue.
            EventRole.objects.create(
                event=event, user=users["bientap"], role=EventRole.Role.MODERATOR
            )
            EventRole.objects.create(
                event=event,
                user=users["canbo"],
                role=EventRole.Role.OFFICIAL,
                title="Phó Giám đốc Sở Tư pháp",
            )
        seed_past_dialogues(agencies, users["canbo"], now)
        create_demo_library()
        for agency in agencies.values():
            AgencyMembership.objects.create(
                agency=agency, user=users["tochuc"], role=AgencyMembership.Role.ORGANISER
            )
        self._merge(agencies, users["tochuc"])

        create_demo_draft(
            event=Event.objects.get(slug=LIVE_SLUG),
            organiser=users["tochuc"],
            moderator=users["bientap"],
            official=users["canbo"],
        )

    def _account(self, account: DemoAccount) -> User:
        """Create the account (or bring an existing one back to the demo state) and its email."""
        user = User.objects.filter(email__iexact=account.email).first()
        if user is None and account.is_superuser:
            user = User.objects.create_superuser(
                account.email, PASSWORD, display_name=account.display_name
            )
        elif user is None:
            user = User.objects.create_user(
                account.email,
                PASSWORD,
                display_name=account.display_name,
                is_staff=account.is_staff,
            )
        else:
            user.display_name = account.display_name
            user.is_staff = account.is_staff
            user.is_superuser = account.is_superuser
            user.is_active = True
            user.set_password(PASSWORD)
            user.save()
        EmailAddress.objects.filter(user=user).exclude(email=user.email).update(primary=False)
        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
        return user

    def _agency(self, demo: DemoAgency) -> Agency:
        """Create the agency, or bring an existing one back to the demo state (not merged)."""
        agency, _created = Agency.objects.update_or_create(
            slug=demo.slug,
            defaults={
                "name": demo.name,
                "description": demo.description,
                "parent": None,
                "merged_into": None,
            },
        )
        return agency

    def _merge(self, agencies: dict[str, Agency], organiser: User) -> None:
        """The merges of 1 July 2025, made through the service as an organiser of both, and
        dated the day they took effect (the demo is made later than that)."""
        for demo in load().agencies.values():
            if demo.merged_into is None or demo.merged_on is None:
                continue
            change = agency_services.merge_agencies(
                actor=organiser, agency=agencies[demo.slug], into=agencies[demo.merged_into]
            )
            on = datetime.fromisoformat(demo.merged_on)
            AgencyChange.objects.filter(pk=change.pk).update(
                at=on.replace(tzinfo=timezone.get_current_timezone())
            )

    def _fill(self, event: Event, spec: DemoEvent, users: dict[str, User], now: datetime) -> None:
        """Ask, moderate and vote through the services, as the audience and moderators would."""
        # The services only accept questions and votes while an event is open, and every
        # question should go through moderation, so open the event in pre-moderation for now.
        Event.objects.filter(pk=event.pk).update(
            status=Event.Status.LIVE, moderation_mode=Event.Moderation.PRE
        )
        event.refresh_from_db()
        people: dict[str, Participant] = {}
        for who in [ask.who for ask in spec.asks] + list(spec.voters):
            if who not in people:
                people[who] = self._join(event, who, users)

        questions: list[Question] = []
        actor = system_actor()
        for ask in spec.asks:
            question = services.ask_question(
                participant=people[ask.who],
                text=ask.text,
                client_id=uuid.uuid4(),
                anonymous=ask.anonymous,
            )
            # Moderated as the demo's system account: audited and announced, like a moderator's.
            if ask.status in Question.PUBLIC_STATUSES:
                question = moderation.do_approve_question(
                    actor=actor, event=event, question_id=question.pk
                )
            elif ask.status == REJECTED:
                question = moderation.do_reject_question(
                    actor=actor,
                    event=event,
                    question_id=question.pk,
                    reason=Question.RejectionReason.OFF_TOPIC,
                )
            questions.append(question)

        rng = random.Random(spec.slug)  # noqa: S311 -- repeatable demo data, not a secret
        for ask, question in zip(spec.asks, questions, strict=True):
            others = [person for person in people.values() if person.pk != question.author_id]
            if ask.votes > len(others):
                raise CommandError(f"Not enough demo voters in {spec.slug} for {ask.votes} votes.")
            for voter in rng.sample(others, ask.votes):
                services.vote(participant=voter, question_id=question.pk)
            self._settle(question, ask, event, spec, now)

        Event.objects.filter(pk=event.pk).update(
            status=spec.status, moderation_mode=spec.moderation_mode
        )
        event.refresh_from_db()

    def _join(self, event: Event, who: str, users: dict[str, User]) -> Participant:
        """Join the event as a demo account ("@key") or as an anonymous nickname."""
        if who.startswith("@"):
            return services.join_event(event=event, user=users[who[1:]], session=None)
        # A fresh in-memory session per nickname: each one is a separate anonymous browser.
        return services.join_event(
            event=event, user=AnonymousUser(), session=SessionBase(), nickname=who, consented=True
        )

    def _settle(
        self, question: Question, ask: Ask, event: Event, spec: DemoEvent, now: datetime
    ) -> None:
        """Answer the question live if the demo says so, and give it the moment it was asked.

        Answered through its record (moderation/record.py), as a moderator on stage would: the
        live answer is published, and the status, time and kind of the answer stored together.
        """
        if ask.status == ANSWERED:
            with transaction.atomic():
                locked = record.lock(event, question.pk)
                record.queue(actor=system_actor(), event=event, question=locked, stage="answered")
        if ask.at is not None:
            asked = min(event.starts_at + timedelta(minutes=ask.at), now)
            Question.objects.filter(pk=question.pk).update(created_at=asked)

    # --- Output -----------------------------------------------------------------------------

    def _print_summary(self) -> None:
        """Print the demo accounts as a table, and the address of the live dialogue."""
        rows = [("Role", "Email", "Password", "Name")]
        rows += [(a.role, a.email, PASSWORD, a.display_name) for a in load().accounts]
        widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
        rule = "+" + "+".join("-" * (width + 2) for width in widths) + "+"
        self.stdout.write("")
        self.stdout.write(rule)
        for index, row in enumerate(rows):
            cells = zip(row, widths, strict=True)
            self.stdout.write("| " + " | ".join(cell.ljust(width) for cell, width in cells) + " |")
            if index == 0:
                self.stdout.write(rule)
        self.stdout.write(rule)
        self.stdout.write(
            "Staff accounts (admin, moderator, official, organiser) set up an authenticator app "
            "(TOTP) the first time they open a staff page; citizens never need one."
        )
        live = Event.objects.filter(slug=LIVE_SLUG).first()
        path = live.get_absolute_url() if live else f"/e/{LIVE_SLUG}/"
        self.stdout.write("")
        self.stdout.write(
            "Live demo dialogue: " + self.style.SUCCESS(f"http://{SITE_DOMAIN}{path}")
        )
