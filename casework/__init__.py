"""casework: complaint and grievance case management for Thai municipalities."""
