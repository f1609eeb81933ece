"""Domain rules as plain functions that routes, commands and tests all call."""
