"""Chapter 7: Securing Your Services (book: chapter 7)."""
