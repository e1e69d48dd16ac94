"""Helpers shared by the resilience tests: child-process writers, a TCP proxy, sizes."""
