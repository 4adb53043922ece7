from __future__ import annotations

from moderation.screening import banned_words_in, fold, likely_duplicates


def test_folding_removes_case_and_diacritics_including_d_bar():
    assert fold("Đất Đai NĂM 2024") == "dat dai nam 2024"


def test_banned_words_match_with_and_without_diacritics():
    phrases = ["đéo", "óc chó"]
    assert banned_words_in("Trả lời đéo gì vậy", phrases) == ["đéo"]
    assert banned_words_in("tra loi deo gi vay", phrases) == ["đéo"]
    assert banned_words_in("Đồ ÓC CHÓ", phrases) == ["óc chó"]
    assert banned_words_in("do oc cho", phrases) == ["óc chó"]


def test_a_word_typed_with_other_diacritics_is_not_flagged():
    # "đeo" (to wear) is a different word from the banned "đéo".
    assert banned_words_in("Có phải đeo khẩu trang khi làm thủ tục không?", ["đéo"]) == []
    # Whole words only: "vl" inside another word is not a match.
    assert banned_words_in("Hồ sơ vlxd", ["vl"]) == []


def test_likely_duplicates_ignore_diacritics_case_and_word_order():
    others = {
        1: "Thủ tục tách thửa đất nông nghiệp như thế nào?",
        2: "Bảng giá đất mới áp dụng từ khi nào?",
    }
    found = likely_duplicates("thu tuc tach thua dat nong nghiep nhu the nao", others)
    assert [pk for pk, _score in found] == [1]
    assert likely_duplicates("Lệ phí trước bạ xe máy", others) == []
