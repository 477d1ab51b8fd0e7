"""The ``pidgin`` command line. Each command group lives in its own module."""

from __future__ import annotations

from typing import Any

import click

from pidgin.cli.branch import branch
from pidgin.cli.chat import chat
from pidgin.cli.common import DamagedStoreError, UserError, os_error_line
from pidgin.cli.experiment import experiment
from pidgin.cli.findings import findings_command
from pidgin.cli.listing import list_command
from pidgin.cli.log import log_group
from pidgin.cli.models import models_command
from pidgin.cli.monitor import monitor
from pidgin.cli.project import project
from pidgin.cli.query import query
from pidgin.cli.replay import replay
from pidgin.cli.report import report
from pidgin.cli.search import search_command
from pidgin.cli.show import show
from pidgin.cli.worker import worker_command

LIGHT_COMMANDS = ("list", "search")


class PidginGroup(click.Group):
    """Turns every expected failure into a one-line error: exit code 2, or 3 for a
    damaged store (an event that cannot be read, named by store and position)."""

    def invoke(self, ctx: click.Context) -> Any:
        from eventlog import EventLogError, StoreCorruptError
        from pidgin.domain.boundary import SettingError
        from pidgin.errors import PidginError

        try:
            return super().invoke(ctx)
        except StoreCorruptError as error:
            raise DamagedStoreError(str(error)) from None
        except (PidginError, EventLogError, LookupError, SettingError) as error:
            raise UserError(str(error)) from None
        except BrokenPipeError:
            raise
        except OSError as error:  # A name too long, a directory where a file goes, ...
            raise UserError(os_error_line(error)) from None
        except ValueError as error:
            if "null byte" not in str(error):
                raise
            raise UserError("a path holds a NUL byte") from None


@click.group(cls=PidginGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="pidgin")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Pidgin records conversations between AI models and rebuilds every output from the log.

    Every event of a conversation is appended to an event store (SQLite by default);
    transcripts and other outputs are projections that `pidgin replay` can rebuild.
    """
    import os

    from pidgin.logging_setup import configure_logging

    # Stores, logs, exports and databases hold whole conversations: owner only (0600,
    # directories 0700), whatever the caller's umask allowed.
    os.umask(os.umask(0o077) | 0o077)
    # Every command logs through the key-redacting processor; listings, which never log
    # through structlog, skip loading it.
    configure_logging(light=ctx.invoked_subcommand in LIGHT_COMMANDS)


cli.add_command(chat)
cli.add_command(replay)
cli.add_command(list_command)
cli.add_command(search_command)
cli.add_command(models_command)
cli.add_command(log_group)
cli.add_command(experiment)
cli.add_command(branch)
cli.add_command(monitor)
cli.add_command(project)
cli.add_command(query)
cli.add_command(findings_command)
cli.add_command(show)
cli.add_command(report)

cli.add_command(worker_command)


def main() -> None:
    cli()
