"""The benchmark of what the web application firewalls cost.

The book's examples are one level up; this folder holds what runs or
measures them.
"""
