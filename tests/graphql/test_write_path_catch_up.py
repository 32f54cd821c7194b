"""C-1 through the write path (issue 9): every command first applies what its locked rows owe up
to now, so a timer that has not run yet never changes an outcome — only its lateness."""

from datetime import timedelta

from app import clock
from app.domain.events.models import Event
from app.domain.packages.models import Package
from tests.conftest import START
from tests.factories import issue_token, new_account, new_app
from tests.gql import data, gql
from tests.money import (
    account_state,
    advance,
    assert_audit_clean,
    credit,
    purchase,
    record_usage,
    renew,
    shanghai,
    usage_event,
)

REFUND = """mutation($o: ID!, $k: String!) { requestRefund(orderId: $o, idempotencyKey: $k) {
  refund { status amount { amount } } errors { code field message } } }"""


async def test_C1_F4_refunding_a_renewal_after_an_unswept_expiry_writes_the_real_expiry_first(client):
    account_id, token = await new_account(client)
    await credit(client, account_id, "10000.00")
    app = await new_app(client, token)
    assert (await purchase(client, token, app, "BASIC", 1))["errors"] == []  # RTC and IM to 02-10
    await clock.set_simulated_now(shanghai(2027, 2, 8))
    renewal = await renew(client, token, app, 1, scope="IM_ONLY")  # IM to 03-10; RTC still ends 02-10
    assert renewal["errors"] == []
    await clock.set_simulated_now(shanghai(2027, 2, 11))  # past the RTC expiry; no timer has run
    result = data(await gql(client, REFUND, {"o": renewal["order"]["id"], "k": "refund-1"}, token))["requestRefund"]
    assert result["errors"] == []
    assert (result["refund"]["status"], result["refund"]["amount"]["amount"]) == ("APPROVED", "1499.00")
    expired = await Event.filter(type="PACKAGE_EXPIRED").all()
    # Once, at the instant the RTC component ran out, as the sweep would have written it.
    assert [e.occurred_at for e in expired] == [shanghai(2027, 2, 10)]
    assert "reason" not in expired[0].data
    package = await Package.get(application_id=app)
    assert (package.status, package.im_expires_at) == ("EXPIRED", shanghai(2027, 2, 10))
    await assert_audit_clean()


async def test_C1_M2_usage_of_a_new_package_month_before_its_grant_ran_is_rated_against_the_new_allowance(client):
    account_id, token = await new_account(client)
    await credit(client, account_id, "20000.00")
    app = await new_app(client, token)
    assert (await purchase(client, token, app, "BASIC", 2))["errors"] == []  # 380,000 minutes a package month
    # Month 1 uses all but 1,000 of its allowance.
    service = await issue_token(client, "SERVICE")
    await clock.set_simulated_now(START + timedelta(days=1, minutes=1))
    first = await record_usage(client, service, [usage_event(app, 379_000, at=START + timedelta(days=1))])
    assert first["errors"] == [] and first["accepted"] == 1
    # The worker is down across the month boundary (02-10 00:00): no ALLOWANCE_GRANTED has run.
    await clock.set_simulated_now(shanghai(2027, 2, 12))
    second = await record_usage(client, service, [usage_event(app, 5_000, at=shanghai(2027, 2, 11))])
    assert second["errors"] == [] and second["accepted"] == 1
    package = await Package.get(application_id=app)
    # Rated against month 2's fresh 380,000 minutes: nothing billable, 375,000 left.
    assert (package.allowance_month, package.allowance_granted, package.allowance_used) == (1, 380_000, 5_000)
    grants = await Event.filter(type="ALLOWANCE_GRANTED").order_by("id")
    assert [(g.data["month"], g.occurred_at) for g in grants] == [(1, START), (2, shanghai(2027, 2, 10))]
    from app.domain.usage.models import UsageRecord

    late = await UsageRecord.get(occurred_at=shanghai(2027, 2, 11))
    assert (late.included_minutes, late.billable_minutes) == (5_000, 0)
    await assert_audit_clean()


async def test_C1_S3_a_credit_after_an_unswept_arrears_grace_suspends_first_then_lifts(client):
    """The account's own timers are caught up too: money arriving after arrears + 24 h finds the
    account suspended at its instant, and lifts the suspension (S-3, S-4) rather than only
    ending arrears as if the grace had not passed."""
    account_id, token = await new_account(client)
    app = await new_app(client, token)
    service = await issue_token(client, "SERVICE")
    assert (await record_usage(client, service, [usage_event(app, 1_000)]))["accepted"] == 1  # no package: billed
    settled_at = START + timedelta(days=1, hours=1)  # 01-11 01:00 Asia/Shanghai: 7.00 into a zero balance
    await advance(client, settled_at)
    assert (await account_state(client, token))["status"] == "ARREARS"
    await clock.set_simulated_now(settled_at + timedelta(hours=30))  # the suspension timer has not run
    await credit(client, account_id, "7.00")
    kinds = [e.type for e in await Event.filter(account_id=int(account_id)).order_by("id")]
    assert kinds[-5:] == [
        "ARREARS_STARTED",
        "ACCOUNT_SUSPENDED",
        "BALANCE_CREDITED",
        "ARREARS_CLEARED",
        "SUSPENSION_LIFTED",
    ]
    suspended = await Event.get(type="ACCOUNT_SUSPENDED")
    assert suspended.occurred_at == settled_at + timedelta(hours=24)
    assert (await account_state(client, token))["status"] == "NORMAL"
    await assert_audit_clean()
