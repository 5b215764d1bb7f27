"""Dispatcher: renders each due send and delivers it through a channel's provider."""
