"""Request validation errors in plain Vietnamese, for the API's JSON answers and the pages alike.

Pydantic speaks English ("Field required", "Value error, ..."); users read these sentences instead.
"""

from collections.abc import Iterable, Mapping
from typing import Any

PREFIX = "Dữ liệu không hợp lệ: "

FIELD_LABELS = {
    "name": "Tên", "code": "Mã", "level": "Cấp", "parent_id": "Cấp trên", "username": "Tên đăng nhập",
    "password": "Mật khẩu", "full_name": "Họ và tên", "role": "Vai trò", "area_id": "Địa bàn",
    "title": "Tiêu đề", "body": "Nội dung", "campaign_id": "Chiến dịch", "valid_from": "Hiệu lực từ ngày",
    "valid_until": "Hiệu lực đến ngày", "starts_on": "Từ ngày", "ends_on": "Đến ngày", "area_ids": "Địa bàn",
    "target_minutes_per_week": "Chỉ tiêu (phút/tuần/cụm loa)", "start_time": "Giờ bắt đầu",
    "duration_minutes": "Thời lượng (phút)", "weekdays": "Các ngày trong tuần", "reason": "Lý do",
    "number": "Số hiệu", "issued_on": "Ngày ban hành", "issuer": "Cơ quan ban hành", "color": "Màu",
    "term": "Từ viết", "spoken": "Cách đọc", "label": "Nhãn", "date": "Ngày",
    "stream_url": "Địa chỉ luồng",
}

_MESSAGES = {
    "missing": "{field}: chưa nhập.",
    "string_too_short": "{field}: không được để trống hoặc quá ngắn.",
    "string_too_long": "{field}: quá dài.",
    "string_pattern_mismatch": "{field}: có ký tự không hợp lệ.",
    "int_parsing": "{field}: phải là một số nguyên.",
    "int_from_float": "{field}: phải là một số nguyên.",
    "float_parsing": "{field}: phải là một số.",
    "date_parsing": "{field}: phải là ngày hợp lệ (dd/mm/yyyy).",
    "date_from_datetime_parsing": "{field}: phải là ngày hợp lệ (dd/mm/yyyy).",
    "time_parsing": "{field}: phải là giờ hợp lệ (HH:MM).",
    "greater_than_equal": "{field}: phải từ {ge} trở lên.",
    "greater_than": "{field}: phải lớn hơn {gt}.",
    "less_than_equal": "{field}: không được quá {le}.",
    "less_than": "{field}: phải nhỏ hơn {lt}.",
    "enum": "{field}: giá trị không hợp lệ.",
    "literal_error": "{field}: giá trị không hợp lệ.",
    "string_type": "{field}: phải là văn bản.",
    "int_type": "{field}: phải là một số nguyên.",
    "float_type": "{field}: phải là một số.",
    "decimal_parsing": "{field}: phải là một số.",
    "bool_parsing": "{field}: phải là có hoặc không (true/false).",
    "bool_type": "{field}: phải là có hoặc không (true/false).",
    "list_type": "{field}: phải là một danh sách.",
    "dict_type": "{field}: phải là một đối tượng JSON.",
    "model_type": "{field}: phải là một đối tượng JSON.",
    "model_attributes_type": "{field}: phải là một đối tượng JSON.",
    "too_short": "{field}: quá ít phần tử (tối thiểu {min_length}).",
    "too_long": "{field}: quá nhiều phần tử (tối đa {max_length}).",
    "datetime_parsing": "{field}: phải là thời điểm hợp lệ (ISO 8601).",
    "datetime_from_date_parsing": "{field}: phải là thời điểm hợp lệ (ISO 8601).",
    "datetime_type": "{field}: phải là thời điểm hợp lệ (ISO 8601).",
    "date_type": "{field}: phải là ngày hợp lệ (dd/mm/yyyy).",
    "time_type": "{field}: phải là giờ hợp lệ (HH:MM).",
    "timezone_aware": "{field}: phải ghi rõ múi giờ.",
    "json_invalid": "{field}: không phải JSON hợp lệ.",
    "json_type": "{field}: không phải JSON hợp lệ.",
    "extra_forbidden": "{field}: trường không được chấp nhận.",
    "url_parsing": "{field}: không phải địa chỉ hợp lệ.",
    "url_scheme": "{field}: địa chỉ phải bắt đầu bằng http:// hoặc https://.",
    "uuid_parsing": "{field}: mã không hợp lệ.",
    "multiple_of": "{field}: phải là bội số của {multiple_of}.",
}
# Our own validators raise ValueError/AssertionError with a Vietnamese sentence: that sentence is the message.
OWN_WORDS = ("value_error", "assertion_error")


def plain_message(err: Mapping[str, Any]) -> str:
    """One error's own words without pydantic's English "Value error, " prefix: our validators raise
    ValueError with a Vietnamese sentence, and pydantic puts its prefix in front of it."""
    msg = str(err.get("msg", ""))
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            return msg[len(prefix):]
    return msg


def error_clause(err: Mapping[str, Any]) -> str:
    """One error as a Vietnamese clause naming the field: 'Tên: chưa nhập.'"""
    return validation_message([err]).removeprefix(PREFIX)


def validation_message(errors: Iterable[Mapping[str, Any]]) -> str:
    """Pydantic errors in plain Vietnamese, one clause per field."""
    parts = []
    for err in list(errors)[:6]:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "form")]
        name = loc[0] if loc else ""
        field = FIELD_LABELS.get(name, name or "Dữ liệu")
        template = _MESSAGES.get(str(err.get("type")))
        ctx = err.get("ctx") or {}
        if template:
            try:
                parts.append(template.format(field=field, **ctx))
                continue
            except (KeyError, IndexError):
                pass
        own = str(err.get("type")) in OWN_WORDS
        parts.append(f"{field}: {plain_message(err) if own else 'giá trị không hợp lệ.'}")
    return PREFIX + " ".join(parts)
