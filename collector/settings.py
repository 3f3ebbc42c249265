"""The collector's settings, read from the environment when asked (SPEC 6)."""

from pydantic_settings import BaseSettings, SettingsConfigDict


class CollectorSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")

    # Seconds after which the open landing file is closed, so that the sensor takes it.
    analytics_landing_rotate_s: float = 5.0
    # Requests a minute per client IP; 0: no limit.
    analytics_collect_rate_limit: int = 120
    # Proxies (addresses or networks, comma-separated) whose X-Forwarded-For is believed.
    analytics_trusted_proxies: str = ""
    # Seconds between two readings of the chatbots' allowed origins from the warehouse.
    analytics_collect_origins_refresh_s: float = 30.0


def get_settings() -> CollectorSettings:
    return CollectorSettings()
