"""Arrears state machine hooks (S-1…S-5). The money issue only needs the credit hook's shape;
the usage issue fills in the transitions."""
from datetime import datetime

from app.domain.accounts.models import Account


async def after_credit(account: Account, at: datetime) -> None:
    """Called, holding the account lock, after money arrives. Nothing to do while no account can
    be in arrears: postpaid charges (§9) are what put an account there."""
    return None
