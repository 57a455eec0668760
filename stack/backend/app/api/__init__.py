"""The project's REST API under /api/v1."""
from fastapi import APIRouter

from . import analyses, auth, health, stocks, watchlists

router = APIRouter(prefix="/api/v1")
router.include_router(health.router)
router.include_router(auth.router)
router.include_router(stocks.router)
router.include_router(watchlists.router)
router.include_router(analyses.router)
