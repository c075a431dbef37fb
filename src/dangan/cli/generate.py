"""CLI commands: generate (filled in by its issue)."""

import click

COMMANDS: list[click.Command] = []
