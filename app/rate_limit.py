"""Per-token leaky buckets of query-cost points in Redis (H-4), shared by every API process.

One Lua script reads Redis's own TIME, refills the bucket for the time passed, and takes the
cost if it fits — atomically, so concurrent requests on several processes never overspend. The
refill runs in real time whatever CLOCK_MODE: Redis's clock is the one allowed wall-clock read
here (a simulated clock frozen between operator calls would never refill a bucket).
"""

import math
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.commands.core import AsyncScript

from app import redis_conn

# KEYS[1] the bucket; ARGV capacity, restore rate per second, cost. Returns {taken, available}
# (available as a string: Lua numbers come back to Redis clients as truncated integers).
TAKE = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'available', 'at')
local available = tonumber(state[1])
local at = tonumber(state[2])
if available == nil or at == nil then
  available = capacity
else
  available = math.min(capacity, available + math.max(0, now - at) * rate)
end
local taken = 0
if cost <= available then
  available = available - cost
  taken = 1
end
redis.call('HSET', KEYS[1], 'available', tostring(available), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(capacity / rate) + 1)
return {taken, tostring(available)}
"""


@dataclass(frozen=True)
class Throttle:
    taken: bool
    cost: int
    capacity: int
    available: float  # after this request
    restore_rate: float

    @property
    def retry_after(self) -> float:
        """Seconds until the bucket holds `cost` again, rounded up to the millisecond."""
        missing = max(0.0, self.cost - self.available)
        return math.ceil(missing / self.restore_rate * 1000) / 1000

    def as_extension(self) -> dict:
        rate = self.restore_rate
        return {
            "requestedQueryCost": self.cost,
            "throttleStatus": {
                "maximumAvailable": self.capacity,
                "currentlyAvailable": int(math.floor(self.available)),
                "restoreRate": int(rate) if float(rate).is_integer() else rate,
            },
        }


_scripts: dict[int, AsyncScript] = {}


def bucket_key(token_hash: str) -> str:
    return redis_conn.key(f"qcost:{token_hash}")


async def take(redis: Redis, token_hash: str, cost: int, capacity: int, restore_rate: float) -> Throttle:
    script = _scripts.get(id(redis))
    if script is None:
        script = _scripts[id(redis)] = redis.register_script(TAKE)
    taken, available = await script(keys=[bucket_key(token_hash)], args=[capacity, restore_rate, cost])
    available = float(available.decode() if isinstance(available, bytes) else available)
    return Throttle(bool(taken), cost, capacity, available, restore_rate)
