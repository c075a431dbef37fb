"""CLI commands: watch (filled in by its issue)."""

import click

COMMANDS: list[click.Command] = []
