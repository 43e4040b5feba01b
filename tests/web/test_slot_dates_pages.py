"""A new slot dated in the past or on a day that does not exist is refused with the reason, not added."""

from datetime import timedelta

from core.timeutil import local_today
from tests.web.test_schedule_pages import _slot


def test_past_and_impossible_slot_dates_are_refused_with_the_reason(client, world, settings, web_login):
    csrf = web_login("operator_a")
    today = local_today(settings.tz)
    commune = world.commune_a.id
    in_2020 = _slot(client, csrf, commune, starts_on="01/01/2020", ends_on="31/12/2020")
    assert in_2020.status_code == 422 and "Đã thêm khung giờ" not in in_2020.text
    assert "Ngày kết thúc 31/12/2020 đã qua: khung giờ này sẽ không bao giờ được phát" in in_2020.text
    assert 'value="01/01/2020"' in in_2020.text  # what was typed stays in the form
    started = _slot(client, csrf, commune, starts_on="01/01/2020")
    assert started.status_code == 422 and "Ngày bắt đầu 01/01/2020 đã qua" in started.text
    assert "Để trống ngày bắt đầu để áp dụng ngay" in started.text
    for impossible in ("31/02/2027", "01/13/2027", "1/1/20270"):
        refused = _slot(client, csrf, commune, starts_on=impossible)
        assert refused.status_code == 422 and f"“{impossible}” không phải một ngày có thật" in refused.text
    assert "Chưa có khung giờ nào." in client.get(f"/slots?area_id={commune}").text
    # Today, a future day, or blank are fine.
    ok = _slot(client, csrf, commune, starts_on=f"{today:%d/%m/%Y}", ends_on=f"{today + timedelta(days=90):%d/%m/%Y}")
    assert ok.status_code == 200 and "Đã thêm khung giờ" in ok.text
