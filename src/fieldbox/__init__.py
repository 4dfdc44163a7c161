"""Fieldbox: field operations for vehicle telematics."""

__version__ = "0.1.0"
