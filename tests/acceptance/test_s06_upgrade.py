"""SPEC §6 Upgrade (U-1…U-4), black-box (see tests/acceptance/spec.py).

Duplicates removed: none. tests/graphql/test_upgrade.py has the SPEC's three examples, but these tests also
assert what it does not in the same scenario (the unchanged expiry of a 1- and a 3-month package, the
PACKAGE_UPGRADED event and the 200 participants right after, the package's IM_ULTIMATE, includedMinutesLeft
in entitlements, ADVANCED → ADVANCED refused, other component periods and month lengths).
"""

from tests.acceptance.spec import (
    EXPIRY_1M,
    UPGRADE_AT,
    advance,
    codes,
    entitlements,
    events,
    funded_owner,
    new_app,
    of_type,
    purchase,
    renew,
    shanghai,
    start_trial,
    ts,
    upgrade,
)


async def test_U3_upgrade_basic_to_advanced_1_month_1806_45(client):
    """U-2/U-3: BASIC (1 month) → ADVANCED at 01-25: 3500 × 16/31 = 1806.45; expiry unchanged."""
    _, token = await funded_owner(client)
    app = await new_app(client, token)
    await purchase(client, token, app)
    await advance(client, UPGRADE_AT)
    u = await upgrade(client, token, app, "ADVANCED")
    assert u["errors"] == []
    assert u["order"]["kind"] == "UPGRADE" and u["order"]["amount"]["amount"] == "1806.45"
    assert [line["amount"]["amount"] for line in u["order"]["lines"]] == ["1806.45"]
    assert u["package"]["edition"] == "ADVANCED" and u["package"]["rtc"]["code"] == "RTC_ULTIMATE"
    assert ts(u["package"]["expiresAt"]) == EXPIRY_1M
    assert of_type(await events(client, token), "PACKAGE_UPGRADED")
    assert (await entitlements(client, token, app))["limits"]["maxParticipants"] == 200


async def test_U3_upgrade_basic_3_months_to_advanced_8806_45(client):
    """U-3: bought for 3 months: 3500 × (16/31 + 2) = 8806.45."""
    _, token = await funded_owner(client)
    app = await new_app(client, token)
    await purchase(client, token, app, months=3)
    await advance(client, UPGRADE_AT)
    u = await upgrade(client, token, app, "ADVANCED")
    assert u["errors"] == [] and u["order"]["amount"]["amount"] == "8806.45"
    assert ts(u["package"]["expiresAt"]) == shanghai(2027, 4, 10)


async def test_U3_upgrade_basic_to_large_room_two_lines_2580_64(client):
    """U-3: one line per raised component, each rounded: 1806.45 + 774.19 = 2580.64."""
    _, token = await funded_owner(client)
    app = await new_app(client, token)
    await purchase(client, token, app)
    await advance(client, UPGRADE_AT)
    u = await upgrade(client, token, app, "LARGE_ROOM")
    assert u["errors"] == []
    assert sorted(line["amount"]["amount"] for line in u["order"]["lines"]) == ["1806.45", "774.19"]
    assert u["order"]["amount"]["amount"] == "2580.64"
    assert u["package"]["im"]["code"] == "IM_ULTIMATE"


async def test_U4_upgrade_grows_included_minutes_by_fraction(client):
    """U-4: this month's minutes grow by (1,400,000 − 380,000) × 16/31, rounded down = 526,451."""
    _, token = await funded_owner(client)
    app = await new_app(client, token)
    await purchase(client, token, app)
    await advance(client, UPGRADE_AT)
    u = await upgrade(client, token, app, "ADVANCED")
    assert u["package"]["includedMinutesLeft"] == 380000 + 526451
    assert (await entitlements(client, token, app))["includedMinutesLeft"] == 906451


async def test_U1_upgrade_refusals(client):
    """U-1: DOWNGRADE_NOT_ALLOWED, SAME_EDITION; NO_ACTIVE_PACKAGE for trials, expired or no packages."""
    _, token = await funded_owner(client)
    adv, basic, trial, none = [await new_app(client, token, n) for n in ("adv", "basic", "trial", "none")]
    await purchase(client, token, adv, edition="ADVANCED")
    await purchase(client, token, basic)
    await start_trial(client, token, trial)
    assert codes(await upgrade(client, token, adv, "BASIC")) == ["DOWNGRADE_NOT_ALLOWED"]
    assert codes(await upgrade(client, token, basic, "BASIC")) == ["SAME_EDITION"]
    assert codes(await upgrade(client, token, adv, "ADVANCED")) == ["SAME_EDITION"]
    assert codes(await upgrade(client, token, trial, "ADVANCED")) == ["NO_ACTIVE_PACKAGE"]
    assert codes(await upgrade(client, token, none, "ADVANCED")) == ["NO_ACTIVE_PACKAGE"]
    assert (await upgrade(client, token, adv, "LARGE_ROOM"))["errors"] == []
    assert codes(await upgrade(client, token, adv, "ADVANCED", idem="down2")) == ["DOWNGRADE_NOT_ALLOWED"]
    await advance(client, EXPIRY_1M)
    assert codes(await upgrade(client, token, basic, "ADVANCED", idem="late")) == ["NO_ACTIVE_PACKAGE"]


async def test_U3_upgrade_in_a_28_day_package_month(client):
    """U-3: BASIC 3 months from 01-10, upgrade to ADVANCED at 02-20 00:00: the current package month is
    02-10 → 03-10 (28 days), 18 days left, then 1 whole month: 3500 × (18/28 + 1) = 5750.00."""
    _, token = await funded_owner(client)
    app = await new_app(client, token)
    await purchase(client, token, app, months=3)
    await advance(client, shanghai(2027, 2, 20))
    u = await upgrade(client, token, app, "ADVANCED")
    assert u["errors"] == [] and u["order"]["amount"]["amount"] == "5750.00"


async def test_U3_upgrade_prices_each_component_by_its_own_remaining_months(client):
    """U-3 (reading: remaining months per raised component): RTC renewed to 03-10, IM to 02-10; upgrade to
    LARGE_ROOM at 01-25: RTC 3500 × (16/31 + 1) = 5306.45, IM 1500 × 16/31 = 774.19; total 6080.64."""
    _, token = await funded_owner(client)
    app = await new_app(client, token)
    await purchase(client, token, app)
    await renew(client, token, app, months=1, scope="RTC_ONLY")
    await advance(client, UPGRADE_AT)
    u = await upgrade(client, token, app, "LARGE_ROOM")
    assert u["errors"] == []
    assert sorted(line["amount"]["amount"] for line in u["order"]["lines"]) == ["5306.45", "774.19"]
    assert u["order"]["amount"]["amount"] == "6080.64"


async def test_U4_upgrade_next_month_gets_full_new_allowance(client):
    """U-4/M-2: after the upgrade month, the next package month grants the new edition's full 1,400,000."""
    _, token = await funded_owner(client)
    app = await new_app(client, token)
    await purchase(client, token, app, months=3)
    await advance(client, UPGRADE_AT)
    await upgrade(client, token, app, "ADVANCED")
    await advance(client, EXPIRY_1M)
    assert (await entitlements(client, token, app))["includedMinutesLeft"] == 1400000
