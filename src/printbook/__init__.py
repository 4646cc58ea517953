"""printbook: Markdown interview documents with mermaid diagrams to a PDF handbook and decks."""

__version__ = "0.1.0"
