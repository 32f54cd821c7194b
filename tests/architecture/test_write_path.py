"""Issue 9, "Done when": every write goes through the command envelope (ARCHITECTURE, "The write
path"), proved on the running code rather than by reading it.

The schema's Mutation fields and the worker's task functions are enumerated; each must be
classified below, so a new mutation or task that nobody looked at fails here. Then every mutation
is executed once (and every B-8 one twice) against the real database through the test client,
while `app.domain.trace` collects the envelope steps the domain took:

- an ENVELOPE mutation locks the account first and catches it up, and takes its waiting locks in
  the one order account → apps → packages → orders (app/domain/locks.py);
- a B-8 mutation (an `idempotencyKey` argument; SPEC B-8) is a registered domain command
  (app/domain/commands.py), runs inside `idempotency.once` before any lock, and its repeat is a
  replay that locks nothing;
- a mutation that moved money (wrote a ledger transaction) is B-8, or listed in
  MONEY_WITHOUT_KEY with the rule that makes it run once.
"""

from datetime import timedelta

from graphql import build_schema

from app.domain import commands, trace
from app.domain.ledger.models import LedgerTransaction
from graphql_schema.schema import schema
from tests.conftest import OPERATOR, START
from tests.factories import new_account, new_app
from tests.gql import data, gql
from tests.money import credit, key, purchase
from workers.settings import WorkerSettings

LOCK_ORDER = {"lock:account": 0, "lock:apps": 1, "lock:packages": 2, "lock:orders": 3}

# Lock the acting account first (caught up to now), then what the command touches, in order.
ENVELOPE = {
    "createApplication",
    "setRealNameVerified",
    "banAccount",
    "startTrial",
    "purchasePackage",
    "renewPackage",
    "setAutoRenew",
    "creditAccount",
    "topUp",
    "grantVoucher",
    "upgradePackage",
    "requestRefund",
    "reviewRefund",
    "setRefundReview",
    "setRenewFlag",
    "renewPackages",
    "alignExpiry",
    "cancelRenewal",
}
# The account lock without a catch-up: what they change owes nothing to any timer.
ACCOUNT_LOCK_ONLY = {
    "createWebhookEndpoint": "an endpoint row of the account (W-1); the lock counts its endpoints",
    "updateWebhookEndpoint": "the same endpoint row",
    "deleteWebhookEndpoint": "the same endpoint row",
    "rotateWebhookSecret": "the same endpoint row (W-6)",
}
# No account lock, by nature.
NO_ACCOUNT_LOCK = {
    "createAccount": "creates the account: there is nothing to lock yet",
    "issueToken": "a token row; no account state changes",
    "schedulePriceChange": "operators' catalog edit: locks the component row (K-1)",
    "cancelPriceChange": "operators' catalog edit: locks the price-change row (K-1)",
    "upsertCampaign": "operators' catalog edit: locks the campaign row (K-3)",
    "setListPrice": "operators' catalog edit: locks the edition row (K-4)",
    "setEditionFeature": "operators' catalog edit: locks the feature cell (K-4)",
    "recordUsage": "a service's batch across many accounts (M-1): locks the packages it rates, and an account "
    "only when one of its packages owes a catch-up (C-1); idempotent by eventId",
    "redeliverWebhook": "one more attempt of one delivery (W-5), recorded on the delivery row as the relay "
    "records its attempts; disabling the endpoint, when it comes to that, locks the account",
    "recordImStats": "one (app, day) row, idempotent by its key (M-1); rated by the daily settlement",
}
# Runs the timers (C-2): its steps are the timer tasks' own, checked by the timer test below.
TIMER_DOORS = {"advanceClock"}
# Moves money with no idempotencyKey in the contract; why it still runs at most once.
MONEY_WITHOUT_KEY = {
    "reviewRefund": "approving executes the refund once: a second review is REFUND_NOT_PENDING (F-2)",
    "advanceClock": "the timers charge under internal keys: one auto-renewal per (package, period), "
    "one settlement per (app, day)",
}
# Worker tasks (WorkerSettings.functions and cron_jobs) and whether they write.
TASKS = {
    "ping": "writes nothing",
    "sweep": "writes",
    "run_package_timers": "writes",
    "run_account_timers": "writes",
    "relay_webhooks": "writes",
}


def mutation_fields() -> dict[str, set[str]]:
    """Every Mutation field → the names of its arguments and of its input objects' fields."""
    mutation = build_schema(schema.as_str()).mutation_type
    found = {}
    for name, f in mutation.fields.items():
        names = set(f.args)
        for arg in f.args.values():
            of = arg.type
            while hasattr(of, "of_type"):
                of = of.of_type
            names |= set(getattr(of, "fields", {}) or {})
        found[name] = names
    return found


def test_every_mutation_is_classified_once():
    fields = mutation_fields()
    classes = [ENVELOPE, set(ACCOUNT_LOCK_ONLY), set(NO_ACCOUNT_LOCK), TIMER_DOORS]
    unclassified = sorted(set(fields) - set().union(*classes))
    assert unclassified == [], f"classify these mutations in {__name__}: {unclassified}"
    stale = sorted(set().union(*classes) - set(fields))
    assert stale == [], f"no such mutations: {stale}"
    twice = sorted(n for n in fields if sum(n in c for c in classes) > 1)
    assert twice == []


def test_b8_mutations_are_exactly_the_registered_domain_commands():
    """A mutation that takes a key is a domain command (so every door gets B-8), and a registered
    command that clients can call takes a key."""
    keyed = {name for name, names in mutation_fields().items() if "idempotencyKey" in names}
    internal = {"autoRenewal"}
    assert keyed == set(commands.COMMANDS) - internal
    assert keyed <= ENVELOPE


def task_names() -> list[str]:
    names = [getattr(f, "coroutine", f).__name__ for f in WorkerSettings.functions]
    names += [job.coroutine.__name__ for job in WorkerSettings.cron_jobs]
    return names


def test_every_worker_task_is_classified():
    assert sorted(set(task_names()) - set(TASKS)) == []
    assert sorted(set(TASKS) - set(task_names())) == []


def check_lock_order(steps: list[str]) -> None:
    """Waiting locks in the one order. A SKIP LOCKED lock (`try_lock:`) never waits, so it cannot
    take part in a deadlock, whatever comes before it."""
    waiting = [LOCK_ORDER[s] for s in steps if s in LOCK_ORDER]
    assert waiting == sorted(waiting), steps


class Run:
    """Calls mutations the way clients do, recording each one's envelope steps and money moved."""

    def __init__(self, client):
        self.client = client
        self.steps: dict[str, list[str]] = {}
        self.replays: dict[str, list[str]] = {}
        self.moved: set[str] = set()

    async def __call__(self, name: str, query: str, variables: dict, token: str) -> dict:
        before = await LedgerTransaction.all().count()
        with trace.collect() as steps:
            payload = data(await gql(self.client, query, variables, token))[name]
        assert payload["errors"] == [], (name, payload)
        if await LedgerTransaction.all().count() != before:
            self.moved.add(name)
        self.steps.setdefault(name, steps)
        if name in commands.COMMANDS:  # B-8: the same key and input once more is a replay
            with trace.collect() as again:
                replayed = data(await gql(self.client, query, variables, token))[name]
            assert replayed == payload, name
            self.replays[name] = again
        return payload


def m(name: str, args: str, params: str, select: str) -> str:
    """A mutation document: `name(args)` with its variable declarations and selection."""
    declared = f"({params})" if params else ""
    return f"mutation{declared} {{ {name}({args}) {{ {select} errors {{ code field message }} }} }}"


ACCOUNT = "account { id }"
PACKAGE = "package { id }"
ORDER = "order { id } package { id }"
BATCH = "orders { id } packages { id }"
REFUND = "refund { id status }"
ENDPOINT = "endpoint { id }"


async def scenario(client, monkeypatch) -> Run:
    """Every mutation once, successfully, in an order that builds what the next one needs."""
    run = Run(client)
    monkeypatch.setenv("WEBHOOKS_ALLOW_PRIVATE", "true")  # the endpoint below is a closed local port
    from app.settings import get_settings

    get_settings.cache_clear()
    created = await run(
        "createAccount",
        m("createAccount", "input: $i", "$i: CreateAccountInput!", "account { id } token"),
        {"i": {"name": "Acme", "type": "OWNER", "realNameVerified": True}},
        OPERATOR,
    )
    account, token = created["account"]["id"], created["token"]
    service = (await run("issueToken", m("issueToken", "role: $r", "$r: Role!", "token"), {"r": "SERVICE"}, OPERATOR))[
        "token"
    ]
    await run(
        "setRealNameVerified",
        m("setRealNameVerified", "accountId: $a, verified: true", "$a: ID!", ACCOUNT),
        {"a": account},
        OPERATOR,
    )
    app = (
        await run(
            "createApplication",
            m("createApplication", "name: $n", "$n: String!", "application { sdkAppId }"),
            {"n": "one"},
            token,
        )
    )["application"]["sdkAppId"]
    endpoint = (
        await run(
            "createWebhookEndpoint",
            m("createWebhookEndpoint", "url: $u", "$u: String!", ENDPOINT),
            {"u": "http://127.0.0.1:9/hook"},
            token,
        )
    )["endpoint"]["id"]
    await run(
        "creditAccount",
        m(
            "creditAccount",
            'accountId: $a, amount: "100000.00", source: "cash", idempotencyKey: $k',
            "$a: ID!, $k: String!",
            ACCOUNT,
        ),
        {"a": account, "k": key()},
        OPERATOR,
    )
    await run("topUp", m("topUp", 'amount: "10.00", idempotencyKey: $k', "$k: String!", ACCOUNT), {"k": key()}, token)
    voucher = (
        await run(
            "grantVoucher",
            m(
                "grantVoucher",
                'accountId: $a, amount: "1.00", expiresAt: $e',
                "$a: ID!, $e: DateTime!",
                "voucher { id }",
            ),
            {"a": account, "e": "2030-01-01T00:00:00Z"},
            OPERATOR,
        )
    )["voucher"]["id"]
    trial_app, batch_app, align_app = [await new_app(client, token, n) for n in ("trial", "batch", "align")]
    await run("startTrial", m("startTrial", "sdkAppId: $s", "$s: Int!", PACKAGE), {"s": trial_app}, token)
    await run(
        "purchasePackage",
        m("purchasePackage", "input: $i", "$i: PurchaseInput!", ORDER),
        {
            "i": {
                "sdkAppId": app,
                "edition": "BASIC",
                "months": 1,
                "acceptAgreements": True,
                "idempotencyKey": key(),
                "voucherIds": [voucher],
            }
        },
        token,
    )
    await run(
        "renewPackage",
        m("renewPackage", "input: $i", "$i: RenewInput!", ORDER),
        {"i": {"sdkAppId": app, "months": 1, "idempotencyKey": key()}},
        token,
    )
    await run("setAutoRenew", m("setAutoRenew", "sdkAppId: $s, enabled: true", "$s: Int!", PACKAGE), {"s": app}, token)
    await run(
        "setRenewFlag", m("setRenewFlag", "sdkAppId: $s, flag: AUTO_RENEW", "$s: Int!", PACKAGE), {"s": app}, token
    )
    await run(
        "upgradePackage",
        m("upgradePackage", "input: $i", "$i: UpgradeInput!", ORDER),
        {"i": {"sdkAppId": app, "targetEdition": "ADVANCED", "idempotencyKey": key()}},
        token,
    )
    for other in (batch_app, align_app):
        assert (await purchase(client, token, other))["errors"] == []
    renewed = await run(
        "renewPackages",
        m("renewPackages", "input: $i", "$i: BatchRenewInput!", BATCH),
        {"i": {"items": [{"sdkAppId": batch_app, "months": 1}], "idempotencyKey": key()}},
        token,
    )
    await run(
        "alignExpiry",
        m("alignExpiry", "input: $i", "$i: AlignExpiryInput!", BATCH),
        {"i": {"sdkAppIds": [align_app], "day": 5, "idempotencyKey": key()}},
        token,
    )
    await run(
        "cancelRenewal",
        m("cancelRenewal", "orderId: $o, idempotencyKey: $k", "$o: ID!, $k: String!", REFUND),
        {"o": renewed["orders"][0]["id"], "k": key()},
        token,
    )
    # A second account whose refunds wait for review (F-2).
    other, other_token = await new_account(client, "Beta")
    await credit(client, other, "10000.00")
    bought = await purchase(client, other_token, await new_app(client, other_token))
    await run(
        "setRefundReview",
        m("setRefundReview", "accountId: $a, required: true", "$a: ID!", ACCOUNT),
        {"a": other},
        OPERATOR,
    )
    refund = (
        await run(
            "requestRefund",
            m("requestRefund", "orderId: $o, idempotencyKey: $k", "$o: ID!, $k: String!", REFUND),
            {"o": bought["order"]["id"], "k": key()},
            other_token,
        )
    )["refund"]
    assert refund["status"] == "PENDING_REVIEW"
    await run(
        "reviewRefund",
        m("reviewRefund", "refundId: $r, approve: true", "$r: ID!", REFUND),
        {"r": refund["id"]},
        OPERATOR,
    )
    await run(
        "banAccount", m("banAccount", 'accountId: $a, reason: "spam"', "$a: ID!", ACCOUNT), {"a": other}, OPERATOR
    )
    usage = {"eventId": "ev-1", "sdkAppId": app, "kind": "AUDIO", "minutes": 5, "occurredAt": START.isoformat()}
    await run(
        "recordUsage", m("recordUsage", "events: $e", "$e: [UsageEventInput!]!", "accepted"), {"e": [usage]}, service
    )
    await run(
        "recordImStats",
        m("recordImStats", 'sdkAppId: $s, day: "2027-01-10", dau: 3, peakGroups: 1', "$s: Int!", "accepted"),
        {"s": app},
        service,
    )
    # The webhook mutations, once the events above have made deliveries for the endpoint.
    await run(
        "updateWebhookEndpoint",
        m("updateWebhookEndpoint", 'id: $e, description: "main"', "$e: ID!", ENDPOINT),
        {"e": endpoint},
        token,
    )
    await run("rotateWebhookSecret", m("rotateWebhookSecret", "id: $e", "$e: ID!", ENDPOINT), {"e": endpoint}, token)
    page = data(
        await gql(
            client,
            "query($e: ID!) { webhookDeliveries(endpointId: $e, first: 1) { edges { node { id } } } }",
            {"e": endpoint},
            token,
        )
    )["webhookDeliveries"]["edges"]
    await run(
        "redeliverWebhook",
        m("redeliverWebhook", "deliveryId: $d", "$d: ID!", "delivery { id }"),
        {"d": page[0]["node"]["id"]},
        token,
    )
    await run(
        "deleteWebhookEndpoint", m("deleteWebhookEndpoint", "id: $e", "$e: ID!", ENDPOINT), {"e": endpoint}, token
    )
    # Operators' catalog edits last: the prices above are the seeded ones (the fixture restores them).
    change = (
        await run(
            "schedulePriceChange",
            m(
                "schedulePriceChange",
                'component: "RTC_PREMIUM", price: "1600.00", effectiveAt: $t',
                "$t: DateTime!",
                "priceChange { id }",
            ),
            {"t": (START + timedelta(days=60)).isoformat()},
            OPERATOR,
        )
    )["priceChange"]["id"]
    await run(
        "cancelPriceChange", m("cancelPriceChange", "id: $c", "$c: ID!", "priceChange { id }"), {"c": change}, OPERATOR
    )
    await run(
        "upsertCampaign",
        m("upsertCampaign", "input: $i", "$i: CampaignInput!", "campaign { code }"),
        {
            "i": {
                "code": "WRITE_PATH",
                "percentOfList": 90,
                "editions": ["BASIC"],
                "firstOrderOnly": False,
                "enabled": False,
            }
        },
        OPERATOR,
    )
    await run(
        "setListPrice", m("setListPrice", 'edition: BASIC, price: "3500.00"', "", "edition { code }"), {}, OPERATOR
    )
    await run(
        "setEditionFeature",
        m("setEditionFeature", 'edition: BASIC, feature: "SEAT_MODES", included: true', "", "edition { code }"),
        {},
        OPERATOR,
    )
    # Past the first package's expiry: its auto-renewal is charged by the timers advanceClock runs.
    await run(
        "advanceClock",
        m("advanceClock", "to: $t", "$t: DateTime!", "now timersRun"),
        {"t": (START + timedelta(days=70)).isoformat()},
        OPERATOR,
    )
    return run


async def test_every_mutation_goes_through_the_envelope(client, monkeypatch):
    executed = await scenario(client, monkeypatch)
    assert sorted(set(mutation_fields()) - set(executed.steps)) == []
    # The envelope: the account locked first and caught up, then the rest in order.
    for name in sorted(ENVELOPE):
        steps = [s for s in executed.steps[name] if not s.startswith(("once:", "replay:"))]
        assert steps[:2] == ["lock:account", "catch_up:account"], (name, executed.steps[name])
        check_lock_order(steps)
        if "lock:packages" in steps:  # locked packages are caught up before the command looks at them
            assert steps.index("catch_up:packages") > steps.index("lock:packages"), (name, steps)
    for name in ACCOUNT_LOCK_ONLY:
        assert executed.steps[name][:1] == ["lock:account"], (name, executed.steps[name])
        check_lock_order(executed.steps[name])
    for name in set(NO_ACCOUNT_LOCK) - {"recordUsage"}:
        assert [s for s in executed.steps[name] if "lock:" in s] == [], (name, executed.steps[name])
    check_lock_order(executed.steps["recordUsage"])
    # B-8: the key's own lock before any row lock, and the repeat is a replay that locks nothing.
    for name in sorted(set(commands.COMMANDS) & set(executed.steps)):
        steps = executed.steps[name]
        assert steps[0] == f"once:{name}" and steps.count(f"once:{name}") == 1, (name, steps)
        assert executed.replays[name] == [f"replay:{name}"], (name, executed.replays[name])
    # Money moved only under a key, or under a rule that runs it once.
    assert {"purchasePackage", "creditAccount", "topUp", "reviewRefund", "advanceClock"} <= executed.moved
    unguarded = sorted(executed.moved - set(commands.COMMANDS) - set(MONEY_WITHOUT_KEY))
    assert unguarded == [], f"these moved money with no idempotency: {unguarded}"
    assert "once:autoRenewal" in executed.steps["advanceClock"]  # the timers' own B-8 key


async def test_timer_tasks_lock_in_order_and_charge_once(client):
    """Each writing task, called as the worker calls it, with work due: waiting locks in order;
    the auto-renewal it charges runs under its internal key."""
    from workers import tasks

    account, token = await new_account(client)
    await credit(client, account, "100000.00")
    apps = [await new_app(client, token, f"app {i}") for i in range(2)]
    bought = [await purchase(client, token, a, auto_renew=True) for a in apps]
    assert all(b["errors"] == [] for b in bought)
    from app import clock

    await clock.set_simulated_now(START + timedelta(days=40))
    seen: dict[str, list[str]] = {}
    package_id = int(bought[0]["package"]["id"])
    for name, call in (
        ("run_package_timers", tasks.run_package_timers({}, package_id)),
        ("run_account_timers", tasks.run_account_timers({}, int(account))),
        ("sweep", tasks.sweep({})),
        ("relay_webhooks", tasks.relay_webhooks({})),
    ):
        with trace.collect() as steps:
            await call
        seen[name] = steps
        check_lock_order(steps)
    assert seen["run_package_timers"][:3] == ["lock:account", "try_lock:packages", "once:autoRenewal"], seen
    assert "once:autoRenewal" in seen["sweep"], seen  # the other app's package, renewed by the sweep
    assert set(seen) == {n for n, what in TASKS.items() if what == "writes"}
