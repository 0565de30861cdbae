"""Chapter 3: coding, testing and documenting, the virtuous cycle."""
