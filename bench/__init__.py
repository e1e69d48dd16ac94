"""Benchmarks for AsyncOps Desktop: each figure is measured next to a raw-driver baseline.

Run ``python -m bench`` (or ``make bench``); ``--help`` lists the options.
"""
