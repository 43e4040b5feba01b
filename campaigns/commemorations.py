"""Days campaigns build toward: Vietnamese commemorative days (our own table) and statutory days off.

The `holidays` package knows the statutory days off (Tết, Giỗ Tổ Hùng Vương, 30/4, 1/5, 2/9 ...)
but not the commemorative days that directives name ("11/6, the day President Hồ Chí Minh called
for patriotic emulation"), so those are listed here with the year they commemorate.
"""

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

import holidays

from core.errors import Invalid


@dataclass(frozen=True)
class Commemoration:
    key: str
    month: int
    day: int
    name: str
    since: int | None = None  # the year of the event, for "kỷ niệm N năm"
    region: str | None = None  # None: national


COMMEMORATIONS: tuple[Commemoration, ...] = (
    Commemoration("thanh-lap-dang", 2, 3, "Ngày thành lập Đảng Cộng sản Việt Nam", 1930),
    Commemoration("thay-thuoc", 2, 27, "Ngày Thầy thuốc Việt Nam", 1955),
    Commemoration("quoc-te-phu-nu", 3, 8, "Ngày Quốc tế Phụ nữ"),
    Commemoration("thanh-lap-doan", 3, 26, "Ngày thành lập Đoàn Thanh niên Cộng sản Hồ Chí Minh", 1931),
    Commemoration("van-hoa-cac-dan-toc", 4, 19, "Ngày Văn hóa các dân tộc Việt Nam", 2008),
    Commemoration("sach-va-van-hoa-doc", 4, 21, "Ngày Sách và Văn hóa đọc Việt Nam", 2014),
    Commemoration("giai-phong-mien-nam", 4, 30, "Ngày Giải phóng miền Nam, thống nhất đất nước", 1975),
    Commemoration("quoc-te-lao-dong", 5, 1, "Ngày Quốc tế Lao động"),
    Commemoration("dien-bien-phu", 5, 7, "Ngày Chiến thắng Điện Biên Phủ", 1954),
    Commemoration("sinh-nhat-bac", 5, 19, "Ngày sinh Chủ tịch Hồ Chí Minh", 1890),
    Commemoration("phong-chong-thien-tai", 5, 22, "Ngày Phòng, chống thiên tai Việt Nam"),
    Commemoration("quoc-te-thieu-nhi", 6, 1, "Ngày Quốc tế Thiếu nhi"),
    Commemoration("thi-dua-ai-quoc", 6, 11,
                  "Ngày Chủ tịch Hồ Chí Minh ra Lời kêu gọi thi đua ái quốc - "
                  "Ngày Truyền thống thi đua yêu nước", 1948),
    Commemoration("bao-chi-cach-mang", 6, 21, "Ngày Báo chí cách mạng Việt Nam", 1925),
    Commemoration("gia-dinh", 6, 28, "Ngày Gia đình Việt Nam", 2001),
    Commemoration("thuong-binh-liet-si", 7, 27, "Ngày Thương binh - Liệt sĩ", 1947),
    Commemoration("thanh-lap-cong-doan", 7, 28, "Ngày thành lập Công đoàn Việt Nam", 1929),
    Commemoration("cach-mang-thang-tam", 8, 19, "Ngày Cách mạng tháng Tám thành công", 1945),
    Commemoration("cong-an-nhan-dan", 8, 19, "Ngày truyền thống Công an nhân dân", 1945),
    Commemoration("quoc-khanh", 9, 2, "Ngày Quốc khánh nước Cộng hòa xã hội chủ nghĩa Việt Nam", 1945),
    Commemoration("tai-lap-tinh-lao-cai", 10, 1, "Ngày tái lập tỉnh Lào Cai", 1991, region="Lào Cai"),
    Commemoration("chuyen-doi-so", 10, 10, "Ngày Chuyển đổi số quốc gia", 2022),
    Commemoration("doanh-nhan", 10, 13, "Ngày Doanh nhân Việt Nam", 2004),
    Commemoration("hoi-nong-dan", 10, 14, "Ngày thành lập Hội Nông dân Việt Nam", 1930),
    Commemoration("phu-nu-viet-nam", 10, 20, "Ngày thành lập Hội Liên hiệp Phụ nữ Việt Nam", 1930),
    Commemoration("phap-luat", 11, 9, "Ngày Pháp luật Việt Nam", 2013),
    Commemoration("dai-doan-ket", 11, 18,
                  "Ngày truyền thống Mặt trận Tổ quốc Việt Nam - Ngày hội Đại đoàn kết toàn dân tộc", 1930),
    Commemoration("nha-giao", 11, 20, "Ngày Nhà giáo Việt Nam", 1982),
    Commemoration("quan-doi-nhan-dan", 12, 22, "Ngày thành lập Quân đội nhân dân Việt Nam", 1944),
)

BY_KEY = {c.key: c for c in COMMEMORATIONS}


class ObservanceKind(StrEnum):
    """The kinds of day an observance is (loại ngày): the only place these words are defined."""

    commemoration = "commemoration"  # ngày kỷ niệm, from COMMEMORATIONS
    holiday = "holiday"  # ngày nghỉ lễ, a statutory day off from the `holidays` package


@dataclass(frozen=True)
class Observance:
    """One dated day of a year: a commemoration or a statutory day off."""

    on: date
    name: str
    kind: ObservanceKind
    key: str | None = None
    years: int | None = None  # "kỷ niệm N năm" when the commemorated year is known


def get(key: str) -> Commemoration:
    try:
        return BY_KEY[key]
    except KeyError:
        raise Invalid(f"Không có ngày kỷ niệm mã {key!r}. Các mã hợp lệ: {', '.join(BY_KEY)}.") from None


def check_keys(keys: list[str]) -> list[str]:
    """The keys without duplicates, each known (422 otherwise)."""
    for key in keys:
        get(key)
    return list(dict.fromkeys(keys))


def occurrence(key: str, year: int) -> Observance:
    c = get(key)
    on = date(year, c.month, c.day)
    years = year - c.since if c.since is not None and year > c.since else None
    return Observance(on=on, name=c.name, kind=ObservanceKind.commemoration, key=c.key, years=years)


def next_occurrence(key: str, on_or_after: date) -> Observance:
    this_year = occurrence(key, on_or_after.year)
    return this_year if this_year.on >= on_or_after else occurrence(key, on_or_after.year + 1)


def observances(year: int, *, include_holidays: bool = True) -> list[Observance]:
    """Commemorations and statutory days off of one year, in date order."""
    days = [occurrence(c.key, year) for c in COMMEMORATIONS]
    if include_holidays:
        days += [Observance(on=day, name=str(name), kind=ObservanceKind.holiday)
                 for day, name in holidays.country_holidays("VN", years=year, language="vi").items()]
    return sorted(days, key=lambda o: (o.on, o.kind, o.name))


def is_day_off(day: date) -> bool:
    return day in holidays.country_holidays("VN", years=day.year)
