"""Tracker's HTTP entrypoints: `reports` (JSON, or CSV by `report_csv`) and `engagement`
(tracking links, the open pixel, events from apps)."""
