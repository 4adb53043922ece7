"""The Atom feed of published answers, for agency portals and feed readers."""

from __future__ import annotations

from datetime import datetime

from django.contrib.syndication.views import Feed
from django.core.validators import slug_re
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import linebreaks
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from dialogue import selectors
from dialogue.models import Question
from events.models import Agency


class PublishedAnswersFeed(Feed[Question, Agency | None]):
    """Every answer published in an archive, newest first; `?agency=<slug>` narrows it."""

    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest) -> Agency | None:
        slug = request.GET.get("agency", "")
        if not slug:
            return None
        if not slug_re.fullmatch(slug):  # never a query with what no slug holds (NUL)
            raise Http404
        agency = Agency.objects.filter(slug=slug).first()
        if agency is None:
            raise Http404
        return agency

    def title(self, agency: Agency | None) -> str:
        name = agency.name if agency else _("Policy and law dialogues")
        return _("Published answers · %(name)s") % {"name": name}

    def subtitle(self, agency: Agency | None) -> str:
        return _("Answers of agencies to citizens' questions on policy and law.")

    def link(self, agency: Agency | None) -> str:
        return agency.get_absolute_url() if agency else reverse("dialogue:catalogue")

    def items(self, agency: Agency | None) -> list[Question]:
        return selectors.published_answers(agency=agency, limit=50)

    def item_title(self, item: Question) -> str:
        return Truncator(item.text).chars(120)

    def item_description(self, item: Question) -> str:
        # Feed readers show the summary as HTML: the official's plain text is escaped first.
        return linebreaks(item.answer.body, autoescape=True)

    def item_link(self, item: Question) -> str:
        return reverse("dialogue:archive", args=[item.event.slug]) + f"#q{item.pk}"

    def item_guid(self, item: Question) -> str:
        return f"tag:doithoai,2025:answer:{item.answer.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: Question) -> datetime | None:
        return item.answer.published_at

    def item_updateddate(self, item: Question) -> datetime:
        return item.answer.updated_at

    def item_author_name(self, item: Question) -> str:
        return item.event.agency.name

    def item_categories(self, item: Question) -> list[str]:
        return [item.event.get_legal_field_display()]
