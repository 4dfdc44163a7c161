"""Sales and stock in the Django admin: read-only views for support (the screens are the way to change them)."""
