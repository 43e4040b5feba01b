"""Layout: headings, numbering, list items, broken lines, sentences and the pauses between them."""

import pytest

from tts.normalizer import (
    PAUSE_CLAUSE_MS,
    PAUSE_HEADING_MS,
    PAUSE_ITEM_MS,
    PAUSE_NUMBER_MS,
    PAUSE_PARAGRAPH_MS,
    PAUSE_SENTENCE_MS,
    Sentence,
    SpokenText,
    normalize,
)

H, T, N, P, S, C = (
    PAUSE_HEADING_MS,
    PAUSE_ITEM_MS,
    PAUSE_NUMBER_MS,
    PAUSE_PARAGRAPH_MS,
    PAUSE_SENTENCE_MS,
    PAUSE_CLAUSE_MS,
)

LAYOUT_CASES = [
    ("I. MỤC ĐÍCH, YÊU CẦU", [("Một", N), ("Mục đích, yêu cầu", H)]),
    ("I. MỤC ĐÍCH, YÊU CẦU:", [("Một", N), ("Mục đích, yêu cầu", H)]),
    ("II. NỘI DUNG VÀ BIỆN PHÁP THỰC HIỆN", [("Hai", N), ("Nội dung và biện pháp thực hiện", H)]),
    ("III. TỔ CHỨC THỰC HIỆN", [("Ba", N), ("Tổ chức thực hiện", H)]),
    ("IV. KINH PHÍ", [("Bốn", N), ("Kinh phí", H)]),
    ("V. KẾT LUẬN", [("Năm", N), ("Kết luận", H)]),
    ("1. Mục đích", [("Một", N), ("Mục đích", H)]),
    ("1.1. Đối tượng:", [("Một chấm một", N), ("Đối tượng", H)]),
    ("2.2. Hình thức, biện pháp tuyên truyền:", [("Hai chấm hai", N), ("Hình thức, biện pháp tuyên truyền", H)]),
    (
        "3. Thời gian tuyên truyền: giai đoạn 2021-2025.",
        [
            ("Ba", N),
            (
                "Thời gian tuyên truyền, giai đoạn hai nghìn không trăm hai mươi mốt đến hai nghìn không trăm"
                " hai mươi lăm",
                P,
            ),
        ],
    ),
    (
        "a) Nội dung thứ nhất\nb) Nội dung thứ hai",
        [("A", N), ("Nội dung thứ nhất", H), ("Bê", N), ("Nội dung thứ hai", H)],
    ),
    (
        "A. PHẦN MỞ ĐẦU\nB. NỘI DUNG\nC. KẾT LUẬN",
        [("A", N), ("Phần mở đầu", H), ("Bê", N), ("Nội dung", H), ("Xê", N), ("Kết luận", H)],
    ),
    ("X. PHỤ LỤC", [("Mười", N), ("Phụ lục", H)]),
    ("KẾ HOẠCH", [("Kế hoạch", H)]),
    ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", [("Cộng hòa xã hội chủ nghĩa Việt Nam", H)]),
    ("**ỦY BAN NHÂN DÂN\nTHỊ XÃ SA PA**", [("Ủy ban nhân dân", H), ("Thị xã Sa Pa", H)]),
    (
        "**TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH\nPHÓ CHỦ TỊCH**",
        [("Thay mặt Ủy ban nhân dân", H), ("Ký thay chủ tịch", H), ("Phó chủ tịch", H)],
    ),
    ("PHẦN II. ĐẠI HỘI LẦN THỨ XIII", [("Phần hai", S), ("Đại hội lần thứ mười ba", H)]),
    ("## Thông báo\n\nBà con chú ý.", [("Thông báo", H), ("Bà con chú ý", P)]),
    ("Kính gửi:\n\n- UBND các xã, phường.", [("Kính gửi", H), ("Ủy ban nhân dân các xã, phường", T)]),
    (
        "- Các sở, ban, ngành, đoàn thể tỉnh;\n- UBND các huyện, thị xã, thành phố;",
        [("Các sở, ban, ngành, đoàn thể tỉnh", T), ("Ủy ban nhân dân các huyện, thị xã, thành phố", T)],
    ),
    ("+ Ý một\n• Ý hai\n* Ý ba\n– Ý bốn", [("Ý một", T), ("Ý hai", T), ("Ý ba", T), ("Ý bốn", T)]),
    ("  - Các Phòng chuyên môn", [("Các Phòng chuyên môn", T)]),
    ("> - trích dẫn", [("Trích dẫn", T)]),
    (
        "V/v tuyên truyền phong trào thi đua\n“Lao động giỏi, lao động sáng tạo”\ntrong công nhân",
        [("Về việc tuyên truyền phong trào thi đua Lao động giỏi, lao động sáng tạo trong công nhân", P)],
    ),
    ("Qua đó, góp phần củng cố và\n\nbồi đắp niềm tin.", [("Qua đó, góp phần củng cố và bồi đắp niềm tin", P)]),
    (
        "V/v đẩy mạnh thực hiện phong  \ntrào thi đua",
        [("Về việc đẩy mạnh thực hiện phong trào thi đua", P)],
    ),
    ("Câu một.\nCâu hai.", [("Câu một", P), ("Câu hai", P)]),
    (
        "Câu một. Câu hai! Câu ba? Câu bốn; câu năm",
        [("Câu một", S), ("Câu hai!", S), ("Câu ba?", S), ("Câu bốn", C), ("Câu năm", P)],
    ),
    (
        "Thông báo số 12/TB-UBND\n---\nKính gửi bà con.",
        [("Thông báo số mười hai, Ủy ban nhân dân", P), ("Kính gửi bà con", P)],
    ),
    ("Trân trọng./.", [("Trân trọng", P)]),
    ("Dòng một\r\nDòng hai", [("Dòng một", P), ("Dòng hai", P)]),
]


@pytest.mark.parametrize(("text", "expected"), LAYOUT_CASES)
def test_layout(text: str, expected: list[tuple[str, int]]) -> None:
    assert [(s.text, s.pause_ms) for s in normalize(text).sentences] == expected


@pytest.mark.parametrize(
    ("text", "joined"),
    [
        ("I. MỤC ĐÍCH, YÊU CẦU", "Một. Mục đích, yêu cầu"),
        ("Câu một; câu hai. Câu ba", "Câu một; Câu hai. Câu ba"),
        ("Có ai không? Xin mời!", "Có ai không? Xin mời!"),
        ("Một dòng", "Một dòng"),
    ],
)
def test_text_joins_sentences(text: str, joined: str) -> None:
    assert normalize(text).text == joined


def test_spoken_text_is_plain_data() -> None:
    spoken = SpokenText((Sentence("Xin chào", PAUSE_SENTENCE_MS), Sentence("Bà con", PAUSE_PARAGRAPH_MS)))
    assert spoken.text == "Xin chào. Bà con"
    assert normalize("Xin chào. Bà con") == spoken
    with pytest.raises(AttributeError):
        spoken.sentences[0].text = "khác"  # type: ignore[misc]


def test_every_sentence_starts_with_a_capital_and_has_no_final_full_stop() -> None:
    text = "kính gửi bà con. thông báo về việc tiêm chủng; lịch tiêm vào thứ 7."
    for sentence in normalize(text).sentences:
        assert sentence.text[0].isupper()
        assert not sentence.text.endswith((".", ",", ";", ":"))
        assert sentence.pause_ms > 0
