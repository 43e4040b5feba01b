"""HTTP API, web pages and the command line: the only layer that knows about FastAPI and Typer."""
