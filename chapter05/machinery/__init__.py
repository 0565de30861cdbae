"""The benchmark of chapter 5's ways to talk to a service.

The book's examples are one level up; this folder holds what runs or
measures them.
"""
