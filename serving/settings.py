"""The API's settings, from the environment (read when the app is built, not at import)."""

from datetime import UTC, datetime
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from warehouse.validation import parse_timestamp


class ServingSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    # ANALYTICS_NOW fixes "now" (tests, demos, replays); unset: the clock.
    analytics_now: datetime | None = None
    # APP_BASE_URL: where conversation links point.
    app_base_url: str = "https://app.selzee.com"
    # JWT_SECRET: the HS256 secret of bearer tokens; unset: bearer tokens are refused.
    jwt_secret: str | None = None
    # ANALYTICS_API_POOL_SIZE: warehouse connections of one API process. Each request holds
    # one only while its queries run, so a few per core keep the server busy (bench/serving).
    pool_size: int = Field(4, ge=1, validation_alias="analytics_api_pool_size")
    # ANALYTICS_API_QUEUE: requests that may wait for a connection; past it, 503 "overloaded".
    queue_size: int = Field(1024, ge=0, validation_alias="analytics_api_queue")
    # ANALYTICS_API_WAIT_S: seconds a request waits for a connection before a 503.
    warehouse_timeout: float = Field(5.0, gt=0, validation_alias="analytics_api_wait_s")
    # ANALYTICS_API_STATEMENT_TIMEOUT_S: a query running longer (e.g. waiting on a lock) is
    # cancelled and the request answered 503.
    statement_timeout: float = Field(
        5.0, gt=0, validation_alias="analytics_api_statement_timeout_s"
    )

    # ANALYTICS_CORS_ORIGINS: comma-separated origins whose pages may call the API.
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, validation_alias="analytics_cors_origins"
    )

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip().rstrip("/") for origin in value.split(",") if origin.strip()]
        return value

    @field_validator("analytics_now", mode="before")
    @classmethod
    def _parse_now(cls, value: object) -> object:
        # A value without an offset is UTC, as everywhere in the product.
        return parse_timestamp(value) if isinstance(value, str) and value.strip() else value

    def now(self) -> datetime:
        return self.analytics_now or datetime.now(UTC)
