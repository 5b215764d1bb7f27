"""The review console: server-rendered pages for reviewers (queue, detail, decisions)."""

from herald.review.console.routes import build_console

__all__ = ["build_console"]
