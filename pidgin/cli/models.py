"""``pidgin models``: every model Pidgin knows, its prices and whether its key is set."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from pidgin.cli.text_table import Column


def _price(value: float | None) -> str:
    return "?" if value is None else f"{value:g}"


def _cache(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


@click.command("models")
@click.option("--provider", default=None, help="Only this provider's models.")
def models_command(provider: str | None) -> None:
    """List every registered model: name, aliases, context window, prices in US dollars per
    million tokens (input / output / prompt cache read and write; ``-``: the input price),
    the parameters a request may set, and whether its API key is set. Cache prices and
    parameters are shown when the terminal is wide enough for them.

    Add models in ~/.config/pidgin/models.toml ($XDG_CONFIG_HOME/pidgin/models.toml).
    Any ollama:MODEL or openai-compatible:MODEL can be used without registering it.
    """
    from pidgin.cli.common import UserError
    from pidgin.cli.text_table import Column, render, terminal_width
    from pidgin.providers.keys import key_is_set
    from pidgin.providers.registry import load_registry, provider_settings, user_registry_path

    entries = sorted(load_registry().values(), key=lambda m: (m.provider, m.name))
    if provider:
        known = sorted({m.provider for m in entries})
        entries = [m for m in entries if m.provider == provider.strip().lower()]
        if not entries:
            raise UserError(f"no provider {provider!r}; known providers: {', '.join(known)}")
    missing: dict[str, str] = {}
    rows = []
    for model in entries:
        settings = provider_settings(model.provider)
        if not settings.key_env:
            key = "—"
        elif key_is_set(settings):
            key = "set"
        else:
            key = "missing"
            missing[model.provider] = " or ".join(settings.key_env)
        read, write = model.cache_read_price_per_million, model.cache_write_price_per_million
        rows.append(
            [
                model.name,
                ", ".join(model.aliases),
                _context(model.context_window),
                _price(model.input_price_per_million),
                _price(model.output_price_per_million),
                f"{_cache(read)} / {_cache(write)}",
                ", ".join(model.parameters),
                key,
            ]
        )
    columns = [
        Column("model"),
        Column("aliases", shrink_to=9),
        Column("context", right=True),
        Column("$ in", right=True),
        Column("$ out", right=True),
        Column("$ cache r/w", right=True),
        Column("params", shrink_to=14),
        Column("key"),
    ]
    # Cache prices and parameters are shown where they fit (not in 80 columns).
    for optional in ("params", "$ cache r/w"):
        if _narrowest(columns, rows) <= terminal_width():
            break
        drop = [c.header for c in columns].index(optional)
        columns.pop(drop)
        rows = [row[:drop] + row[drop + 1 :] for row in rows]
    title = f"{len(entries)} models · $: US dollars per million tokens"
    click.echo(render(columns, rows, title=title))
    for name, variables in missing.items():
        click.echo(f"{name}: set {variables} to use its models")
    click.echo(f"Your own models: {user_registry_path()}")


def _context(tokens: int | None) -> str:
    """200k, 1.0M: a context window in a few characters."""
    if not tokens:
        return "?"
    if tokens >= 1_000_000:
        return f"{tokens / 1_000_000:.1f}M"
    return f"{tokens / 1000:.0f}k" if tokens >= 1000 else str(tokens)


def _narrowest(columns: list[Column], rows: list[list[str]]) -> int:
    """The table's width with every shrinkable column cut as far as it goes."""
    sizes = [
        min(c.shrink_to or 10**6, max([len(c.header), *(len(row[i]) for row in rows)]))
        for i, c in enumerate(columns)
    ]
    return sum(sizes) + 2 * (len(sizes) - 1)
