"""The parser of Vietnamese legal-document headings, on drafts shaped like real ones."""

from __future__ import annotations

import pytest

from consultation.demo import DRAFT_TEXT
from consultation.parser import parse_draft
from live.errors import InvalidMessage

# A draft law as ministries publish it for comment: the grounds in the preamble, chapter titles
# on their own line in capitals, sections ("Mục"), an inserted article ("Điều 6a"), points
# under clauses, a paragraph continuing a clause, and numbers inside sentences that are not
# clause headings. Typed as pasted from a word processor: CRLF, tabs and non-breaking spaces.
DRAFT_LAW = (
    "QUỐC HỘI\r\n"
    "Luật số: /2025/QH15\r\n"
    "DỰ THẢO 2\r\n"
    "LUẬT\r\n"
    "SỬA ĐỔI, BỔ SUNG MỘT SỐ ĐIỀU CỦA LUẬT CÔNG CHỨNG\r\n"
    "Căn cứ Hiến pháp nước Cộng hòa xã hội chủ nghĩa Việt Nam;\r\n"
    "Quốc hội ban hành Luật sửa đổi, bổ sung một số điều của Luật Công chứng số 46/2024/QH15.\r\n"
    "\r\n"
    "Chương I\r\n"
    "NHỮNG QUY ĐỊNH CHUNG\r\n"
    "\r\n"
    "Điều 1. Phạm vi điều chỉnh\r\n"
    "Luật này quy định về công chứng viên, tổ chức hành nghề công chứng.\r\n"
    "Điều 2.\tGiải thích từ ngữ\r\n"
    "Trong Luật này, các từ ngữ dưới đây được hiểu như sau:\r\n"
    "1. Công chứng là việc công chứng viên chứng nhận tính hợp pháp của giao dịch.\r\n"
    "2. Công chứng điện tử là việc công chứng được thực hiện bằng phương tiện điện tử:\r\n"
    "a) Công chứng điện tử trực tiếp;\r\n"
    "b)\u00a0Công chứng điện tử trực tuyến.\r\n"
    "Việc công chứng điện tử thực hiện theo lộ trình do Chính phủ quy định.\r\n"
    "\r\n"
    "Chương II: CÔNG CHỨNG VIÊN\r\n"
    "Mục 1\r\n"
    "TIÊU CHUẨN CÔNG CHỨNG VIÊN\r\n"
    "Điều 5. Tiêu chuẩn công chứng viên\r\n"
    "1. Có bằng cử nhân luật.\r\n"
    "2. Có thời gian công tác pháp luật từ 03 năm trở lên;\r\n"
    "năm 2026. là thời điểm áp dụng quy định này.\r\n"
    "Điều 6a. Người được miễn đào tạo nghề công chứng\r\n"
    "1. Người đã có thời gian làm thẩm phán từ 05 năm trở lên.\r\n"
    "Mục 2. BỔ NHIỆM CÔNG CHỨNG VIÊN\r\n"
    "Điều 7. Hồ sơ đề nghị bổ nhiệm\r\n"
    "Hồ sơ gồm:\r\n"
    "1. Đơn đề nghị bổ nhiệm.\r\n"
    "\r\n"
    "Chương III\r\n"
    "ĐIỀU KHOẢN THI HÀNH\r\n"
    "Điều 8. Hiệu lực thi hành\r\n"
    "Luật này có hiệu lực thi hành từ ngày 01 tháng 7 năm 2026.\r\n"
)


def test_a_draft_law_is_split_into_chapters_articles_and_clauses():
    parsed = parse_draft(DRAFT_LAW)

    assert [(c.number, c.title) for c in parsed.chapters] == [
        ("I", "NHỮNG QUY ĐỊNH CHUNG"),
        ("II", "CÔNG CHỨNG VIÊN"),
        ("III", "ĐIỀU KHOẢN THI HÀNH"),
    ]
    assert [(a.number, a.title, a.chapter) for a in parsed.articles] == [
        ("1", "Phạm vi điều chỉnh", 0),
        ("2", "Giải thích từ ngữ", 0),
        ("5", "Tiêu chuẩn công chứng viên", 1),
        ("6a", "Người được miễn đào tạo nghề công chứng", 1),
        ("7", "Hồ sơ đề nghị bổ nhiệm", 1),
        ("8", "Hiệu lực thi hành", 2),
    ]
    assert parsed.preamble.startswith("QUỐC HỘI\nLuật số: /2025/QH15")
    assert "Căn cứ Hiến pháp" in parsed.preamble


def test_clauses_keep_their_points_and_continuation_lines():
    article = parse_draft(DRAFT_LAW).articles[1]

    assert article.body == "Trong Luật này, các từ ngữ dưới đây được hiểu như sau:"
    assert [c.number for c in article.clauses] == ["1", "2"]
    assert article.clauses[1].text == (
        "Công chứng điện tử là việc công chứng được thực hiện bằng phương tiện điện tử:\n"
        "a) Công chứng điện tử trực tiếp;\n"
        "b) Công chứng điện tử trực tuyến.\n"
        "Việc công chứng điện tử thực hiện theo lộ trình do Chính phủ quy định."
    )


def test_a_number_inside_a_sentence_is_not_a_clause():
    article = parse_draft(DRAFT_LAW).articles[2]

    assert [c.number for c in article.clauses] == ["1", "2"]
    assert article.clauses[1].text.endswith("năm 2026. là thời điểm áp dụng quy định này.")


def test_sections_are_kept_on_their_articles_and_reset_by_a_chapter():
    articles = parse_draft(DRAFT_LAW).articles

    assert articles[2].section == "Mục 1. TIÊU CHUẨN CÔNG CHỨNG VIÊN"
    assert articles[3].section == "Mục 1. TIÊU CHUẨN CÔNG CHỨNG VIÊN"
    assert articles[4].section == "Mục 2. BỔ NHIỆM CÔNG CHỨNG VIÊN"
    assert articles[5].section == ""


def test_the_demo_draft_parses_with_its_points():
    parsed = parse_draft(DRAFT_TEXT)

    assert len(parsed.chapters) == 3
    assert [a.number for a in parsed.articles] == ["1", "2", "3", "4", "5"]
    clause = parsed.articles[2].clauses[0]
    assert clause.text.splitlines()[1:] == [
        "a) 06 tháng nếu không phải di chuyển chỗ ở;",
        "b) 12 tháng nếu phải di chuyển chỗ ở.",
    ]


def test_articles_without_chapters_are_accepted():
    parsed = parse_draft("Điều 1. Một\nNội dung.\nĐiều 2: Hai\n1. Khoản một.")

    assert parsed.chapters == []
    assert [(a.number, a.title, a.chapter) for a in parsed.articles] == [
        ("1", "Một", None),
        ("2", "Hai", None),
    ]


@pytest.mark.parametrize("text", ["", "Chương I\nQUY ĐỊNH CHUNG\n1. Không có điều nào."])
def test_a_text_without_articles_is_refused(text):
    with pytest.raises(InvalidMessage) as refused:
        parse_draft(text)

    assert refused.value.code == "no_articles"
