"""Configuration of the warehouse layer, read from the environment when asked, never at import."""

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class WarehouseSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")

    # `postgresql://user@host:port/db`; unset means: start the embedded PostgreSQL.
    database_url: str | None = None
    # Where the embedded PostgreSQL keeps its data (git-ignored).
    analytics_data_dir: Path = PROJECT_ROOT / ".data"
    # Where producers drop complete files, a folder per kind (SPEC 6); unset: landing/ in the
    # data folder above.
    analytics_landing_dir: Path | None = None


def get_settings() -> WarehouseSettings:
    return WarehouseSettings()
