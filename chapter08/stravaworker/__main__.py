"""``python -m chapter08.stravaworker``: a worker with beat embedded (book:
chapter 8, "Bringing It All Together"); see :mod:`.run`."""

from .run import main

if __name__ == "__main__":
    main()
