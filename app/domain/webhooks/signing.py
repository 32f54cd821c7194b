"""Standard Webhooks signing (W-2, W-6) with the `standardwebhooks` library: secrets are
`whsec_` + base64 of 32 random bytes; during a rotation's 24 h both secrets sign, new first."""

import base64
import secrets as random
from datetime import datetime

from standardwebhooks.webhooks import Webhook

SECRET_BYTES = 32


def new_secret() -> str:
    return "whsec_" + base64.b64encode(random.token_bytes(SECRET_BYTES)).decode()


def signature_header(msg_id: str, at: datetime, body: str, secrets: list[str]) -> str:
    """`v1,<sig>` per secret, space-separated, in the order given (the newest first)."""
    return " ".join(Webhook(s).sign(msg_id=msg_id, timestamp=at, data=body) for s in secrets)
