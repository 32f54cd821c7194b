"""C-1: the set-based path that ends trials and expires packages writes exactly what the per-row
path writes (state, event type and data), and leaves nothing owed."""

from datetime import timedelta

from app.domain.events.models import Event
from app.domain.packages.models import Package
from tests.conftest import START
from tests.factories import new_account, new_app
from tests.money import advance, assert_audit_clean, credit, purchase, start_trial


async def test_C1_bulk_expiry_writes_the_same_event_as_the_row_path(client):
    account_id, token = await new_account(client)
    await credit(client, account_id, "10000")
    paid_app, trial_app = await new_app(client, token), await new_app(client, token)
    package_id = (await purchase(client, token, paid_app, "BASIC", 1))["package"]["id"]
    trial_id = (await start_trial(client, token, trial_app))["package"]["id"]
    await advance(client, START + timedelta(days=40))

    expired = await Event.filter(type="PACKAGE_EXPIRED").first()
    assert expired.sdk_app_id == paid_app
    assert expired.data == {
        "packageId": package_id,
        "components": ["RTC_PREMIUM", "IM_PRO"],
        "expiresAt": "2027-02-09T16:00:00+00:00",
    }
    assert expired.occurred_at.isoformat() == "2027-02-09T16:00:00+00:00"
    ended = await Event.filter(type="TRIAL_ENDED").first()
    assert (ended.sdk_app_id, ended.data) == (trial_app, {"packageId": trial_id, "reason": "EXPIRED"})
    assert ended.occurred_at == START + timedelta(days=7)
    rows = {p.id: p for p in await Package.all()}
    assert (rows[int(package_id)].status, rows[int(package_id)].next_due_at) == ("EXPIRED", None)
    assert (rows[int(trial_id)].status, rows[int(trial_id)].ended_at) == ("TRIAL_ENDED", START + timedelta(days=7))
    assert await Event.filter(type__in=("PACKAGE_EXPIRED", "TRIAL_ENDED")).count() == 2
    await assert_audit_clean()
