"""The HTTP API and the MCP tools of `askdocs serve` (assembled by ui/server.py)."""
