"""SPEC C-1, C-2, R-4, M-2, T-1: what a package still owes, and in which order (pure: no I/O).

`pending()` lists the owed transitions with their due instants; `due_now()` picks the first one
due at an instant (inclusive). At one instant the grant comes before the reminders and the
reminders before the expiry.
"""

from datetime import UTC, datetime, timedelta

from app.domain.packages.models import Package
from app.domain.packages.service import extend_component
from app.domain.timers.packages import ORDER, Due, due_now, pending

START = datetime(2027, 1, 9, 16, 0, tzinfo=UTC)  # 2027-01-10 00:00 Asia/Shanghai
FEB_10 = datetime(2027, 2, 9, 16, 0, tzinfo=UTC)
MAR_10 = datetime(2027, 3, 9, 16, 0, tzinfo=UTC)
APR_10 = datetime(2027, 4, 9, 16, 0, tzinfo=UTC)
DAY = timedelta(hours=24)
WEEK = timedelta(days=7)
SECOND = timedelta(seconds=1)


def paid(months=1, *, im_expires=None, status="ACTIVE", **extra) -> Package:
    """A BASIC package bought at START for `months`, as a purchase leaves it (month 1 granted)."""
    from app.domain.packages.rules import add_months

    expiry = add_months(START, months)
    fields = dict(
        id=1,
        application_id=1400000000,
        account_id=1,
        edition="BASIC",
        status=status,
        rtc_code="RTC_PREMIUM",
        rtc_anchor=START,
        rtc_months=months,
        rtc_expires_at=expiry,
        im_code="IM_PRO",
        im_anchor=START,
        im_months=months,
        im_expires_at=im_expires or expiry,
        started_at=START,
        created_at=START,
        auto_renew=False,
        auto_renew_months=1,
        allowance_month=0,
        reminded_7d_for=None,
        reminded_1d_for=None,
    )
    return Package(**{**fields, **extra})


def kinds(owed: list[Due]) -> list[tuple[str, datetime]]:
    return [(d.kind, d.at) for d in owed]


def test_C2_due_order_at_one_instant_is_grant_then_reminders_then_expiry():
    at = START
    same_instant = sorted(Due(at, ORDER[k], k) for k in ("expire", "remind_1d", "allowance", "remind_7d"))
    assert [d.kind for d in same_instant] == ["allowance", "remind_7d", "remind_1d", "expire"]
    # time first, rank second
    assert (
        sorted([Due(at + SECOND, ORDER["allowance"], "allowance"), Due(at, ORDER["expire"], "expire")])[0].kind
        == "expire"
    )


def test_C2_pending_of_a_one_month_package():
    assert kinds(pending(paid(1))) == [("remind_7d", FEB_10 - WEEK), ("remind_1d", FEB_10 - DAY), ("expire", FEB_10)]


def test_M2_pending_of_a_three_month_package_lists_the_next_grant_first():
    assert kinds(pending(paid(3))) == [
        ("allowance", FEB_10),
        ("remind_7d", APR_10 - WEEK),
        ("remind_1d", APR_10 - DAY),
        ("expire", APR_10),
    ]
    # after month 2's grant, month 3's is next; after month 3's, none is left
    assert kinds(pending(paid(3, allowance_month=1)))[0] == ("allowance", MAR_10)
    assert [d.kind for d in pending(paid(3, allowance_month=2))] == ["remind_7d", "remind_1d", "expire"]


def test_C2_a_grant_and_an_expiry_at_one_instant_grant_first():
    # IM ends exactly when RTC's month 2 starts
    owed = pending(paid(3, im_expires=FEB_10))
    assert kinds(owed) == [
        ("remind_7d", FEB_10 - WEEK),
        ("remind_1d", FEB_10 - DAY),
        ("allowance", FEB_10),
        ("expire", FEB_10),
    ]
    assert (
        due_now(paid(3, im_expires=FEB_10, reminded_7d_for=FEB_10, reminded_1d_for=FEB_10), FEB_10).kind == "allowance"
    )


def test_C2_a_grant_and_a_reminder_at_one_instant_grant_first():
    owed = pending(paid(3, im_expires=FEB_10 + WEEK))  # the 7-day reminder falls on FEB_10
    assert kinds(owed)[:2] == [("allowance", FEB_10), ("remind_7d", FEB_10)]
    owed = pending(paid(3, im_expires=FEB_10 + DAY))  # the 1-day reminder falls on FEB_10
    assert kinds(owed)[1:3] == [("allowance", FEB_10), ("remind_1d", FEB_10)]


def test_C1_due_now_is_inclusive_and_takes_the_earliest():
    p = paid(1)
    assert due_now(p, FEB_10 - WEEK - SECOND) is None
    assert due_now(p, FEB_10 - WEEK).kind == "remind_7d"
    assert due_now(p, FEB_10 + timedelta(days=30)).kind == "remind_7d"  # late: still the earliest first


def test_C1_marks_remove_what_was_done():
    p = paid(1, reminded_7d_for=FEB_10)
    assert [d.kind for d in pending(p)] == ["remind_1d", "expire"]
    p.reminded_1d_for = FEB_10
    assert due_now(p, FEB_10 - SECOND) is None
    assert due_now(p, FEB_10).kind == "expire"
    p.status = "EXPIRED"
    assert pending(p) == [] and due_now(p, FEB_10 + timedelta(days=400)) is None


def test_R4_reminders_are_re_armed_after_a_renewal_changes_the_expiry():
    p = paid(1, reminded_7d_for=FEB_10, reminded_1d_for=FEB_10)
    assert kinds(pending(p)) == [("expire", FEB_10)]
    for which in ("rtc", "im"):
        assert extend_component(p, which, 1, FEB_10 - DAY) is False  # before expiry: same anchor
    assert p.expires_at == MAR_10
    assert kinds(pending(p)) == [
        ("allowance", FEB_10),
        ("remind_7d", MAR_10 - WEEK),
        ("remind_1d", MAR_10 - DAY),
        ("expire", MAR_10),
    ]


def test_R4_a_single_component_renewal_keeps_the_reminders_of_the_unchanged_expiry():
    p = paid(1, reminded_7d_for=FEB_10)
    extend_component(p, "rtc", 1, START + DAY)  # RTC to MAR_10, IM still ends FEB_10
    assert p.expires_at == FEB_10
    assert kinds(pending(p)) == [("remind_1d", FEB_10 - DAY), ("allowance", FEB_10), ("expire", FEB_10)]


def test_T1_a_trial_owes_only_its_end_at_7_times_24_hours():
    trial = Package(
        id=2,
        application_id=1400000000,
        account_id=1,
        edition="TRIAL",
        status="TRIAL",
        rtc_code="RTC_TRIAL",
        rtc_anchor=START,
        rtc_months=0,
        rtc_expires_at=START + WEEK,
        started_at=START,
        created_at=START,
    )
    assert kinds(pending(trial)) == [("trial_end", START + WEEK)]
    assert due_now(trial, START + WEEK - SECOND) is None
    assert due_now(trial, START + WEEK).kind == "trial_end"
    trial.status = "TRIAL_ENDED"
    assert pending(trial) == []


def test_C1_ended_packages_owe_nothing():
    for status in ("EXPIRED", "TRIAL_ENDED", "REFUNDED", "RECLAIMED"):
        assert pending(paid(3, status=status)) == [], status
