"""``pidgin models``: every model Pidgin knows, its prices and whether its key is set."""

from __future__ import annotations

import click


def _price(value: float | None) -> str:
    return "?" if value is None else f"{value:g}"


def _cache(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


@click.command("models")
@click.option("--provider", default=None, help="Only this provider's models.")
def models_command(provider: str | None) -> None:
    """List every registered model: name, aliases, context window, prices in US dollars per
    million tokens (input / output / prompt cache read and write; ``-``: the input price),
    the parameters a request may set, and whether its API key is set.

    Add models in ~/.config/pidgin/models.toml ($XDG_CONFIG_HOME/pidgin/models.toml).
    Any ollama:MODEL or openai-compatible:MODEL can be used without registering it.
    """
    from rich.console import Console
    from rich.table import Table

    from pidgin.providers.keys import key_is_set
    from pidgin.providers.registry import load_registry, provider_settings, user_registry_path

    entries = sorted(load_registry().values(), key=lambda m: (m.provider, m.name))
    if provider:
        entries = [m for m in entries if m.provider == provider.lower()]
    table = Table(title=f"{len(entries)} models · prices in $ per million tokens")
    columns = ("model", "aliases", "context", "in", "out", "cache r/w", "params", "key")
    for column in columns:
        table.add_column(column, overflow="fold")
    for model in entries:
        settings = provider_settings(model.provider)
        if not settings.key_env:
            key = "not needed"
        elif key_is_set(settings):
            key = "set"
        else:
            key = f"missing ({' or '.join(settings.key_env)})"
        read, write = model.cache_read_price_per_million, model.cache_write_price_per_million
        table.add_row(
            model.name,
            ", ".join(model.aliases),
            f"{model.context_window:,}" if model.context_window else "?",
            _price(model.input_price_per_million),
            _price(model.output_price_per_million),
            f"{_cache(read)} / {_cache(write)}",
            ", ".join(model.parameters),
            key,
        )
    console = Console()
    console.print(table)
    console.print(f"Your own models: {user_registry_path()}")
