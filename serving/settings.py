"""The API's settings, from the environment (read when the app is built, not at import)."""

from datetime import UTC, datetime

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from warehouse.validation import parse_timestamp


class ServingSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")

    # ANALYTICS_NOW fixes "now" (tests, demos, replays); unset: the clock.
    analytics_now: datetime | None = None
    # APP_BASE_URL: where conversation links point.
    app_base_url: str = "https://app.selzee.com"
    # JWT_SECRET: the HS256 secret of bearer tokens; unset: bearer tokens are refused.
    jwt_secret: str | None = None
    # Seconds a request waits for a warehouse connection before answering 503.
    warehouse_timeout: float = 2.0

    @field_validator("analytics_now", mode="before")
    @classmethod
    def _parse_now(cls, value: object) -> object:
        # A value without an offset is UTC, as everywhere in the product.
        return parse_timestamp(value) if isinstance(value, str) and value.strip() else value

    def now(self) -> datetime:
        return self.analytics_now or datetime.now(UTC)
