"""The stand-in for the bug tracker that chapter 3's tests run against.

The book's examples are one level up; this folder holds what runs or
measures them.
"""
