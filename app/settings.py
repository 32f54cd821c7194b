"""Process configuration, read once from the environment (SPEC §12)."""

from functools import lru_cache
from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    database_url: str | None = None
    redis_url: str | None = None
    port: int = 8000
    clock_mode: Literal["real", "simulated"] = "real"
    payments_mode: Literal["live", "sandbox"] = "live"
    roomkit_operator_token: str | None = None
    db_pool_size: int = 20
    data_dir: str = ".data"
    redis_prefix: str | None = None
    webhooks_allow_private: bool = False  # W-7: http:// and private targets (development, tests)
    # H-4: query-cost points per CUSTOMER/PARTNER token, refilled per second in real time.
    rate_limit_bucket: int = 1000
    rate_limit_restore_rate: float = 100.0
    web_concurrency: int = 1  # API processes of `serve` / `run` (docs/scaling.md)
    worker_processes: int = 1  # arq worker processes of `run`


@lru_cache
def get_settings() -> Settings:
    return Settings()
