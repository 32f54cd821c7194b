"""SPEC §1 catalog and B-4 quotes, through the API."""

from app.domain.catalog import seed
from tests.factories import new_account
from tests.gql import data, error_codes, gql

EDITIONS = """{ editions { code name listPrice { amount currency } currentPrice { amount } trialDays
  maxParticipants maxVideoStreams resolutions includedMinutes includedDau includedPeakGroups } }"""


async def test_catalog_editions_have_spec_prices_and_quotas(client):
    editions = data(await gql(client, EDITIONS))["editions"]
    assert [(e["code"], e["name"], e["listPrice"]["amount"], e["currentPrice"]["amount"]) for e in editions] == [
        ("TRIAL", "体验版", "0.00", "0.00"),
        ("BASIC", "基础互动版", "3374.00", "2999.00"),
        ("ADVANCED", "进阶互动版", "7749.00", "6499.00"),
        ("LARGE_ROOM", "超大房间互动版", "9249.00", "7999.00"),
    ]
    assert {e["listPrice"]["currency"] for e in editions} == {"CNY"}
    assert [e["trialDays"] for e in editions] == [7, None, None, None]
    assert [e["maxParticipants"] for e in editions] == [20, 50, 200, 300]
    assert [e["maxVideoStreams"] for e in editions] == [20, 50, 50, 50]
    assert [e["resolutions"] for e in editions] == [
        ["720P", "1080P", "2K", "4K"],
        ["720P", "1080P"],
        ["720P", "1080P", "2K", "4K"],
        ["720P", "1080P", "2K", "4K"],
    ]
    assert [e["includedMinutes"] for e in editions] == [None, 380000, 1400000, 1400000]
    assert [e["includedDau"] for e in editions] == [None, 10000, 10000, 10000]
    assert [e["includedPeakGroups"] for e in editions] == [None, 100000, 100000, 100000]


async def test_catalog_edition_by_code(client):
    result = data(await gql(client, "{ edition(code: ADVANCED) { code currentPrice { amount } } }"))
    assert result["edition"] == {"code": "ADVANCED", "currentPrice": {"amount": "6499.00"}}


MATRIX = """{ featureMatrix { editions { code } rows { feature { code group }
  values { feature { code } included value } } } }"""


async def test_catalog_feature_matrix_matches_spec_cell_for_cell(client):
    matrix = data(await gql(client, MATRIX))["featureMatrix"]
    assert [e["code"] for e in matrix["editions"]] == ["TRIAL", "BASIC", "ADVANCED", "LARGE_ROOM"]
    got = {
        row["feature"]["code"]: (row["feature"]["group"], tuple((v["included"], v["value"]) for v in row["values"]))
        for row in matrix["rows"]
    }
    for row in matrix["rows"]:
        assert {v["feature"]["code"] for v in row["values"]} == {row["feature"]["code"]}
    yes, no = (True, None), (False, None)
    expected = {
        "CALL_MINUTES": ("included", ((False, None), (True, "380,000"), (True, "1,400,000"), (True, "1,400,000"))),
        "DAU": ("included", ((True, "by IM version"), (True, "10,000"), (True, "10,000"), (True, "10,000"))),
        "PEAK_GROUPS": ("included", ((True, "by IM version"),) + ((True, "100,000"),) * 3),
        "MAX_PARTICIPANTS": ("limits", ((True, "20"), (True, "50"), (True, "200"), (True, "300"))),
        "MAX_VIDEO_STREAMS": ("limits", ((True, "20"), (True, "50"), (True, "50"), (True, "50"))),
        "RESOLUTIONS": (
            "limits",
            ((True, "720P,1080P,2K,4K"), (True, "720P,1080P"), (True, "720P,1080P,2K,4K"), (True, "720P,1080P,2K,4K")),
        ),
        "MULTI_DEVICE_LOGIN": ("account", (yes, no, no, yes)),
        "SAME_PLATFORM_MULTI_DEVICE_LOGIN": ("account", ((False, "IM 旗舰版 only"), no, no, yes)),
        "REQUEST_TO_SPEAK": ("seats", (yes, no, yes, yes)),
        "SEAT_INVITE_LOCK_KICK": ("seats", (yes, no, yes, yes)),
        "SCREEN_SHARE": ("interaction", (yes, yes, yes, yes)),
        "KICK_MEMBER": ("members", (yes, yes, yes, yes)),
        "PLATFORMS": ("platforms", ((True, seed.PLATFORMS),) * 4),
    }
    for code, cells in expected.items():
        assert got[code] == cells, code
    everywhere = [
        "STANDARD_UI",
        "FLOATING_WINDOW",
        "CUSTOM_UI",
        "LOGIN_LOGOUT",
        "SET_PROFILE",
        "GET_PROFILE",
        "ROOM_LIFECYCLE",
        "ROOM_INFO",
        "ROOM_CUSTOM_INFO",
        "ROOM_TEXT_MESSAGE",
        "MULTI_VIDEO_CALL",
        "MULTI_VOICE_CALL",
        "CAMERA_TOGGLE",
        "MIC_TOGGLE",
        "MIC_VOLUME",
        "EVENT_CALLBACKS",
        "MEMBER_LIST",
        "MEMBER_ROLE_SWITCH",
        "MUTE_ONE",
        "MUTE_ALL",
        "AI_NOISE_SUPPRESSION",
        "DEFAULT_AUDIO_MIXING",
        "WEAK_NETWORK_OPTIMIZATION",
    ]
    for code in everywhere:
        assert got[code][1] == (yes,) * 4, code
    assert got["SEAT_MODES"][1] == ((True, "free/ordered"), no, (True, "free/ordered"), (True, "free/ordered"))
    assert len(got) == 38


QUOTE = """query($e: EditionCode!, $m: Int!) { quote(edition: $e, months: $m) {
  lines { description months amount { amount } campaign } total { amount } } }"""


async def test_B4_anonymous_quote_prices_as_new_owner_first_order(client):
    quote = data(await gql(client, QUOTE, {"e": "BASIC", "m": 1}))["quote"]
    assert quote["total"]["amount"] == "1653.26"
    assert [(l["months"], l["amount"]["amount"], l["campaign"]) for l in quote["lines"]] == [
        (1, "1653.26", "FIRST_ORDER")
    ]


async def test_B4_first_order_three_months_discounts_only_the_first(client):
    quote = data(await gql(client, QUOTE, {"e": "BASIC", "m": 3}))["quote"]
    assert quote["total"]["amount"] == "7651.26"
    assert [(l["months"], l["amount"]["amount"], l["campaign"]) for l in quote["lines"]] == [
        (1, "1653.26", "FIRST_ORDER"),
        (2, "5998.00", None),
    ]


async def test_B4_sub_user_quote_has_no_campaign(client):
    owner_id, _ = await new_account(client)
    _, sub_token = await new_account(client, name="Sub", type="SUB_USER", owner_id=owner_id)
    quote = data(await gql(client, QUOTE, {"e": "BASIC", "m": 2}, sub_token))["quote"]
    assert quote["total"]["amount"] == "5998.00"
    assert all(l["campaign"] is None for l in quote["lines"])


async def test_B1_quote_rejects_months_out_of_range_and_trial(client):
    for months in (0, 37):
        assert error_codes(await gql(client, QUOTE, {"e": "BASIC", "m": months})) == ["INVALID_DURATION"]
    assert error_codes(await gql(client, QUOTE, {"e": "TRIAL", "m": 1})) == ["INVALID_EDITION"]
