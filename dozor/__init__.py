"""Dozor: information system for National Preventive Mechanisms against torture."""
