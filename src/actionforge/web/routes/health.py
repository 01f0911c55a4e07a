"""/healthz (the process is up) and /readyz (it can reach its database)."""

from __future__ import annotations

from fastapi.responses import JSONResponse

from actionforge.web.deps import ServicesDep
from actionforge.web.routing import ScreeningRouter

router = ScreeningRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", response_model=None)
async def readyz(svc: ServicesDep) -> JSONResponse | dict[str, str]:
    try:
        await svc.platform.db.ping()
    except Exception:  # any database failure means "not ready"; the reason goes to the log only
        return JSONResponse({"status": "unavailable"}, status_code=503)
    return {"status": "ok"}
