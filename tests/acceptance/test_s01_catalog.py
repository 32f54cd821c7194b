"""SPEC §1 Catalog, black-box (see tests/acceptance/spec.py).

§1 has no rule ids of its own; the feature-matrix test keeps the suite's `test_catalog_` prefix
(as tests/graphql/test_catalog.py does), the editions test carries H-1 (the catalog needs no token).

Duplicates removed: none (tests/graphql/test_catalog.py asserts neither currentPrice's currency
nor the CUSTOM_SEAT_COUNT row).
"""

from tests.acceptance.spec import ALL_EDITION_FEATURES, SEATS, data, gql


async def test_H1_catalog_editions_prices_and_quotas_without_token(client):
    """§1 Editions: list / current price, trialDays, quotas, limits; catalog needs no token (H-1)."""
    result = data(
        await gql(
            client,
            """{ editions { code name listPrice { amount currency } currentPrice { amount currency }
        trialDays maxParticipants maxVideoStreams resolutions includedMinutes includedDau includedPeakGroups } }""",
        )
    )
    eds = {e["code"]: e for e in result["editions"]}
    assert set(eds) == {"TRIAL", "BASIC", "ADVANCED", "LARGE_ROOM"}
    expected = {
        "TRIAL": ("体验版", "0.00", "0.00", 7, 20, 20, None),
        "BASIC": ("基础互动版", "3374.00", "2999.00", None, 50, 50, 380000),
        "ADVANCED": ("进阶互动版", "7749.00", "6499.00", None, 200, 50, 1400000),
        "LARGE_ROOM": ("超大房间互动版", "9249.00", "7999.00", None, 300, 50, 1400000),
    }
    for code, (name, lst, cur, trial_days, maxp, maxv, minutes) in expected.items():
        e = eds[code]
        assert e["name"] == name
        assert e["listPrice"] == {"amount": lst, "currency": "CNY"}
        assert e["currentPrice"] == {"amount": cur, "currency": "CNY"}
        assert e["trialDays"] == trial_days
        assert (e["maxParticipants"], e["maxVideoStreams"]) == (maxp, maxv)
        assert e["includedMinutes"] == minutes
    assert eds["TRIAL"]["includedDau"] is None and eds["TRIAL"]["includedPeakGroups"] is None
    assert eds["BASIC"]["includedDau"] == 10000 and eds["BASIC"]["includedPeakGroups"] == 100000
    assert eds["BASIC"]["resolutions"] == ["720P", "1080P"]
    assert eds["ADVANCED"]["resolutions"] == ["720P", "1080P", "2K", "4K"]
    assert eds["TRIAL"]["resolutions"] == ["720P", "1080P", "2K", "4K"]


async def test_catalog_feature_matrix_rows_follow_spec_table(client):
    """§1 Feature matrix: seat features, multi-device login, one value per edition in `editions` order."""
    fm = data(
        await gql(
            client,
            """{ featureMatrix { editions { code } rows { feature { code group name }
        values { included value } } } }""",
        )
    )["featureMatrix"]
    order = [e["code"] for e in fm["editions"]]
    rows = {r["feature"]["code"]: r for r in fm["rows"]}
    for r in fm["rows"]:
        assert len(r["values"]) == len(order)

    def included(code):
        return {ed: v["included"] for ed, v in zip(order, rows[code]["values"])}

    for code in SEATS:
        assert included(code) == {"TRIAL": True, "BASIC": False, "ADVANCED": True, "LARGE_ROOM": True}, code
    assert included("MULTI_DEVICE_LOGIN") == {"TRIAL": True, "BASIC": False, "ADVANCED": False, "LARGE_ROOM": True}
    assert included("SAME_PLATFORM_MULTI_DEVICE_LOGIN") == {
        "TRIAL": False,
        "BASIC": False,
        "ADVANCED": False,
        "LARGE_ROOM": True,
    }
    trial_value = rows["SAME_PLATFORM_MULTI_DEVICE_LOGIN"]["values"][order.index("TRIAL")]["value"]
    assert trial_value == "IM 旗舰版 only"
    for code in ALL_EDITION_FEATURES:
        assert all(included(code).values()), code
    assert rows["SCREEN_SHARE"]["feature"]["group"] == "interaction"
