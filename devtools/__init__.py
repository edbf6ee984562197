"""Machinery shared by the test suite (tests/) and the benchmark harness (bench/): starting
and stopping the processes they drive. Not application code: nothing in `bidbazaar` imports it.
"""
