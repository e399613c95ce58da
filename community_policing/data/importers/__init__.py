"""Readers that turn a city's published files into rows of the warehouse schema."""
