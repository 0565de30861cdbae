"""Book: chapter 7, "Asserting incoming data": unsafe YAML loading.

PyYAML's full loaders build any Python object a document names, and
``!!python/object/apply`` *calls* a function to build it: loading a
document runs its author's code. ``yaml.safe_load`` builds only plain data
(dicts, lists, strings, numbers, dates) and refuses the rest::

    >>> safe_load_settings("workers: 4")
    {'workers': 4}
    >>> safe_load_settings("!!python/object/apply:os.getpid []")
    Traceback (most recent call last):
      ...
    yaml.constructor.ConstructorError: could not determine a constructor ...
"""

import yaml


def vulnerable_load_settings(text: str):
    # Deliberately vulnerable (the lesson): the document may call any function.
    return yaml.load(text, Loader=yaml.UnsafeLoader)  # nosec B506


def safe_load_settings(text: str):
    return yaml.safe_load(text)
