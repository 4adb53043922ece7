"""A short-text poll's word cloud, laid out on the server: every word inside the picture, none
over another, the most frequent the largest and in the middle, the same picture each time, and
an answer's text never read as markup."""

from __future__ import annotations

import re
from xml.etree import ElementTree

from hypothesis import given, settings
from hypothesis import strategies as st

from dialogue import wordcloud
from dialogue.wordcloud import HEIGHT, WIDTH, layout, svg

WORDS = [
    ("Zalo", 40),
    ("Cổng thông tin điện tử", 22),
    ("Facebook", 18),
    ("Báo chí", 15),
    ("Bạn bè", 12),
    ("Truyền hình", 9),
    ("Loa phát thanh", 8),
    ("Tổ dân phố", 7),
]

LETTERS = "aăâbcdđeêghiklmnoôơpqrstuưvxyÁÀẢÃẠẤẦ WM0123456789"
answers = st.lists(
    st.tuples(
        st.text(alphabet=LETTERS, min_size=1, max_size=60).filter(str.strip),
        st.integers(min_value=1, max_value=10_000),
    ),
    min_size=1,
    max_size=30,
)


def overlapping(placed: list[wordcloud.Placed]) -> list[tuple[str, str]]:
    return [
        (a.text, b.text)
        for i, a in enumerate(placed)
        for b in placed[i + 1 :]
        if wordcloud._overlaps(a.box, b.box)
    ]


@settings(max_examples=60, deadline=None)
@given(answers)
def test_every_word_is_inside_and_none_overlaps_another(words):
    placed = layout(words)
    assert placed, "at least the most frequent answer is drawn"
    for word in placed:
        left, top, right, bottom = word.box
        assert left >= 0
        assert top >= 0
        assert right <= WIDTH
        assert bottom <= HEIGHT
    assert overlapping(placed) == []


def test_the_most_frequent_is_the_largest_and_in_the_middle():
    placed = layout(WORDS)
    assert [word.text for word in placed] == [text for text, _count in WORDS]
    sizes = [word.size for word in placed]
    assert sizes == sorted(sizes, reverse=True)
    biggest = placed[0]
    assert abs(biggest.x - WIDTH / 2) < WIDTH * 0.1
    assert abs(biggest.y - HEIGHT / 2) < HEIGHT * 0.1


def test_the_same_answers_give_the_same_picture():
    assert svg(WORDS, label="Nguồn") == svg(list(reversed(WORDS)), label="Nguồn")


def test_thirty_short_answers_are_all_drawn_smaller():
    words = [(f"ý kiến {n}", 30 - n) for n in range(30)]
    placed = layout(words)
    assert len(placed) == 30
    assert overlapping(placed) == []


def test_too_many_long_answers_keep_a_readable_size_and_the_most_frequent():
    words = [(f"một câu trả lời rất dài về thủ tục đất đai số {n}", 60 - n) for n in range(30)]
    placed = layout(words)
    assert 0 < len(placed) < 30
    assert [word.text for word in placed] == [text for text, _count in words[: len(placed)]]
    assert min(word.size for word in placed) >= wordcloud.MIN_SIZE - 0.1


def test_an_answer_is_text_never_markup():
    drawing = svg([('<script>alert("x")</script>', 3), ("a & b", 1)], label='Câu "hỏi" <b>')
    tree = ElementTree.fromstring(drawing)
    texts = [element.text for element in tree.iter("{http://www.w3.org/2000/svg}text")]
    assert texts == ['<script>alert("x")</script>', "a & b"]
    assert "<script" not in drawing
    assert tree.get("aria-label") == 'Câu "hỏi" <b>'


def test_each_word_is_drawn_at_the_width_it_was_laid_out_at():
    # textLength makes the screen's font fit the box, whatever its real letter widths.
    drawing = svg(WORDS, label="Nguồn")
    lengths = [float(value) for value in re.findall(r'textLength="([\d.]+)"', drawing)]
    assert lengths == [round(word.width, 1) for word in layout(WORDS)]
    assert drawing.count('lengthAdjust="spacingAndGlyphs"') == len(WORDS)


def test_no_answers_draw_an_empty_picture():
    assert layout([]) == []
    assert layout([("   ", 4)]) == []
    tree = ElementTree.fromstring(svg([], label="Chưa có câu trả lời"))
    assert list(tree.iter("{http://www.w3.org/2000/svg}text")) == []
