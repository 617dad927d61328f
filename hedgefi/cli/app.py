"""The ``hedgefi`` entry point: the root command, global options and the error boundary.

``main()`` runs the typer app and turns every ``HedgefiError`` into one clear line on stderr and
its exit code; usage errors exit 2; an unexpected exception is reported as an internal error
(traceback only with ``HEDGEFI_DEBUG=1``, never with locals). Heavy imports (web3) happen inside
commands, so ``hedgefi --help`` stays fast.
"""

from __future__ import annotations

import os
import re
import sys
from typing import Optional

import typer

from hedgefi.cli import backtest as backtest_cli
from hedgefi.cli import devnet as devnet_cli
from hedgefi.cli import hedge as hedge_cli
from hedgefi.cli import holdings as holdings_cli
from hedgefi.cli import risk as risk_cli
from hedgefi.cli import short as short_cli
from hedgefi.cli import tx as tx_cli
from hedgefi.cli import venues as venues_cli
from hedgefi.cli import wallet as wallet_cli
from hedgefi.cli.context import OPTIONS
from hedgefi.core.errors import ExitCode, HedgefiError
from hedgefi.core.units import money_context

app = typer.Typer(
    name="hedgefi",
    help="Hedge a crypto wallet with short perps on GMX v2 and gTrade v10, straight from your wallet.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)


@app.callback()
def _root(
    chain: Optional[str] = typer.Option(None, "--chain", help="Chain profile: devnet or arbitrum "
                                        "[env HEDGEFI_CHAIN; default devnet]."),
    rpc: Optional[str] = typer.Option(None, "--rpc", help="RPC URL, or several separated by commas (failover) "
                                      "[env HEDGEFI_RPC_URL]; never logged in full."),
) -> None:
    OPTIONS.chain, OPTIONS.rpc = chain, rpc


app.add_typer(devnet_cli.app, name="devnet")
app.add_typer(wallet_cli.app, name="wallet")
app.command("holdings")(holdings_cli.holdings)
app.command("markets")(venues_cli.markets)
app.command("positions")(venues_cli.positions)
app.command("orders")(venues_cli.orders)
app.add_typer(short_cli.app, name="short")
app.add_typer(hedge_cli.app, name="hedge")
app.add_typer(tx_cli.app, name="tx")
app.command("watch")(risk_cli.watch)
app.command("scenario")(risk_cli.scenario)
app.command("backtest")(backtest_cli.backtest)

_KEY_ON_ARGV = re.compile(r"(?<![0-9a-fA-F])(0x)?[0-9a-fA-F]{64}(?![0-9a-fA-F])")


# options whose value is a 32-byte identifier (an order key), not a secret
_BYTES32_OPTIONS = ("--cancel",)


def _refuse_keys_on_argv(argv: list[str]) -> None:
    for i, arg in enumerate(argv):
        if (i > 0 and argv[i - 1] in _BYTES32_OPTIONS) or arg.startswith(tuple(o + "=" for o in _BYTES32_OPTIONS)):
            continue
        if i > 1 and argv[i - 1] == "status" and "tx" in argv[: i - 1]:
            continue  # `tx status HASH`: a transaction hash, not a key
        if _KEY_ON_ARGV.search(arg):
            raise HedgefiError("refusing an argument that looks like a private key: keys never go on the "
                               "command line (other users can read it); use `hedgefi wallet import` or "
                               "HEDGEFI_PRIVATE_KEY")


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    code: int = ExitCode.OK
    try:
        _refuse_keys_on_argv(args)
        with money_context():   # the CLI's money math and rendering: hedgefi's decimal context
            app(args=args, prog_name="hedgefi")  # standalone: exits with the command's code
    except HedgefiError as exc:
        from hedgefi.cli import render   # rich loads only when there is something to print

        render.error(exc.message)
        code = exc.exit_code
    except KeyboardInterrupt:
        from hedgefi.cli import render

        render.error("interrupted")
        code = 130
    except Exception as exc:  # a bug: say so plainly, without locals
        if os.environ.get("HEDGEFI_DEBUG"):
            import traceback

            traceback.print_exc()
        from hedgefi.cli import render

        render.error(f"internal error ({type(exc).__name__}); rerun with HEDGEFI_DEBUG=1 and report it")
        code = ExitCode.INTERNAL
    sys.exit(int(code))


if __name__ == "__main__":
    main()
