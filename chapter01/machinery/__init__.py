"""The benchmark of chapter 1's six servers: what measures the examples, not an example.

The book's examples are one level up; this folder holds what runs or
measures them.
"""
