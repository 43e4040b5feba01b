"""Administrative Vietnamese as an official reads it (issue 13): joined abbreviations and their compounds,
runs of abbreviations, Roman period numbers with their year, ranges, percentages, phone numbers, money, units,
letters spelled the Vietnamese way; and the capital codes no lexicon reads, named for the operator."""

import pytest

from tts.normalizer import normalize, unknown_terms

CASES = [
    # abbreviations joined by a hyphen, a slash or "&", and department names
    ("Sở TN-MT tỉnh.", "Sở Tài nguyên và Môi trường tỉnh"),
    ("Sở LĐ-TB&XH tỉnh.", "Sở Lao động, Thương binh và Xã hội tỉnh"),
    ("Phòng NN&PTNT huyện.", "Phòng Nông nghiệp và Phát triển nông thôn huyện"),
    ("Phòng VH-TT huyện.", "Phòng Văn hóa và Thông tin huyện"),
    ("Trung tâm VH-TT&TT huyện.", "Trung tâm Văn hóa, Thể thao và Truyền thanh huyện"),
    ("Sở KH&ĐT tỉnh.", "Sở Kế hoạch và Đầu tư tỉnh"),
    ("Công chức TP-HT xã.", "Công chức Tư pháp, Hộ tịch xã"),
    ("Công chức ĐC-XD xã.", "Công chức Địa chính, Xây dựng xã"),
    ("Phòng KT-HT huyện.", "Phòng Kinh tế và Hạ tầng huyện"),
    ("Ban CHQS xã.", "Ban Chỉ huy Quân sự xã"),
    ("Cục QLTT tỉnh.", "Cục Quản lý thị trường tỉnh"),
    ("Chi cục TTBVTV tỉnh.", "Chi cục Trồng trọt và Bảo vệ thực vật tỉnh"),
    ("Hạt KL huyện.", "Hạt Kiểm lâm huyện"),
    ("Phòng giao dịch NHCSXH huyện.", "Phòng giao dịch Ngân hàng Chính sách xã hội huyện"),
    ("Vùng đồng bào DTTS.", "Vùng đồng bào dân tộc thiểu số"),
    ("Liên hệ BPMC của UBND xã.", "Liên hệ Bộ phận Một cửa của Ủy ban nhân dân xã"),
    # document numbers
    ("Kế hoạch số 15/KH-UBND ngày 3/3/2026.",
     "Kế hoạch số mười lăm, Ủy ban nhân dân, ngày ba tháng ba năm hai nghìn không trăm hai mươi sáu"),
    ("Quyết định 1234/QĐ-UBND.", "Quyết định một nghìn hai trăm ba mươi tư, Ủy ban nhân dân"),
    ("Công văn 56/SLĐTBXH-VP.", "Công văn năm mươi sáu, Sở Lao động, Thương binh và Xã hội, Văn phòng"),
    ("Thông báo 12/TB-LĐ-TB&XH.", "Thông báo mười hai, Lao động, Thương binh và Xã hội"),
    ("Hướng dẫn 08/HD-TN-MT.", "Hướng dẫn tám, Tài nguyên và Môi trường"),
    # runs of abbreviations
    ("HTX NN Tân Tiến.", "Hợp tác xã nông nghiệp Tân Tiến"),
    ("Các HTX DV NN trong xã.", "Các hợp tác xã dịch vụ nông nghiệp trong xã"),
    ("Xã có 3 HTX và 2 THT.", "Xã có ba hợp tác xã và hai tổ hợp tác"),
    ("Mô hình THT NN.", "Mô hình tổ hợp tác nông nghiệp"),
    # Roman numerals in periods, with the year after a slash
    ("Trong quý II/2026.", "Trong quý hai năm hai nghìn không trăm hai mươi sáu"),
    ("Sơ kết quý I/2025.", "Sơ kết quý một năm hai nghìn không trăm hai mươi lăm"),
    ("Đợt III/2026 bắt đầu.", "Đợt ba năm hai nghìn không trăm hai mươi sáu bắt đầu"),
    ("Đại biểu Quốc hội khóa XV.", "Đại biểu Quốc hội khóa mười lăm"),
    ("Nghị quyết Đại hội XIII của Đảng.", "Nghị quyết Đại hội mười ba của Đảng"),
    ("Giai đoạn I của dự án.", "Giai đoạn một của dự án"),
    ("Giai đoạn II (2026-2030).", "Giai đoạn hai, hai nghìn không trăm hai mươi sáu đến hai nghìn không trăm ba mươi"),
    # ranges
    ("Nhiệt độ từ 5-7 độ.", "Nhiệt độ từ năm đến bảy độ"),
    ("Từ ngày 20–25/12.", "Từ ngày hai mươi đến hai mươi lăm tháng mười hai"),
    ("Nhiệm kỳ 2020-2025.", "Nhiệm kỳ hai nghìn không trăm hai mươi đến hai nghìn không trăm hai mươi lăm"),
    ("Từ 7h30 đến 11h.", "Từ bảy giờ ba mươi phút đến mười một giờ"),
    # percentages
    ("Tỷ lệ đạt 15%.", "Tỷ lệ đạt mười lăm phần trăm"),
    ("Tăng 2,5% so với cùng kỳ.", "Tăng hai phẩy năm phần trăm so với cùng kỳ"),
    ("Đạt 100% kế hoạch.", "Đạt một trăm phần trăm kế hoạch"),
    # phone numbers, digit by digit in groups
    ("Gọi số 0214 3840 123.", "Gọi số không hai một bốn, ba tám bốn không, một hai ba"),
    ("Đường dây nóng 0912.345.678.", "Đường dây nóng không chín một hai, ba bốn năm, sáu bảy tám"),
    # money
    ("Hỗ trợ 1.500.000 đồng mỗi hộ.", "Hỗ trợ một triệu năm trăm nghìn đồng mỗi hộ"),
    ("Tổng vốn 2,5 tỷ đồng.", "Tổng vốn hai phẩy năm tỷ đồng"),
    ("Mức phạt 500.000đ.", "Mức phạt năm trăm nghìn đồng"),
    # units
    ("Đường dài 12 km.", "Đường dài mười hai ki lô mét"),
    ("Diện tích 3,5 ha.", "Diện tích ba phẩy năm héc ta"),
    ("Khối lượng 200 m3.", "Khối lượng hai trăm mét khối"),
    ("Sản lượng 500 kg.", "Sản lượng năm trăm ki lô gam"),
    ("Nhiệt độ 12°C.", "Nhiệt độ mười hai độ xê"),
    ("Lượng mưa 150 mm.", "Lượng mưa một trăm năm mươi mi li mét"),
    # letters spelled the Vietnamese way
    ("Tổ dân phố số 3, khu B.", "Tổ dân phố số ba, khu bê"),
    ("Họp tại tầng C nhà văn hóa.", "Họp tại tầng xê nhà văn hóa"),
    ("Lô D và lô E.", "Lô đê và lô e"),
    ("Trạm Y tế xã.", "Trạm Y tế xã"),  # "Y" is a word here, not a letter
    ("Ông Nguyễn Văn A.", "Ông Nguyễn Văn A"),  # a name
]


@pytest.mark.parametrize(("text", "spoken"), CASES, ids=[c[0] for c in CASES])
def test_administrative_phrasing_reads_as_an_official_would(text, spoken):
    assert normalize(text).text == spoken


@pytest.mark.parametrize(("text", "unknown"), [
    ("Đội XYZT đã tham gia.", ["XYZT"]),
    ("Công văn 15/KH-ABCD.", ["ABCD"]),
    ("Ban XY-ZT họp.", ["XY", "ZT"]),
    ("UBND xã và HTX NN, Sở TN-MT, khu B.", []),  # all known
    ("Tổ chức WHO và UNESCO.", ["WHO", "UNESCO"]),
    ("Trường THPT số 1.", []),
])
def test_codes_no_lexicon_reads_are_named(text, unknown):
    assert unknown_terms(text) == unknown


def test_an_area_reading_makes_a_code_known():
    assert unknown_terms("Đội XYZT họp.") == ["XYZT"]
    assert unknown_terms("Đội XYZT họp.", lexicon={"XYZT": "xung kích"}) == []
    assert normalize("Đội XYZT họp.", lexicon={"XYZT": "xung kích"}).text == "Đội xung kích họp"


def test_unknown_terms_leave_no_state_behind():
    unknown_terms("Đội XYZT.")
    from tts.normalize_rules import SPELLED

    assert SPELLED.get() is None
