"""The health endpoints' bodies."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class LivenessOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ok"}]})

    status: Literal["ok"] = Field(description="always `ok` while the process serves")


class ReadinessOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "status": "degraded",
                    "components": {
                        "write_database": "ok",
                        "read_database": "ok",
                        "cache": "down",
                    },
                }
            ]
        }
    )

    status: Literal["ok", "degraded"] = Field(
        description="`ok`, or `degraded` while the cache or the broker is down (a database "
        "down answers 503 instead)"
    )
    components: dict[str, Literal["ok", "down"]] = Field(
        description="each component the service uses, by name: `ok` or `down`"
    )
