"""HTTP API v1 routers (see docs/api.md, the contract with the caller app)."""

from fastapi import APIRouter

from caller_server.api import auth, batches, campaigns, invites, me, organiser, results

router = APIRouter(prefix="/api/v1")
for _module in (auth, me, campaigns, batches, results, organiser, invites):
    router.include_router(_module.router)

__all__ = ["router"]
