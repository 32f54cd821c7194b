"""`python -m app demo` (UI-1): the sandbox account the console is tried with, made through the
schema in a process of its own, as a developer runs it."""

import re
import subprocess
import sys

from app.domain.accounts.models import Account, Application, Voucher
from app.domain.orders.models import Order
from app.domain.packages.models import Package
from tests.conftest import REDIS_URL
from tests.live import REPO, env_for


async def test_UI1_demo_command_makes_a_funded_account_with_two_apps_and_a_package():
    proc = subprocess.run(
        [sys.executable, "-m", "app", "demo"],
        cwd=REPO,
        env=env_for(REDIS_URL),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    found = re.search(r"Demo account (\d+) with apps (\d+) \(BASIC, 1 month\) and (\d+)\.", proc.stdout)
    assert found, proc.stdout
    account_id, first, second = (int(g) for g in found.groups())
    assert "/console/signin#token=rk_customer_" in proc.stdout

    account = await Account.get(id=account_id)
    order = await Order.get(account_id=account_id)
    assert (order.kind, order.edition, order.months) == ("PURCHASE", "BASIC", 1)
    assert account.real_name_verified and account.cash_fen == 1_000_000 - order.paid_cash_fen  # 10,000.00 in
    apps = await Application.filter(account_id=account_id).order_by("sdk_app_id")
    assert [(a.sdk_app_id, a.name) for a in apps] == [(first, "demo-live"), (second, "demo-staging")]
    packages = await Package.filter(account_id=account_id)
    assert [(p.application_id, p.edition, p.status) for p in packages] == [(first, "BASIC", "ACTIVE")]
    assert [v.amount_fen for v in await Voucher.filter(account_id=account_id)] == [10_000]
