"""heraldctl: Herald from the terminal (typer + rich)."""
