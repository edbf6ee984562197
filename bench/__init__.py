"""Bid Bazaar's benchmark harness (issue 7): `python -m bench --help`.

It builds its own data (seed-demo plus a few fixtures), starts the real server pinned to
one core, drives it with wrk from the other, and writes bench/RESULTS.md. Every figure is
stated next to a ceiling measured in the same run on the same server.
"""
