"""C-1 with a late timer: a change requested after a due instant, before any sweep ran, first
applies what is owed (under the same locks), so nothing is decided on a state time has changed."""

from datetime import timedelta

from app import clock
from app.domain.events.models import Event
from tests.conftest import START
from tests.factories import new_account, new_app
from tests.money import assert_audit_clean, credit, purchase, start_trial


async def test_C1_a_purchase_after_an_unswept_expiry_expires_the_old_package_first(client):
    account_id, token = await new_account(client)
    await credit(client, account_id, "10000.00")
    app = await new_app(client, token)
    await purchase(client, token, app, "BASIC", 1)
    await clock.set_simulated_now(START + timedelta(days=40))  # past the expiry; no timer has run
    result = await purchase(client, token, app, "ADVANCED", 1)
    assert result["errors"] == []
    assert result["package"]["edition"] == "ADVANCED"
    expired = await Event.filter(type="PACKAGE_EXPIRED").all()
    assert [e.occurred_at for e in expired] == [START + timedelta(days=31)]  # at its due instant
    await assert_audit_clean()


async def test_C1_a_trial_past_its_seven_days_does_not_block_the_second_trial(client):
    _, token = await new_account(client)
    app = await new_app(client, token)
    await start_trial(client, token, app)
    await clock.set_simulated_now(START + timedelta(days=7))  # the trial's last instant has come
    second = await start_trial(client, token, app)
    assert second["errors"] == []
    ended = await Event.filter(type="TRIAL_ENDED").all()
    assert [(e.data["reason"], e.occurred_at) for e in ended] == [("EXPIRED", START + timedelta(days=7))]
