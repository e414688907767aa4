"""casework web layer: settings, the FastAPI app, and the command-line entry point."""
