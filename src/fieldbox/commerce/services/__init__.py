"""Writes of sales and stock, one module per subject."""
