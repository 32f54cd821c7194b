"""SQL that writes events with their per-account `sequence` (W-2) and their outbox rows (W-3).

The number is taken with an upsert on the account's `event_sequence` row inside the writing
transaction: the row lock that upsert takes serialises the account's writers, so numbers follow
commit order and a rolled-back writer gives its number back (no gaps). The delivery rows for the
account's enabled, matching endpoints are inserted by the same statement, so an event that
committed is always owed to its endpoints (the transactional outbox)."""

# A delivery row for each enabled endpoint of the event's account whose types match ([] = all).
_OUTBOX = """
INSERT INTO webhook_delivery (endpoint_id, event_id, account_id, sequence, status, attempts, next_attempt_at,
                              created_at)
SELECT w.id, ev.id, ev.account_id, ev.sequence, 'PENDING', 0, ev.occurred_at, ev.occurred_at
FROM ev JOIN webhook_endpoint w ON w.account_id = ev.account_id AND w.enabled
  AND (jsonb_array_length(w.event_types) = 0 OR w.event_types ? ev.type)
RETURNING id
"""

# $1 account, $2 app, $3 type, $4 data (JSON text), $5 occurred at.
RECORD_ONE = f"""
WITH seq AS (
  INSERT INTO event_sequence (account_id, last_sequence) VALUES ($1, 1)
  ON CONFLICT (account_id) DO UPDATE SET last_sequence = event_sequence.last_sequence + 1
  RETURNING last_sequence AS last
), ev AS (
  INSERT INTO event (account_id, sdk_app_id, type, data, occurred_at, sequence)
  SELECT $1, $2, $3, $4::jsonb, $5, last FROM seq
  RETURNING id, account_id, type, sequence, occurred_at
), outbox AS ({_OUTBOX})
SELECT ev.id, ev.sequence, (SELECT count(*) FROM outbox) AS deliveries FROM ev
"""


def bulk_tail(source: str) -> str:
    """The CTEs that number, insert and enqueue the events of CTE `source` (columns account_id,
    sdk_app_id, type, data jsonb, occurred_at, ord — `ord` orders an account's events within the
    statement), ending in a SELECT of the inserted events. Append after `WITH …, <source> AS (…)`.
    The caller must hold the accounts' rows locked (sweeps: FOR UPDATE … SKIP LOCKED) so that the
    counter rows are never waited for while package rows are held."""
    return f"""
, counts AS (
  SELECT account_id, count(*) AS n FROM {source} GROUP BY account_id
), seq AS (
  INSERT INTO event_sequence (account_id, last_sequence) SELECT account_id, n FROM counts ORDER BY account_id
  ON CONFLICT (account_id) DO UPDATE SET last_sequence = event_sequence.last_sequence + EXCLUDED.last_sequence
  RETURNING account_id, last_sequence AS last
), numbered AS (
  SELECT s.*, seq.last - counts.n + row_number() OVER (PARTITION BY s.account_id ORDER BY s.ord) AS sequence
  FROM {source} s JOIN counts USING (account_id) JOIN seq USING (account_id)
), ev AS (
  INSERT INTO event (account_id, sdk_app_id, type, data, occurred_at, sequence)
  SELECT account_id, sdk_app_id, type, data, occurred_at, sequence FROM numbered ORDER BY ord
  RETURNING id, account_id, sdk_app_id, type, data, occurred_at, sequence
), outbox AS ({_OUTBOX})
SELECT id, account_id, sdk_app_id, type, data, occurred_at, sequence, (SELECT count(*) FROM outbox) AS deliveries
FROM ev ORDER BY occurred_at, id
"""
