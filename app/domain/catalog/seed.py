"""The SPEC §1 catalog as seed rows, applied by `python -m app seed` / `setup` (every `make run`).

K-4: seeding only adds the rows that are missing and never overwrites one, so every operator
change (a list price, a feature cell, a campaign) survives a restart. `reset=True` (the CLI's
`--reset`, for development) puts every seeded row back to its seed values and drops the
scheduled price changes and the campaigns operators added.
"""

from datetime import datetime
from typing import Any

from tortoise.models import Model
from tortoise.transactions import in_transaction

from app.domain.catalog.models import (
    Campaign,
    CatalogChange,
    Component,
    Edition,
    EditionFeature,
    Feature,
    PriceChange,
    Rate,
    UsageWeight,
)

EDITION_ORDER = ("TRIAL", "BASIC", "ADVANCED", "LARGE_ROOM")

COMPONENTS = [
    # code, product, name, price fen / month, tier, trial days
    ("RTC_TRIAL", "RTC", "体验版", 0, 0, 7),
    ("RTC_PREMIUM", "RTC", "尊享版", 150000, 1, None),
    ("RTC_ULTIMATE", "RTC", "旗舰版", 500000, 2, None),
    ("IM_PRO", "IM", "专业版", 149900, 1, None),
    ("IM_ULTIMATE", "IM", "旗舰版", 299900, 2, None),
]

ALL_RESOLUTIONS = ["720P", "1080P", "2K", "4K"]
EDITIONS = [
    dict(
        code="TRIAL",
        name="体验版",
        position=0,
        list_price_fen=0,
        rtc_component_id="RTC_TRIAL",
        im_component_id=None,
        trial_days=7,
        max_participants=20,
        max_video_streams=20,
        resolutions=ALL_RESOLUTIONS,
        included_minutes=None,
        included_dau=None,
        included_peak_groups=None,
        purchasable=False,
    ),
    dict(
        code="BASIC",
        name="基础互动版",
        position=1,
        list_price_fen=337400,
        rtc_component_id="RTC_PREMIUM",
        im_component_id="IM_PRO",
        trial_days=None,
        max_participants=50,
        max_video_streams=50,
        resolutions=["720P", "1080P"],
        included_minutes=380000,
        included_dau=10000,
        included_peak_groups=100000,
        purchasable=True,
    ),
    dict(
        code="ADVANCED",
        name="进阶互动版",
        position=2,
        list_price_fen=774900,
        rtc_component_id="RTC_ULTIMATE",
        im_component_id="IM_PRO",
        trial_days=None,
        max_participants=200,
        max_video_streams=50,
        resolutions=ALL_RESOLUTIONS,
        included_minutes=1400000,
        included_dau=10000,
        included_peak_groups=100000,
        purchasable=True,
    ),
    dict(
        code="LARGE_ROOM",
        name="超大房间互动版",
        position=3,
        list_price_fen=924900,
        rtc_component_id="RTC_ULTIMATE",
        im_component_id="IM_ULTIMATE",
        trial_days=None,
        max_participants=300,
        max_video_streams=50,
        resolutions=ALL_RESOLUTIONS,
        included_minutes=1400000,
        included_dau=10000,
        included_peak_groups=100000,
        purchasable=True,
    ),
]

ALL = (True, True, True, True)
T_AL = (True, False, True, True)  # TRIAL, ADVANCED, LARGE_ROOM


Cell = tuple[bool, str | None]


def _cells(included: tuple[bool, ...], value: str | tuple[str, ...] | None = None) -> tuple[Cell, ...]:
    """Four (included, value) cells in EDITION_ORDER; `value` is one string or four."""
    values = value if isinstance(value, tuple) else (value,) * 4
    return tuple((inc, val if inc else None) for inc, val in zip(included, values))


PLATFORMS = "iOS, Mac, Android, Web&H5, Windows, Electron, Flutter, Uni-app"

# group, code, name, cells (TRIAL, BASIC, ADVANCED, LARGE_ROOM)
FEATURES = [
    (
        "included",
        "CALL_MINUTES",
        "Call minutes per package month",
        ((False, None), (True, "380,000"), (True, "1,400,000"), (True, "1,400,000")),
    ),
    (
        "included",
        "DAU",
        "Daily active users",
        ((True, "by IM version"), (True, "10,000"), (True, "10,000"), (True, "10,000")),
    ),
    (
        "included",
        "PEAK_GROUPS",
        "Peak groups per month",
        ((True, "by IM version"), (True, "100,000"), (True, "100,000"), (True, "100,000")),
    ),
    (
        "limits",
        "MAX_PARTICIPANTS",
        "Max participants per room (raise by ticket)",
        _cells(ALL, ("20", "50", "200", "300")),
    ),
    ("limits", "MAX_VIDEO_STREAMS", "Max video streams per room", _cells(ALL, ("20", "50", "50", "50"))),
    (
        "limits",
        "RESOLUTIONS",
        "Resolutions",
        _cells(ALL, ("720P,1080P,2K,4K", "720P,1080P", "720P,1080P,2K,4K", "720P,1080P,2K,4K")),
    ),
    ("view", "STANDARD_UI", "Standard UI", _cells(ALL)),
    ("view", "FLOATING_WINDOW", "Floating window", _cells(ALL)),
    ("view", "CUSTOM_UI", "Custom UI", _cells(ALL)),
    ("user", "LOGIN_LOGOUT", "Log in and out", _cells(ALL)),
    ("user", "SET_PROFILE", "Set profile", _cells(ALL)),
    ("user", "GET_PROFILE", "Get profile", _cells(ALL)),
    ("room", "ROOM_LIFECYCLE", "Create, join, leave and dismiss rooms", _cells(ALL)),
    ("room", "ROOM_INFO", "Room information", _cells(ALL)),
    ("room", "ROOM_CUSTOM_INFO", "Custom room information", _cells(ALL)),
    ("room", "ROOM_TEXT_MESSAGE", "Text messages in the room", _cells(ALL)),
    ("room", "MULTI_VIDEO_CALL", "Multi-person video call", _cells(ALL)),
    ("room", "MULTI_VOICE_CALL", "Multi-person voice call", _cells(ALL)),
    ("room", "CAMERA_TOGGLE", "Camera on/off", _cells(ALL)),
    ("room", "MIC_TOGGLE", "Microphone on/off", _cells(ALL)),
    ("room", "MIC_VOLUME", "Microphone volume", _cells(ALL)),
    ("room", "EVENT_CALLBACKS", "Event callbacks", _cells(ALL)),
    ("members", "MEMBER_LIST", "Member list", _cells(ALL)),
    ("members", "MEMBER_ROLE_SWITCH", "Member role switch", _cells(ALL)),
    ("members", "MUTE_ONE", "Mute a member", _cells(ALL)),
    ("members", "MUTE_ALL", "Mute all", _cells(ALL)),
    ("members", "KICK_MEMBER", "Remove a member", _cells(ALL)),
    ("account", "MULTI_DEVICE_LOGIN", "Multi-device login", _cells((True, False, False, True))),
    (
        "account",
        "SAME_PLATFORM_MULTI_DEVICE_LOGIN",
        "Same-platform multi-device login",
        ((False, "IM 旗舰版 only"), (False, None), (False, None), (True, None)),
    ),
    ("seats", "SEAT_MODES", "Seat modes (free/ordered)", _cells(T_AL, "free/ordered")),
    ("seats", "REQUEST_TO_SPEAK", "Request to speak", _cells(T_AL)),
    ("seats", "CUSTOM_SEAT_COUNT", "Custom seat count", _cells(T_AL)),
    ("seats", "SEAT_INVITE_LOCK_KICK", "Invite to, lock and kick from seats", _cells(T_AL)),
    ("interaction", "SCREEN_SHARE", "Screen sharing", _cells(ALL)),
    ("interaction", "AI_NOISE_SUPPRESSION", "AI noise suppression", _cells(ALL)),
    ("interaction", "DEFAULT_AUDIO_MIXING", "Default audio mixing", _cells(ALL)),
    ("interaction", "WEAK_NETWORK_OPTIMIZATION", "Weak network optimization", _cells(ALL)),
    ("platforms", "PLATFORMS", "Platforms", _cells(ALL, PLATFORMS)),
]

# Groups whose rows are quotas or limits rather than features an app can use (N-1).
NON_FEATURE_GROUPS = ("included", "limits")

PAID_EDITIONS = ["BASIC", "ADVANCED", "LARGE_ROOM"]
CAMPAIGNS = [
    # code, name, percent of list, first order only (K-3: every paid edition, open window, enabled)
    ("FIRST_ORDER", "首单优惠", 49, True),
    ("ALL_CUSTOMERS", "全员优惠", 73, False),
]

RATES = [
    ("OVERAGE_MINUTES", 700, 1000, "Standard minutes beyond the allowance, per 1,000"),
    ("IM_DAU_OVERAGE", 10, 1, "Peak daily DAU above the quota, per user"),
    ("IM_GROUPS_OVERAGE", 1, 1, "Peak groups above the quota, per group"),
]

USAGE_WEIGHTS = {"AUDIO": 1, "VIDEO_SD": 2, "VIDEO_HD": 4, "VIDEO_FHD": 9, "VIDEO_2K": 16, "VIDEO_4K": 36}


async def _put(model: type[Model], reset: bool, defaults: dict[str, Any], **key: str) -> None:
    """Create the row when missing; overwrite it only on reset."""
    if reset:
        await model.update_or_create(defaults=defaults, using_db=None, **key)
    else:
        await model.get_or_create(defaults=defaults, using_db=None, **key)


async def seed_catalog(*, reset: bool = False) -> None:
    async with in_transaction():
        if reset:
            await PriceChange.all().delete()
            await Campaign.exclude(code__in=[c[0] for c in CAMPAIGNS]).delete()
        for code, product, name, price, tier, trial_days in COMPONENTS:
            await _put(
                Component,
                reset,
                dict(product=product, name=name, monthly_price_fen=price, tier=tier, trial_days=trial_days),
                code=code,
            )
        for row in EDITIONS:
            data = dict(row)
            await _put(Edition, reset, data, code=str(data.pop("code")))
        for position, (group, code, name, cells) in enumerate(FEATURES):
            await _put(Feature, reset, dict(group=group, name=name, position=position), code=code)
            for edition_code, (included, value) in zip(EDITION_ORDER, cells):
                await _put(
                    EditionFeature,
                    reset,
                    dict(included=included, value=value),
                    edition_id=edition_code,
                    feature_id=code,
                )
        for code, name, percent, first_only in CAMPAIGNS:
            await _put(
                Campaign,
                reset,
                dict(
                    name=name,
                    percent_of_list=percent,
                    first_order_only=first_only,
                    enabled=True,
                    editions=list(PAID_EDITIONS),
                    starts_at=None,
                    ends_at=None,
                ),
                code=code,
            )
        for code, amount, per, description in RATES:
            await _put(Rate, reset, dict(amount_fen=amount, per_units=per, description=description), code=code)
        for kind, weight in USAGE_WEIGHTS.items():
            await _put(UsageWeight, reset, dict(weight=weight), kind=kind)
        if reset:
            await CatalogChange.create(
                at=await _now(),
                operator="seed --reset",
                kind="CATALOG_RESET",
                subject="catalog",
                before=None,
                after=None,
            )


async def _now() -> datetime:
    from app import clock

    return await clock.now()


async def reset_and_announce() -> None:
    """`seed --reset`: the seeded catalog back, and the running API processes told (the catalog
    version in Redis), when Redis is reachable."""
    await seed_catalog(reset=True)
    from redis.exceptions import RedisError

    from app import catalog_version, redis_conn

    try:
        redis = await redis_conn.connect()
        try:
            await catalog_version.bump(redis)
        finally:
            await redis_conn.close()
    except (OSError, RedisError):  # no Redis: nothing is cached either
        pass
