"""A hedge run that did not complete exits by what its orders show, so a cron job can tell a lost send
(resume first) from a venue cancellation or an order still pending."""

from __future__ import annotations

import pytest

from hedgefi.cli.hedge import incomplete_exit_code
from hedgefi.core.errors import ExitCode


@pytest.mark.parametrize("statuses, code", [
    ({"executed", "error"}, ExitCode.ERROR),              # a send failed or its answer was lost
    ({"error", "cancelled"}, ExitCode.ERROR),             # the error comes first: resume before anything else
    ({"executed", "cancelled"}, ExitCode.ORDER_CANCELLED),
    ({"frozen"}, ExitCode.ORDER_CANCELLED),
    ({"executed", "pending"}, ExitCode.ORDER_PENDING),
    ({"sent"}, ExitCode.ORDER_PENDING),
    ({"skipped"}, ExitCode.ORDER_CANCELLED),
])
def test_incomplete_runs_exit_by_what_their_orders_show(statuses: set[str], code: int) -> None:
    assert incomplete_exit_code(statuses) == code
