"""Exact spoken forms: the normalizer reads text the way a commune announcer would.

Long on purpose: a flat table of input -> spoken form, one case per reading rule.

Each case is one small input and the full text the machine will say (SpokenText.text).
"""

import pytest

from tts.normalizer import normalize


def spoken(text: str) -> str:
    return normalize(text).text


# Sentences lifted from the five seed directives.
SEED_CASES = [
    (
        "Thực hiện Kế hoạch số 205/KH-UBND-LĐLĐ ngày 28/4/2021 của Ủy ban nhân dân tỉnh",
        "Thực hiện Kế hoạch số hai trăm linh năm, Ủy ban nhân dân, Liên đoàn Lao động, ngày hai mươi tám tháng tư"
        " năm hai nghìn không trăm hai mươi mốt của Ủy ban nhân dân tỉnh",
    ),
    (
        "Hàng tháng, lựa chọn và giới thiệu từ 01 đến 02 gương người tốt, việc tốt",
        "Hàng tháng, lựa chọn và giới thiệu từ một đến hai gương người tốt, việc tốt",
    ),
    (
        "theo Kế hoạch số 2202/KH-UBND ngày 10/3/2023 của UBND tỉnh",
        "Theo Kế hoạch số hai nghìn hai trăm linh hai, Ủy ban nhân dân, ngày mười tháng ba năm hai nghìn không trăm"
        " hai mươi ba của Ủy ban nhân dân tỉnh",
    ),
    ("giai đoạn 2023 - 2025.", "Giai đoạn hai nghìn không trăm hai mươi ba đến hai nghìn không trăm hai mươi lăm"),
    (
        "giai đoạn 2021-2025",
        "Giai đoạn hai nghìn không trăm hai mươi mốt đến hai nghìn không trăm hai mươi lăm",
    ),
    (
        "Thực hiện Chỉ thị số 08-CT/TU ngày 03/3/2021 của Tỉnh ủy Lào Cai",
        "Thực hiện Chỉ thị số tám, Tỉnh ủy, ngày ba tháng ba năm hai nghìn không trăm hai mươi mốt của Tỉnh ủy Lào Cai",
    ),
    (
        "Nghị quyết đại hội Đảng bộ tỉnh lần thứ XVI, nhiệm kỳ 2021-2025",
        "Nghị quyết đại hội Đảng bộ tỉnh lần thứ mười sáu, nhiệm kỳ hai nghìn không trăm hai mươi mốt đến hai nghìn"
        " không trăm hai mươi lăm",
    ),
    (
        "Nghị quyết Đại hội Đại biểu toàn quốc lần thứ XIII của Đảng",
        "Nghị quyết Đại hội Đại biểu toàn quốc lần thứ mười ba của Đảng",
    ),
    (
        "Triển khai Chương trình hành động số 08/CTr-UBND ngày 18/3/2021 của UBND tỉnh",
        "Triển khai Chương trình hành động số tám, Ủy ban nhân dân, ngày mười tám tháng ba năm hai nghìn không trăm"
        " hai mươi mốt của Ủy ban nhân dân tỉnh",
    ),
    ("Trưởng cụm TĐ 7 tỉnh MNPB;", "Trưởng cụm thi đua bảy tỉnh miền núi phía Bắc"),
    ("TT: TU, HĐND, UBND tỉnh;", "Thường trực, Tỉnh ủy, Hội đồng nhân dân, Ủy ban nhân dân tỉnh"),
    ("Báo, Đài PTTH, Cổng TTĐT tỉnh;", "Báo, Đài Phát thanh Truyền hình, Cổng thông tin điện tử tỉnh"),
    ("Lưu: VT, TH1, NC2, VX1.", "Lưu, văn thư, tê hát một, en xê hai, vê ích một"),
    ("Ủy ban MTTQ và các đoàn thể tỉnh;", "Ủy ban Mặt trận Tổ quốc và các đoàn thể tỉnh"),
    ("Thành viên HĐTĐKT tỉnh;", "Thành viên Hội đồng Thi đua Khen thưởng tỉnh"),
    ("Ban TĐKT TW;", "Ban Thi đua Khen thưởng Trung ương"),
    (
        "kỷ niệm 69 năm Ngày Chủ tịch Hồ Chí Minh ra lời kêu gọi thi đua ái quốc (11/6/1948 – 11/6/2017)",
        "Kỷ niệm sáu mươi chín năm Ngày Chủ tịch Hồ Chí Minh ra lời kêu gọi thi đua ái quốc, ngày mười một tháng sáu"
        " năm một nghìn chín trăm bốn mươi tám đến ngày mười một tháng sáu năm hai nghìn không trăm mười bảy",
    ),
    (
        "ít nhất 01 gương ĐHTT, NTVT và 01 cá nhân",
        "Ít nhất một gương điển hình tiên tiến, người tốt, việc tốt và một cá nhân",
    ),
    (
        "lựa chọn những điển hình tiên tiến, người tốt, việc tốt (ĐHTT, NTVT) có nhiều sáng tạo",
        "Lựa chọn những điển hình tiên tiến, người tốt, việc tốt có nhiều sáng tạo",
    ),
    (
        "hoàn thành trước ngày 28/4/2017.",
        "Hoàn thành trước ngày hai mươi tám tháng tư năm hai nghìn không trăm mười bảy",
    ),
    ("qua đ/c Hải phòng Nội vụ ký nhận", "Qua đồng chí Hải phòng Nội vụ ký nhận"),
    ("Ban TĐKT-Sở Nội vụ TP Hà Nội;", "Ban Thi đua Khen thưởng, Sở Nội vụ thành phố Hà Nội"),
    ("TT Thị uỷ, HĐND, UBND TX;", "Thường trực Thị ủy, Hội đồng nhân dân, Ủy ban nhân dân thị xã"),
    ("Lưu: VT, NV, H.", "Lưu, văn thư, Nội vụ, H"),
    ("V/v tăng cường công tác tuyên truyền", "Về việc tăng cường công tác tuyên truyền"),
    ("Số: /UBND-VHTT", "Số, Ủy ban nhân dân, Văn hóa và Thông tin"),
    ("Số: /SNV-TĐKT", "Số, Sở Nội vụ, Thi đua Khen thưởng"),
    ("Sa Pa, ngày tháng 5 năm 2021", "Sa Pa, ngày tháng năm năm hai nghìn không trăm hai mươi mốt"),
    (
        "Kế hoạch số 50/KH-STTTT ngày 10/5/2021 của Sở Thông tin và Truyền thông",
        "Kế hoạch số năm mươi, Sở Thông tin và Truyền thông, ngày mười tháng năm năm hai nghìn không trăm hai mươi mốt"
        " của Sở Thông tin và Truyền thông",
    ),
    (
        "hệ thống thông tin điện tử (cổng TTĐT; mạng xã hội (zalo, FB) để thông tin kịp thời",
        "Hệ thống thông tin điện tử, cổng thông tin điện tử; Mạng xã hội, da lô, Phây búc, để thông tin kịp thời",
    ),
    ("TT. UBND thị xã;", "Thường trực Ủy ban nhân dân thị xã"),
    ("LĐVP, CV Hùng;", "Lãnh đạo Văn phòng, chuyên viên Hùng"),
    ("*TP. Lào Cai, ngày tháng 3 năm 2023*", "Thành phố Lào Cai, ngày tháng ba năm hai nghìn không trăm hai mươi ba"),
    ("Ủy ban MTTQVN và các đoàn thể thành phố;", "Ủy ban Mặt trận Tổ quốc Việt Nam và các đoàn thể thành phố"),
    (
        "Công văn số 941/UBND-NV ngày 01/09/2021 về hướng dẫn",
        "Công văn số chín trăm bốn mươi mốt, Ủy ban nhân dân, Nội vụ, ngày một tháng chín năm hai nghìn không trăm"
        " hai mươi mốt về hướng dẫn",
    ),
    (
        "sơ kết tổng kết công tác TĐKT năm 2023",
        "Sơ kết tổng kết công tác Thi đua Khen thưởng năm hai nghìn không trăm hai mươi ba",
    ),
    ("Giám đốc SNV (Báo cáo-VBĐT);", "Giám đốc Sở Nội vụ, Báo cáo, văn bản điện tử"),
    ("Lưu: VT, PTĐKT, GN.", "Lưu, văn thư, Phòng Thi đua Khen thưởng, giê en"),
    (
        "gửi qua hòm thư điện tử: btdkt@khanhhoa.gov.vn",
        "Gửi qua hòm thư điện tử, bê tê đê ca tê a còng khánh hòa chấm gốp chấm vê en",
    ),
    (
        "Kế hoạch số 06/KH-HĐTĐKT ngày 07/3/2017",
        "Kế hoạch số sáu, Hội đồng Thi đua Khen thưởng, ngày bảy tháng ba năm hai nghìn không trăm mười bảy",
    ),
    (
        "Công văn số 2881/BTĐKT-TTTT-TT ngày 07/9/2023",
        "Công văn số hai nghìn tám trăm tám mươi mốt, Ban Thi đua Khen thưởng, Thông tin và Truyền thông, Thường"
        " trực, ngày bảy tháng chín năm hai nghìn không trăm hai mươi ba",
    ),
    (
        "Căn cứ Công văn số 1721-CV/TU ngày 30/12/2022 của Thành uỷ Lào Cai",
        "Căn cứ Công văn số một nghìn bảy trăm hai mươi mốt, Thành ủy, ngày ba mươi tháng mười hai năm hai nghìn"
        " không trăm hai mươi hai của Thành ủy Lào Cai",
    ),
    (
        "theo tinh thần Chỉ thị số 05 – CT/TW của Bộ Chính trị",
        "Theo tinh thần Chỉ thị số năm, Trung ương, của Bộ Chính trị",
    ),
    ("phát triển kinh tế - xã hội", "Phát triển kinh tế, xã hội"),
    ("Độc lập - Tự do - Hạnh phúc", "Độc lập, Tự do, Hạnh phúc"),
    (
        "cổ động trực quan (băngôn, khẩu hiệu, pa-no, áp-phích...), tích cực tuyên truyền",
        "Cổ động trực quan, băngôn, khẩu hiệu, pa no, áp phích, tích cực tuyên truyền",
    ),
    ("An toàn thực phẩm....để xây dựng kế hoạch", "An toàn thực phẩm, để xây dựng kế hoạch"),
    ("họp báo,...", "Họp báo"),
    ("Trân trọng./.", "Trân trọng"),
    ("Cổng/Trang thông tin điện tử", "Cổng hoặc Trang thông tin điện tử"),
    ("TM. ỦY BAN NHÂN DÂN", "Thay mặt Ủy ban nhân dân"),
    ("KT. GIÁM ĐỐC", "Ký thay giám đốc"),
    ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Cộng hòa xã hội chủ nghĩa Việt Nam"),
    ("trong công nhân viên chức (CNVCLĐ)", "Trong công nhân viên chức, công nhân, viên chức, lao động"),
    (
        "trên địa bàn tỉnh Khánh Hòa giai đoạn 2023 - 2025",
        "Trên địa bàn tỉnh Khánh Hòa giai đoạn hai nghìn không trăm hai mươi ba đến hai nghìn không trăm hai mươi lăm",
    ),
    (
        "ngày Truyền thống thi đua yêu nước (11/6) hằng năm",
        "Ngày Truyền thống thi đua yêu nước, ngày mười một tháng sáu, hằng năm",
    ),
    (
        "gương người tốt, việc tốt;... để lan tỏa",
        "Gương người tốt, việc tốt; Để lan tỏa",
    ),
]

# Everyday bulletin text: weather, meetings, vaccination, fees, phone numbers, addresses.
BULLETIN_CASES = [
    (
        "Dự báo nhiệt độ thấp nhất 12-14 độ C, cao nhất 20-22 độ C.",
        "Dự báo nhiệt độ thấp nhất mười hai đến mười bốn độ xê, cao nhất hai mươi đến hai mươi hai độ xê",
    ),
    ("nhiệt độ 18-25 độ C", "Nhiệt độ mười tám đến hai mươi lăm độ xê"),
    ("lượng mưa 50-100mm", "Lượng mưa năm mươi đến một trăm mi li mét"),
    (
        "Lượng mưa phổ biến 50-100mm, có nơi trên 150mm.",
        "Lượng mưa phổ biến năm mươi đến một trăm mi li mét, có nơi trên một trăm năm mươi mi li mét",
    ),
    ("Gió đông bắc cấp 4, giật cấp 6.", "Gió đông bắc cấp bốn, giật cấp sáu"),
    ("Độ ẩm không khí 75-85%.", "Độ ẩm không khí bảy mươi lăm đến tám mươi lăm phần trăm"),
    ("Nhiệt độ có nơi dưới -2°C.", "Nhiệt độ có nơi dưới âm hai độ xê"),
    ("nhiệt độ 25°C", "Nhiệt độ hai mươi lăm độ xê"),
    (
        "Mực nước sông Hồng lúc 7h sáng nay là 79,5 m.",
        "Mực nước sông Hồng lúc bảy giờ sáng nay là bảy mươi chín phẩy năm mét",
    ),
    (
        "Không ra khỏi nhà từ 20h00 ngày 10/9 đến 6h00 ngày 11/9.",
        "Không ra khỏi nhà từ hai mươi giờ ngày mười tháng chín đến sáu giờ ngày mười một tháng chín",
    ),
    (
        "vào lúc 7h30 ngày 15/12/2026 tại hội trường UBND xã",
        "Vào lúc bảy giờ ba mươi phút ngày mười lăm tháng mười hai năm hai nghìn không trăm hai mươi sáu tại hội"
        " trường Ủy ban nhân dân xã",
    ),
    (
        "Thời gian: 14 giờ 00 phút, thứ 6 ngày 20/12/2024.",
        "Thời gian, mười bốn giờ, thứ sáu ngày hai mươi tháng mười hai năm hai nghìn không trăm hai mươi tư",
    ),
    ("Hội nghị diễn ra từ 8:00 đến 11:30.", "Hội nghị diễn ra từ tám giờ đến mười một giờ ba mươi phút"),
    ("họp lúc 06:30", "Họp lúc sáu giờ ba mươi phút"),
    ("ca trực 7h30 - 11h00", "Ca trực bảy giờ ba mươi phút đến mười một giờ"),
    ("khai mạc lúc 14 giờ", "Khai mạc lúc mười bốn giờ"),
    ("tập trung lúc 7h", "Tập trung lúc bảy giờ"),
    ("xuất phát lúc 6h30'", "Xuất phát lúc sáu giờ ba mươi phút"),
    (
        "Lịch tiêm chủng mở rộng ngày 25 hằng tháng tại Trạm Y tế xã.",
        "Lịch tiêm chủng mở rộng ngày hai mươi lăm hằng tháng tại Trạm Y tế xã",
    ),
    ("Tiêm vắc xin sởi - rubella cho trẻ từ 1-5 tuổi.", "Tiêm vắc xin sởi, rubella cho trẻ từ một đến năm tuổi"),
    (
        "Tiêm mũi 2 vắc xin phòng Covid-19 cho trẻ từ 5 đến dưới 12 tuổi.",
        "Tiêm mũi hai vắc xin phòng Cô vít mười chín cho trẻ từ năm đến dưới mười hai tuổi",
    ),
    (
        "Tiêm vắc xin phòng COVID-19 mũi 3 cho trẻ từ 5-11 tuổi",
        "Tiêm vắc xin phòng Cô vít mười chín mũi ba cho trẻ từ năm đến mười một tuổi",
    ),
    ("mức phí 50.000 đồng/tháng", "Mức phí năm mươi nghìn đồng một tháng"),
    (
        "Lệ phí cấp giấy chứng nhận 100.000đ/hộ.",
        "Lệ phí cấp giấy chứng nhận một trăm nghìn đồng một hộ",
    ),
    ("Hỗ trợ 2 triệu VNĐ cho mỗi hộ nghèo.", "Hỗ trợ hai triệu đồng cho mỗi hộ nghèo"),
    ("Giá lúa giống 15.000 đ/kg.", "Giá lúa giống mười lăm nghìn đồng một ki lô gam"),
    ("giá vé 50.000đ", "Giá vé năm mươi nghìn đồng"),
    ("Tổng kinh phí 1.250.000.000 đồng.", "Tổng kinh phí một tỷ hai trăm năm mươi triệu đồng"),
    ("thưởng 500.000 ₫", "Thưởng năm trăm nghìn đồng"),
    (
        "Mọi thông tin xin liên hệ số điện thoại 0912 345 678.",
        "Mọi thông tin xin liên hệ số điện thoại không chín một hai, ba bốn năm, sáu bảy tám",
    ),
    ("Đường dây nóng: 0214.3840.123.", "Đường dây nóng, không hai một bốn, ba tám bốn không, một hai ba"),
    ("Gọi 0912345678 để đăng ký", "Gọi không chín một hai, ba bốn năm, sáu bảy tám để đăng ký"),
    ("Khi có cháy, hãy gọi 114.", "Khi có cháy, hãy gọi một một bốn"),
    ("Hotline 1900 9095.", "Hotline một chín không không, chín không chín năm"),
    ("điện thoại +84 912 345 678", "Điện thoại cộng tám bốn, chín một hai, ba bốn năm, sáu bảy tám"),
    (
        "Thôn 3 và tổ dân phố số 5 mất điện từ 8h đến 16h.",
        "Thôn ba và tổ dân phố số năm mất điện từ tám giờ đến mười sáu giờ",
    ),
    (
        "Trường THCS Kim Đồng khai giảng năm học 2024-2025 vào ngày 05/9/2024.",
        "Trường trung học cơ sở Kim Đồng khai giảng năm học hai nghìn không trăm hai mươi tư đến hai nghìn không"
        " trăm hai mươi lăm vào ngày năm tháng chín năm hai nghìn không trăm hai mươi tư",
    ),
    (
        "Đợt 1 năm 2024 có 1.234 hộ đăng ký.",
        "Đợt một năm hai nghìn không trăm hai mươi tư có một nghìn hai trăm ba mươi tư hộ đăng ký",
    ),
    ("Tỷ lệ hộ nghèo giảm còn 2,5%.", "Tỷ lệ hộ nghèo giảm còn hai phẩy năm phần trăm"),
    ("Diện tích lúa đông xuân đạt 1.500 ha.", "Diện tích lúa đông xuân đạt một nghìn năm trăm héc ta"),
    ("Năng suất bình quân 62,3 tạ/ha.", "Năng suất bình quân sáu mươi hai phẩy ba tạ một héc ta"),
    ("nhà văn hóa rộng 250 m2", "Nhà văn hóa rộng hai trăm năm mươi mét vuông"),
    ("quãng đường 12km", "Quãng đường mười hai ki lô mét"),
    ("tốc độ tối đa 40km/h", "Tốc độ tối đa bốn mươi ki lô mét một giờ"),
    ("phân bón 50kg", "Phân bón năm mươi ki lô gam"),
    (
        "Xã có 12 thôn, 3.456 hộ với 15.789 nhân khẩu.",
        "Xã có mười hai thôn, ba nghìn bốn trăm năm mươi sáu hộ với mười lăm nghìn bảy trăm tám mươi chín nhân khẩu",
    ),
    (
        "Vui lòng truy cập https://dichvucong.gov.vn để nộp hồ sơ.",
        "Vui lòng truy cập dịch vụ công chấm gốp chấm vê en để nộp hồ sơ",
    ),
    (
        "xem tại www.laocai.gov.vn",
        "Xem tại vê kép vê kép vê kép chấm lào cai chấm gốp chấm vê en",
    ),
    ("Email: ubndxa@laocai.gov.vn", "Email, u bê en đê ích a a còng lào cai chấm gốp chấm vê en"),
    (
        "gửi về phongvanhoa_thongtin@yahoo.com.vn",
        "Gửi về phong van hoa gạch dưới thong tin a còng da hu chấm com chấm vê en",
    ),
    ("trang xaphucloc.gov.vn", "Trang xa phuc loc chấm gốp chấm vê en"),
    (
        "Sáng thứ 2 tuần sau, UBND xã tổ chức họp dân.",
        "Sáng thứ hai tuần sau, Ủy ban nhân dân xã tổ chức họp dân",
    ),
    ("Chiều thứ 4 và thứ 7", "Chiều thứ tư và thứ bảy"),
    (
        "Kỷ niệm 79 năm Cách mạng tháng Tám và Quốc khánh 2/9.",
        "Kỷ niệm bảy mươi chín năm Cách mạng tháng Tám và Quốc khánh ngày hai tháng chín",
    ),
    ("Ngày 20/11 là ngày Nhà giáo Việt Nam.", "Ngày hai mươi tháng mười một là ngày Nhà giáo Việt Nam"),
    (
        "Ngày 27/7/2024 kỷ niệm 77 năm Ngày Thương binh - Liệt sĩ.",
        "Ngày hai mươi bảy tháng bảy năm hai nghìn không trăm hai mươi tư kỷ niệm bảy mươi bảy năm Ngày Thương binh,"
        " Liệt sĩ",
    ),
    ("Chủ nhật, ngày 01/12/2024.", "Chủ nhật, ngày một tháng mười hai năm hai nghìn không trăm hai mươi tư"),
    (
        "Từ ngày 01/10 đến ngày 15/10/2024.",
        "Từ ngày một tháng mười đến ngày mười lăm tháng mười năm hai nghìn không trăm hai mươi tư",
    ),
    ("từ 15-17/6/2024", "Từ ngày mười lăm đến mười bảy tháng sáu năm hai nghìn không trăm hai mươi tư"),
    (
        "Trong tháng 4/2024, toàn xã đã thu được 250 triệu đồng.",
        "Trong tháng tư năm hai nghìn không trăm hai mươi tư, toàn xã đã thu được hai trăm năm mươi triệu đồng",
    ),
    (
        "Quý I năm 2025 đạt 26% kế hoạch.",
        "Quý một năm hai nghìn không trăm hai mươi lăm đạt hai mươi sáu phần trăm kế hoạch",
    ),
    ("Thế kỷ XXI là thế kỷ của tri thức.", "Thế kỷ hai mươi mốt là thế kỷ của tri thức"),
    ("Hội nghị Trung ương 4 khóa XII.", "Hội nghị Trung ương bốn khóa mười hai"),
    ("Quốc hội khóa XV", "Quốc hội khóa mười lăm"),
    ("Bà con lưu ý: không đốt rơm rạ!", "Bà con lưu ý, không đốt rơm rạ!"),
    ("Có ai còn chưa đăng ký không?", "Có ai còn chưa đăng ký không?"),
    (
        "Hội LHPN xã phối hợp với ĐTN tổ chức ra quân.",
        "Hội Liên hiệp Phụ nữ xã phối hợp với Đoàn Thanh niên tổ chức ra quân",
    ),
    ("Công an xã đề nghị người dân làm CCCD gắn chip.", "Công an xã đề nghị người dân làm căn cước công dân gắn chip"),
    ("Đăng ký BHYT hộ gia đình trước ngày 30/6.", "Đăng ký bảo hiểm y tế hộ gia đình trước ngày ba mươi tháng sáu"),
    (
        "Ban chỉ đạo PCTT&TKCN xã trực 24/24 giờ.",
        "Ban chỉ đạo phòng, chống thiên tai và tìm kiếm cứu nạn xã trực hai mươi tư trên hai mươi tư giờ",
    ),
    ("Cấp độ rủi ro thiên tai cấp 3.", "Cấp độ rủi ro thiên tai cấp ba"),
    ("TT Y tế huyện thông báo", "Trung tâm Y tế huyện thông báo"),
    (
        "Thông tư 39/2020/TT-BTTTT",
        "Thông tư ba mươi chín năm hai nghìn không trăm hai mươi, Bộ Thông tin và Truyền thông",
    ),
    ("Luật số 15/2003/QH11", "Luật số mười lăm năm hai nghìn không trăm linh ba, Quốc hội khóa mười một"),
    (
        "Quyết định số 1234/QĐ-UBND ngày 5/6/2024",
        "Quyết định số một nghìn hai trăm ba mươi tư, Ủy ban nhân dân, ngày năm tháng sáu năm hai nghìn không trăm"
        " hai mươi tư",
    ),
    ("theo 12/TB-UBND", "Theo mười hai, thông báo, Ủy ban nhân dân"),
    ("Cách mạng công nghiệp 4.0", "Cách mạng công nghiệp bốn chấm không"),
    ("U23 Việt Nam vô địch", "U hai mươi ba Việt Nam vô địch"),
    ("mạng 5G phủ sóng", "Mạng năm giê phủ sóng"),
]

# Numbers and dates inside words.
NUMBER_CASES = [
    ("2021", "Hai nghìn không trăm hai mươi mốt"),
    ("21 người", "Hai mươi mốt người"),
    ("24 hộ", "Hai mươi tư hộ"),
    ("15 ngày", "Mười lăm ngày"),
    ("25 bài", "Hai mươi lăm bài"),
    ("105 hộ", "Một trăm linh năm hộ"),
    ("1.500.000 đồng", "Một triệu năm trăm nghìn đồng"),
    ("0,5 ha", "Không phẩy năm héc ta"),
    ("1.000.000.000 đồng", "Một tỷ đồng"),
    ("01 đến 02", "Một đến hai"),
    ("5%", "Năm phần trăm"),
    ("12,5%", "Mười hai phẩy năm phần trăm"),
    ("thứ 2", "Thứ hai"),
    ("thứ 4", "Thứ tư"),
    ("lần thứ 1", "Lần thứ nhất"),
    ("lần thứ XVI", "Lần thứ mười sáu"),
    ("lần thứ IV", "Lần thứ tư"),
    ("khóa XIII", "Khóa mười ba"),
    ("Đại hội XIII của Đảng", "Đại hội mười ba của Đảng"),
    ("28/4/2021", "Ngày hai mươi tám tháng tư năm hai nghìn không trăm hai mươi mốt"),
    ("ngày 03/3/2021", "Ngày ba tháng ba năm hai nghìn không trăm hai mươi mốt"),
    ("11/6", "Ngày mười một tháng sáu"),
    ("01/09/2021", "Ngày một tháng chín năm hai nghìn không trăm hai mươi mốt"),
    ("tháng 5 năm 2021", "Tháng năm năm hai nghìn không trăm hai mươi mốt"),
    ("tháng 4", "Tháng tư"),
    ("tháng 5-6", "Tháng năm đến tháng sáu"),
    ("năm 2023", "Năm hai nghìn không trăm hai mươi ba"),
    ("mùng 2/9", "Mùng hai tháng chín"),
    ("28-4-2021", "Ngày hai mươi tám tháng tư năm hai nghìn không trăm hai mươi mốt"),
    ("28.4.2021", "Ngày hai mươi tám tháng tư năm hai nghìn không trăm hai mươi mốt"),
    ("2021 - 2025", "Hai nghìn không trăm hai mươi mốt đến hai nghìn không trăm hai mươi lăm"),
    ("tỷ lệ 3/5", "Tỷ lệ ba trên năm"),
    ("đạt 9/10 tiêu chí nông thôn mới", "Đạt chín trên mười tiêu chí nông thôn mới"),
    ("Quốc khánh 2/9", "Quốc khánh ngày hai tháng chín"),
    ("trước 30/6", "Trước ngày ba mươi tháng sáu"),
    ("ngày 15-16/6", "Ngày mười lăm đến mười sáu tháng sáu"),
    ("Ngày 2/9/1945", "Ngày hai tháng chín năm một nghìn chín trăm bốn mươi lăm"),
    ("lúc 23h45", "Lúc hai mươi ba giờ bốn mươi lăm phút"),
    ("vào hồi 8 giờ 30 phút", "Vào hồi tám giờ ba mươi phút"),
    ("mức lương cơ sở 2,34 triệu đồng/tháng", "Mức lương cơ sở hai phẩy ba mươi tư triệu đồng một tháng"),
    ("2.500.000đ", "Hai triệu năm trăm nghìn đồng"),
    ("số nhà 12A, ngõ 5", "Số nhà mười hai a, ngõ năm"),
    ("đạt 45/50 tiêu chí", "Đạt bốn mươi lăm trên năm mươi tiêu chí"),
    ("ngày 31/4", "Ngày ba mươi mốt trên bốn"),
    ("mã số 00123456", "Mã số không không một hai ba bốn năm sáu"),
    ("3 + 2 hộ", "Ba cộng hai hộ"),
]

# Abbreviations: whole words only, case-sensitive, context where it matters.
ABBREVIATION_CASES = [
    ("UBND xã", "Ủy ban nhân dân xã"),
    ("HĐND huyện", "Hội đồng nhân dân huyện"),
    ("ĐHTT", "Điển hình tiên tiến"),
    ("NTVT", "Người tốt, việc tốt"),
    ("LĐLĐ tỉnh", "Liên đoàn Lao động tỉnh"),
    ("CNVCLĐ", "Công nhân, viên chức, lao động"),
    ("BCH Công đoàn", "Ban Chấp hành Công đoàn"),
    ("UBND TP", "Ủy ban nhân dân thành phố"),
    ("Lãnh đạo UBND TP.", "Lãnh đạo Ủy ban nhân dân thành phố"),
    ("Tp. Hồ Chí Minh", "Thành phố Hồ Chí Minh"),
    ("KH năm 2024", "Kế hoạch năm hai nghìn không trăm hai mươi tư"),
    ("Sở VHTT", "Sở Văn hóa và Thông tin"),
    ("Đài PTTH", "Đài Phát thanh Truyền hình"),
    ("KT. CHỦ TỊCH", "Ký thay chủ tịch"),
    ("v/v họp", "Về việc họp"),
    ("Đ/c Bí thư", "Đồng chí Bí thư"),
    ("HĐND-UBND xã", "Hội đồng nhân dân, Ủy ban nhân dân xã"),
    ("UBNDxã", "UBNDxã"),
    ("kh", "Kh"),
    ("Phòng TNMT huyện", "Phòng Tài nguyên và Môi trường huyện"),
    ("Phòng GD&ĐT", "Phòng Giáo dục và Đào tạo"),
    ("Hội CCB", "Hội cựu chiến binh"),
    ("ĐT: 0912345678", "Điện thoại, không chín một hai, ba bốn năm, sáu bảy tám"),
    ("Trường THPT số 1", "Trường trung học phổ thông số một"),
    ("sản phẩm OCOP", "Sản phẩm Ô cốp"),
    ("đoàn kiểm tra ATTP", "Đoàn kiểm tra an toàn thực phẩm"),
    ("Ban BCĐ xã", "Ban Ban Chỉ đạo xã"),
    ("lập danh sách XYZ", "Lập danh sách ích i dài dét"),
    ("đội PCCC", "Đội phòng cháy, chữa cháy"),
    ("UNICEF hỗ trợ", "UNICEF hỗ trợ"),
    ("MC dẫn chương trình", "Em xê dẫn chương trình"),
    ("Đĩa CD và DVD", "Đĩa xê đê và đê vê đê"),
    ("Vitamin C", "Vitamin C"),
    (
        "ông Nguyễn Văn A (SN 1980) trú tại thôn 3",
        "Ông Nguyễn Văn A, sinh năm một nghìn chín trăm tám mươi, trú tại thôn ba",
    ),
    ("QL 4D đoạn Km 15", "Quốc lộ bốn đê đoạn ki lô mét mười lăm"),
    ("tại Km 25+500 QL70", "Tại ki lô mét hai mươi lăm cộng năm trăm quốc lộ bảy mươi"),
    ("PGS.TS Nguyễn Văn A", "Phó Giáo sư, Tiến sĩ Nguyễn Văn A"),
    ("cúm H5N1", "Cúm hát năm en một"),
    ("F0, F1", "Ép không, ép một"),
    ("GDP tăng 6,5%", "Giê đê pê tăng sáu phẩy năm phần trăm"),
]

# Mixed scripts, markup and punctuation.
TEXT_CASES = [
    ("Hello world, bà con thân mến", "Hello world, bà con thân mến"),
    ("Xin chào 你好 bà con", "Xin chào bà con"),
    ("Khánh Hoà", "Khánh Hòa"),
    ("Thành uỷ Lào Cai", "Thành ủy Lào Cai"),
    ("sức khoẻ", "Sức khỏe"),
    ("hoàn thành", "Hoàn thành"),
    ("quý khách", "Quý khách"),
    ("**Thông báo** khẩn", "Thông báo khẩn"),
    ("“Lao động giỏi, lao động sáng tạo”", "Lao động giỏi, lao động sáng tạo"),
    ("xã/phường", "Xã hoặc phường"),
    ("bà con\u200b chú ý", "Bà con chú ý"),
    ("bà\x07 con", "Bà con"),
    ("Ðảng bộ", "Đảng bộ"),
    ("số １２", "Số mười hai"),
    ("Họp dân; mang theo CCCD", "Họp dân; Mang theo căn cước công dân"),
    ("Chú ý... chú ý", "Chú ý, chú ý"),
    ("Thông báo... Bà con chú ý", "Thông báo. Bà con chú ý"),
    ("điện, nước & vệ sinh", "Điện, nước và vệ sinh"),
]


@pytest.mark.parametrize(("text", "expected"), SEED_CASES)
def test_seed_sentences(text: str, expected: str) -> None:
    assert spoken(text) == expected


@pytest.mark.parametrize(("text", "expected"), BULLETIN_CASES)
def test_bulletin_sentences(text: str, expected: str) -> None:
    assert spoken(text) == expected


@pytest.mark.parametrize(("text", "expected"), NUMBER_CASES)
def test_numbers_in_text(text: str, expected: str) -> None:
    assert spoken(text) == expected


@pytest.mark.parametrize(("text", "expected"), ABBREVIATION_CASES)
def test_abbreviations(text: str, expected: str) -> None:
    assert spoken(text) == expected


@pytest.mark.parametrize(("text", "expected"), TEXT_CASES)
def test_text_clean_up(text: str, expected: str) -> None:
    assert spoken(text) == expected
