"""``GET /api/v1/health``: is this Segue up, and can each slot's backend answer?"""

from __future__ import annotations

from collections.abc import Sequence

import anyio
from litestar import Response, get
from litestar.types import ControllerRouterHandler

from segue import __version__, hookimpl
from segue.api.deps import Context
from segue.api.schemas import Health, SlotHealth
from segue.context import SegueContext
from segue.slots.registry import REQUIRED_SLOTS, SLOT_NAMES, SlotName

PING_TIMEOUT_S = 2.0


async def _check(context: SegueContext, slot: SlotName) -> SlotHealth:
    backend = context.backend_name(slot)
    try:
        with anyio.fail_after(PING_TIMEOUT_S):
            await context.slot(slot).ping()
    except TimeoutError:
        return SlotHealth(backend=backend, ok=False, error=f"no answer within {PING_TIMEOUT_S:g} s")
    except Exception as exc:
        return SlotHealth(backend=backend, ok=False, error=f"{type(exc).__name__}: {exc}")
    return SlotHealth(backend=backend, ok=True)


@get(
    "/api/v1/health",
    opt={"public": True},
    operation_id="getHealth",
    tags=["system"],
    summary="Health of the server and of each slot backend",
    description=(
        "Public (no authentication). Pings every running slot backend with a "
        f"{PING_TIMEOUT_S:g} s timeout. 503 when a required slot (catalog, events, "
        "storage) fails, 200 otherwise (status 'degraded' if an optional slot fails)."
    ),
    security=[{}],
    cache=False,
)
async def health(context: Context) -> Response[Health]:
    """Ping the running slots concurrently; 503 if a required one fails."""
    slots = [s for s in SLOT_NAMES if context.has_slot(s)]
    results: dict[str, SlotHealth] = {}

    async def check_into(slot: SlotName) -> None:
        results[slot] = await _check(context, slot)

    async with anyio.create_task_group() as tg:
        for slot in slots:
            tg.start_soon(check_into, slot)
    missing_required = [s for s in REQUIRED_SLOTS if not context.has_slot(s)]
    for slot in missing_required:
        results[slot] = SlotHealth(
            backend=context.backend_name(slot), ok=False, error="not running"
        )
    failed_required = any(not results[s].ok for s in REQUIRED_SLOTS)
    all_ok = all(r.ok for r in results.values())
    body = Health(
        status="ok" if all_ok else "degraded",
        version=__version__,
        slots={s: results[s] for s in SLOT_NAMES if s in results},
    )
    return Response(body, status_code=503 if failed_required else 200)


@hookimpl
def register_routes(context: SegueContext) -> Sequence[ControllerRouterHandler]:
    return [health]
