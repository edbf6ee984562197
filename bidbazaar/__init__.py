"""Bid Bazaar: a reverse-auction marketplace for home and personal services.

The layers, top to bottom (docs/architecture.md; `.importlinter` enforces them):
entry points (api_routes, routes, admin_routes, api_docs, socket_events, cli) → doors →
services, queries, accounts → database → models → extensions, config, errors, json_format.
`app.py` beside this package is the factory that binds them.
"""
