"""The matcher finds the article that answers a question, however a person types it."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from law.demo import create_demo_library
from law.evaluation import entries_of
from law.matching import Index, rank_articles, shipped_thesaurus, strip_narrative
from law.models import Article, LegalDocument, SynonymSet
from law.services import DocumentFacts, import_document
from law.text import fold
from tests.law.conftest import DATA, LAW_TEXT

pytestmark = pytest.mark.django_db


def best(question: str, **kwargs: object) -> tuple[str, str]:
    return rank_articles(question, **kwargs)[0].key  # type: ignore[arg-type]


def test_a_question_typed_without_diacritics_finds_its_article(library: None) -> None:
    assert best("chong co duoc yeu cau ly hon khi vo dang co thai khong") == (
        "luat-hon-nhan-va-gia-dinh-2014",
        "51",
    )


def test_the_thesaurus_reads_a_persons_words_in_the_laws_words(library: None) -> None:
    # "bỏ nhau" is how people say "ly hôn"; neither question word is in Article 55's text.
    assert best("Hai vợ chồng cùng đồng ý bỏ nhau thì tòa án công nhận thế nào?") == (
        "luat-hon-nhan-va-gia-dinh-2014",
        "55",
    )


def test_narrative_around_a_question_is_set_aside() -> None:
    folded = strip_narrative(
        fold("Chào luật sư, tôi là Nguyễn Văn A, cho tôi hỏi về di sản. Xin cảm ơn!")
    )
    assert "luat su" not in folded
    assert "nguyen van" not in folded
    assert "cam on" not in folded
    assert "di san" in folded


def test_a_question_naming_a_document_leans_to_its_articles() -> None:
    entries = entries_of(
        [
            {
                "law_id": "a",
                "law_title": "Luật Cư trú",
                "article": "1",
                "heading": "Phạm vi",
                "text": "Luật này quy định về việc đăng ký thường trú.",
            },
            {
                "law_id": "b",
                "law_title": "Luật Hộ tịch",
                "article": "1",
                "heading": "Phạm vi",
                "text": "Luật này quy định về việc đăng ký thường trú và hộ tịch.",
            },
        ]
    )
    index = Index(entries)
    assert index.search("Theo Luật Cư trú, đăng ký thường trú ở đâu?")[0].key == ("a", "1")


def test_a_dialogues_legal_field_leans_to_its_documents() -> None:
    entries = entries_of(
        [
            {
                "law_id": "a",
                "law_title": "A",
                "article": "1",
                "text": "thời hạn giải quyết",
                "legal_field": "land",
            },
            {
                "law_id": "b",
                "law_title": "B",
                "article": "1",
                "text": "thời hạn giải quyết",
                "legal_field": "family",
            },
        ]
    )
    index = Index(entries)
    assert index.search("thời hạn giải quyết", legal_field="family")[0].key == ("b", "1")
    assert index.search("thời hạn giải quyết", legal_field="land")[0].key == ("a", "1")


def test_staff_extend_the_thesaurus_and_the_next_search_uses_it(library: None) -> None:
    question = "thủ tục giải quyết bỏ vợ"
    SynonymSet.objects.create(terms="bỏ vợ\nyêu cầu tòa án giải quyết ly hôn")
    assert best(question) == ("luat-hon-nhan-va-gia-dinh-2014", "51")


def test_the_index_follows_the_library_as_it_changes(django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    assert rank_articles("yêu cầu ly hôn") == []
    with django_capture_on_commit_callbacks(execute=True):
        import_document(facts=DocumentFacts(title="Luật Hôn nhân và gia đình"), text=LAW_TEXT)
    assert best("vợ đang có thai, chồng có quyền yêu cầu ly hôn không")[1] == "51"
    with django_capture_on_commit_callbacks(execute=True):
        LegalDocument.objects.all().delete()
    assert rank_articles("yêu cầu ly hôn") == []


def test_the_shipped_thesaurus_is_loaded_into_the_admins_table() -> None:
    stored = {tuple(s.term_list) for s in SynonymSet.objects.all()}
    assert ("ly hôn", "ly dị", "bỏ nhau", "chấm dứt hôn nhân") in stored
    assert len(stored) == len(shipped_thesaurus())


def test_the_evaluation_prints_both_rankers_and_ends_with_the_hit_at_five_line() -> None:
    out = StringIO()
    call_command(
        "evaluate_legal_search", str(DATA / "laws.jsonl"), str(DATA / "questions.jsonl"), stdout=out
    )
    lines = out.getvalue().strip().splitlines()
    assert lines[0] == "12 articles, 5 questions (3 page-)"
    assert any(line.startswith("baseline (plain BM25)") for line in lines)
    assert any(line.startswith("ranker") for line in lines)
    assert "page: n=3 hit@1=" in out.getvalue()
    assert lines[-1] == "hit@5 all=1.00 page=1.00"
    assert not LegalDocument.objects.exists()


def test_the_evaluation_says_page_is_not_measured_without_page_questions(tmp_path) -> None:  # type: ignore[no-untyped-def]
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        '{"qid": "x1", "question": "Di sản gồm những gì?", '
        '"relevant": [{"law_id": "bo-luat-dan-su-2015", "article": "612"}]}\n'
    )
    out = StringIO()
    call_command("evaluate_legal_search", str(DATA / "laws.jsonl"), str(questions), stdout=out)
    assert out.getvalue().strip().splitlines()[-1] == "hit@5 all=1.00 page=n/a"


@pytest.mark.django_db(transaction=True)
def test_a_change_made_elsewhere_is_picked_up_while_the_old_index_answers() -> None:
    import time

    from django.core.cache import cache

    from law import matching

    create_demo_library()
    matching.library_changed()
    question = "vợ đang có thai, chồng có quyền yêu cầu ly hôn không"
    assert best(question)[1] == "51"
    # Another process empties the law (an update sends no signal here) and says so.
    family = "luat-hon-nhan-va-gia-dinh-2014"
    LegalDocument.objects.filter(slug=family).update(title="X")
    Article.objects.filter(document__slug=family).update(heading="", text="")
    cache.set(matching.VERSION_KEY, "changed elsewhere")
    assert best(question)[1] == "51"  # the old index still answers at once
    deadline = time.monotonic() + 30
    while matching._rebuilding and time.monotonic() < deadline:
        time.sleep(0.05)
    assert all(m.key[0] != family for m in rank_articles(question))
