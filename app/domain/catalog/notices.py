"""K-2: a scheduled price rise tells every account that would pay it at an auto-renewal.

One account-level PRICE_CHANGE_NOTICE per account, written by one set-based INSERT … SELECT (an
operator raising a price must not loop over a hundred thousand accounts), published after commit
like any recorded event.
"""

import json
from datetime import datetime

from tortoise import connections

from app.domain.events import service as events
from app.domain.events.bus import Written
from app.domain.events.sequence import bulk_tail
from app.domain.money import format_fen

# "An AUTO_RENEW package containing the component", in one place: a paid package set to renew
# automatically whose component is still running, so an auto-renewal of it can still happen.
# `auto_renew` is true exactly when the renew flag is AUTO_RENEW.
AUTO_RENEW_PACKAGE = "p.auto_renew = true"
CONTAINS_RUNNING = """p.status IN ('ACTIVE', 'EXPIRED') AND p.edition <> 'TRIAL' AND (
       (p.rtc_code = $1 AND p.rtc_expires_at > $2)
    OR (p.im_code = $1 AND p.im_expires_at > $2))"""

# One account-level event per account, numbered and enqueued to webhooks like any other (W-2, W-3).
NOTICE = f"""
WITH notices AS (
  SELECT a.account_id, NULL::bigint AS sdk_app_id, 'PRICE_CHANGE_NOTICE'::text AS type, $3::jsonb AS data,
         $2::timestamptz AS occurred_at, 1 AS ord
  FROM (SELECT DISTINCT p.account_id FROM package p WHERE {AUTO_RENEW_PACKAGE} AND {CONTAINS_RUNNING}) a
){bulk_tail("notices")}"""


async def price_rise(component: str, old_fen: int, new_fen: int, effective_at: datetime, *, at: datetime) -> int:
    """Write the notices in the caller's transaction; returns how many accounts were told."""
    data = {
        "component": component,
        "oldPrice": format_fen(old_fen),
        "newPrice": format_fen(new_fen),
        "effectiveAt": effective_at.isoformat(),
    }
    conn = connections.get("default")
    rows = await conn.execute_query_dict(NOTICE, [component, at, json.dumps(data)])
    if rows:
        events.published_after_commit(
            [
                Written(
                    r["id"], r["account_id"], r["sdk_app_id"], r["type"], r["data"], r["occurred_at"], r["sequence"]
                )
                for r in rows
            ],
            deliveries=rows[0]["deliveries"],
        )
    return len(rows)
