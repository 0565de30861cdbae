"""Runnerly under Circus (what `make run` starts) and the benchmark of its start.

The book's examples are one level up; this folder holds what runs or
measures them.
"""
