"""SPEC N-1 straight against app.domain.entitlements.service.compute: rows in, answer out (no
HTTP, no cache)."""

from datetime import timedelta

import pytest

from app.domain.accounts.models import Account, Application
from app.domain.entitlements.service import compute
from app.domain.errors import NotFound
from app.domain.packages.models import Package
from app.domain.packages.rules import add_months
from tests.conftest import START

BASIC_END = add_months(START, 1)
TRIAL_END = START + timedelta(days=7)
COMMON_COUNT = 26  # SPEC §1 rows included in every edition, PLATFORMS among them


async def app_of(account_status="NORMAL", app_status="ACTIVE") -> Application:
    account = await Account.create(name="Acme", status=account_status, created_at=START)
    return await Application.create(account_id=account.id, name="Rooms", status=app_status, created_at=START)


async def paid(
    app: Application, edition="BASIC", status="ACTIVE", months=1, granted=380_000, used=0, im_months=None, started=START
) -> Package:
    rtc_end = add_months(started, months)
    im_end = add_months(started, im_months if im_months is not None else months)
    rtc, im = {
        "BASIC": ("RTC_PREMIUM", "IM_PRO"),
        "ADVANCED": ("RTC_ULTIMATE", "IM_PRO"),
        "LARGE_ROOM": ("RTC_ULTIMATE", "IM_ULTIMATE"),
    }[edition]
    return await Package.create(
        application_id=app.sdk_app_id,
        account_id=app.account_id,
        edition=edition,
        status=status,
        rtc_code=rtc,
        rtc_anchor=started,
        rtc_months=months,
        rtc_expires_at=rtc_end,
        im_code=im,
        im_anchor=started,
        im_months=im_months or months,
        im_expires_at=im_end,
        started_at=started,
        allowance_granted=granted,
        allowance_used=used,
        created_at=started,
    )


async def trial(app: Application, status="TRIAL", started=START) -> Package:
    return await Package.create(
        application_id=app.sdk_app_id,
        account_id=app.account_id,
        edition="TRIAL",
        status=status,
        rtc_code="RTC_TRIAL",
        rtc_anchor=started,
        rtc_months=0,
        rtc_expires_at=started + timedelta(days=7),
        started_at=started,
        created_at=started,
    )


def answer(e) -> tuple:
    return e.edition, e.features_unlocked, e.service_active, e.reason


async def test_N1_no_package():
    app = await app_of()
    e = await compute(app.sdk_app_id, START)
    assert answer(e) == (None, False, True, "NO_PACKAGE")
    assert (e.limits, e.features, e.included_minutes_left, e.valid_until) == (None, [], None, None)


async def test_N1_unknown_app_is_not_found():
    with pytest.raises(NotFound):
        await compute(1_399_999_999, START)


async def test_N1_trial_running_until_its_last_instant():
    app = await app_of()
    await trial(app)
    e = await compute(app.sdk_app_id, TRIAL_END - timedelta(microseconds=1))
    assert answer(e) == ("TRIAL", True, True, None)
    assert e.limits == {"maxParticipants": 20, "maxVideoStreams": 20, "resolutions": ["720P", "1080P", "2K", "4K"]}
    assert e.included_minutes_left is None
    assert e.valid_until == TRIAL_END.isoformat()
    assert len(e.features) == COMMON_COUNT + 5
    assert {"MULTI_DEVICE_LOGIN", "SEAT_MODES", "PLATFORMS"} <= set(e.features)
    assert "SAME_PLATFORM_MULTI_DEVICE_LOGIN" not in e.features
    # At the end instant, even before the timer has marked it, the trial no longer counts.
    assert answer(await compute(app.sdk_app_id, TRIAL_END)) == (None, False, True, "EXPIRED")


async def test_N1_trial_ended_is_expired():
    app = await app_of()
    await trial(app, status="TRIAL_ENDED")
    assert answer(await compute(app.sdk_app_id, START + timedelta(days=8))) == (None, False, True, "EXPIRED")


@pytest.mark.parametrize(
    ("edition", "participants", "resolutions", "extra"),
    [
        ("BASIC", 50, ["720P", "1080P"], set()),
        (
            "ADVANCED",
            200,
            ["720P", "1080P", "2K", "4K"],
            {"SEAT_MODES", "REQUEST_TO_SPEAK", "CUSTOM_SEAT_COUNT", "SEAT_INVITE_LOCK_KICK"},
        ),
        (
            "LARGE_ROOM",
            300,
            ["720P", "1080P", "2K", "4K"],
            {
                "SEAT_MODES",
                "REQUEST_TO_SPEAK",
                "CUSTOM_SEAT_COUNT",
                "SEAT_INVITE_LOCK_KICK",
                "MULTI_DEVICE_LOGIN",
                "SAME_PLATFORM_MULTI_DEVICE_LOGIN",
            },
        ),
    ],
)
async def test_N1_paid_edition(edition, participants, resolutions, extra):
    app = await app_of()
    await paid(app, edition, granted=1_000, used=250)
    e = await compute(app.sdk_app_id, START)
    assert answer(e) == (edition, True, True, None)
    assert e.limits == {"maxParticipants": participants, "maxVideoStreams": 50, "resolutions": resolutions}
    assert e.included_minutes_left == 750
    assert e.valid_until == BASIC_END.isoformat()
    assert len(e.features) == COMMON_COUNT + len(extra)
    assert extra <= set(e.features)
    assert not set(e.features) & {
        "CALL_MINUTES",
        "DAU",
        "PEAK_GROUPS",
        "MAX_PARTICIPANTS",
        "MAX_VIDEO_STREAMS",
        "RESOLUTIONS",
    }


async def test_N1_included_minutes_never_below_zero():
    app = await app_of()
    await paid(app, granted=380_000, used=400_000)
    assert (await compute(app.sdk_app_id, START)).included_minutes_left == 0


async def test_N1_active_package_past_its_expiry_is_expired_before_the_timer_runs():
    app = await app_of()
    await paid(app)
    assert answer(await compute(app.sdk_app_id, BASIC_END)) == (None, False, True, "EXPIRED")


async def test_N1_expired_package_with_one_component_still_running_is_locked():
    app = await app_of()
    await paid(app, status="EXPIRED", months=1, im_months=3)
    e = await compute(app.sdk_app_id, BASIC_END + timedelta(days=1))
    assert answer(e) == (None, False, True, "EXPIRED")
    assert e.included_minutes_left is None


async def test_N1_refunded_stops_service():
    app = await app_of()
    await paid(app, status="REFUNDED")
    e = await compute(app.sdk_app_id, START)
    assert answer(e) == (None, False, False, "REFUNDED")


async def test_N1_a_new_package_after_a_refund_serves_again():
    app = await app_of()
    await paid(app, status="REFUNDED")
    await trial(app)
    assert answer(await compute(app.sdk_app_id, START)) == ("TRIAL", True, True, None)


async def test_N1_arrears_not_suspended_is_served():
    app = await app_of(account_status="ARREARS")
    await paid(app)
    assert answer(await compute(app.sdk_app_id, START)) == ("BASIC", True, True, None)


async def test_N1_suspension_stops_service_and_keeps_features():
    app = await app_of(account_status="SUSPENDED", app_status="SUSPENDED")
    await paid(app)
    e = await compute(app.sdk_app_id, START)
    assert answer(e) == ("BASIC", True, False, "ARREARS")
    assert e.limits is not None and e.included_minutes_left == 380_000


@pytest.mark.parametrize(
    ("account_status", "app_status", "package_status", "reason"),
    [
        ("BANNED", "BANNED", "ACTIVE", "BANNED"),
        ("BANNED", "RECLAIMED", "RECLAIMED", "BANNED"),  # BANNED comes first
        ("NORMAL", "BANNED", "ACTIVE", "BANNED"),
        ("SUSPENDED", "RECLAIMED", "RECLAIMED", "RECLAIMED"),  # RECLAIMED before ARREARS
        ("NORMAL", "RECLAIMED", "RECLAIMED", "RECLAIMED"),
        ("NORMAL", "RECLAIMED", "ACTIVE", "RECLAIMED"),
        ("SUSPENDED", "SUSPENDED", "REFUNDED", "ARREARS"),  # ARREARS before REFUNDED
        ("SUSPENDED", "SUSPENDED", "EXPIRED", "ARREARS"),  # ARREARS before EXPIRED
    ],
)
async def test_N1_reason_is_the_first_that_applies(account_status, app_status, package_status, reason):
    app = await app_of(account_status, app_status)
    await paid(app, status=package_status)
    e = await compute(app.sdk_app_id, START + timedelta(days=1))
    assert (e.service_active, e.reason) == (False, reason)
    if reason != "ARREARS":
        assert (e.features_unlocked, e.edition, e.limits, e.features) == (False, None, None, [])


async def test_N1_banned_without_package():
    app = await app_of("BANNED", "BANNED")
    assert answer(await compute(app.sdk_app_id, START)) == (None, False, False, "BANNED")


async def test_N1_the_latest_package_decides():
    app = await app_of()
    await trial(app, status="TRIAL_ENDED")
    later = START + timedelta(days=1)
    await paid(app, "ADVANCED", started=later, granted=1_400_000)
    e = await compute(app.sdk_app_id, later)
    assert answer(e) == ("ADVANCED", True, True, None)
    assert e.included_minutes_left == 1_400_000
