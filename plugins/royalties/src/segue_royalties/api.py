"""Admin API: payouts, daily counts, flagged streams and the audit trail of one event."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.params import PathParameter, QueryParameter

from segue.api.deps import Context
from segue.auth.guards import admin_only
from segue.errors import NotFound

from .config import Holder
from .counting import Kind
from .payouts import PayoutReport
from .service import parse_period, payout_report, store_for
from .store import DailyCount, FlaggedReport, PlayRecord

From = Annotated[str, QueryParameter(name="from", description="First day (UTC), YYYY-MM-DD.")]
To = Annotated[str, QueryParameter(name="to", description="Last day (UTC) included, YYYY-MM-DD.")]


class RoyaltiesController(Controller):
    path = "/api/v1/admin/royalties"
    tags = ["royalties"]
    guards = [admin_only]

    @get(
        "/",
        operation_id="royaltiesPayout",
        summary="Split a revenue pool over counted streams (pro rata)",
        description=(
            "Streamshare split of `pool` by artist or label over the streams counted "
            "from `from` to `to`; holders under `min_streams` get nothing. Amounts are "
            "decimal strings that sum to the pool exactly (largest-remainder rounding)."
        ),
    )
    async def payout(
        self,
        context: Context,
        start: From,
        end: To,
        pool: Annotated[str, QueryParameter(description="The amount to split, e.g. 10000.00.")],
        currency: Annotated[
            str | None, QueryParameter(description="ISO 4217 code; default from config.")
        ] = None,
        min_streams: Annotated[
            int, QueryParameter(ge=0, description="Holders with fewer streams get nothing.")
        ] = 0,
        by: Annotated[
            Holder | None, QueryParameter(description="artist or label; default from config.")
        ] = None,
    ) -> PayoutReport:
        return await payout_report(
            context,
            start=start,
            end=end,
            pool=pool,
            currency=currency,
            min_streams=min_streams,
            by=by,
        )

    @get(
        "/daily",
        operation_id="royaltiesDaily",
        summary="Counted streams and unique listeners per day",
    )
    async def daily(
        self,
        context: Context,
        start: From,
        end: To,
        kind: Annotated[
            Kind, QueryParameter(description="track, artist, album or label.")
        ] = "track",
        limit: Annotated[int, QueryParameter(ge=1, le=100_000)] = 1000,
    ) -> list[DailyCount]:
        first, last = parse_period(start, end)
        return await (await store_for(context)).daily(first, last, kind, limit)

    @get(
        "/flagged",
        operation_id="royaltiesFlagged",
        summary="Plays the fraud filters flagged: per rule, and the latest ones",
    )
    async def flagged(
        self,
        context: Context,
        start: From,
        end: To,
        limit: Annotated[int, QueryParameter(ge=1, le=10_000)] = 100,
    ) -> FlaggedReport:
        first, last = parse_period(start, end)
        return await (await store_for(context)).flagged(first, last, limit)

    @get(
        "/events/{event_id:str}",
        operation_id="royaltiesEvent",
        summary="The audit record of one playback event: whether and why it counted",
    )
    async def event(
        self,
        context: Context,
        event_id: Annotated[str, PathParameter(description="The playback event id.")],
    ) -> PlayRecord:
        record = await (await store_for(context)).play(event_id)
        if record is None:
            raise NotFound(f"no counted playback event with id '{event_id}' (not consumed yet?)")
        return record
