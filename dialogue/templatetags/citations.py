"""`{% answers_citing article %}`: on an article's page in the legal library (law/), the
published answers that cite it, a legal FAQ that grows by itself. The library knows nothing of
dialogues; its page shows them through this tag."""

from __future__ import annotations

from typing import Any

from django import template

from dialogue import selectors
from law.models import Article

register = template.Library()


@register.inclusion_tag("dialogue/_answers_citing.html")
def answers_citing(article: Article) -> dict[str, Any]:
    questions = selectors.answers_citing(article)
    return {
        "article": article,
        "entries": [
            {
                "question": question,
                "citations": [
                    c for c in question.answer.citations.all() if c.article_id == article.pk
                ],
            }
            for question in questions
        ],
    }
