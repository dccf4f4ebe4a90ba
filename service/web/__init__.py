"""Server-rendered pages: staff and resident phone pages, the manager dashboard."""
