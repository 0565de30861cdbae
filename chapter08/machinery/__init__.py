"""The launcher that starts chapter 8's whole stack in one command.

The book's examples are one level up; this folder holds what runs or
measures them.
"""
