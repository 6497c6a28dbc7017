"""Tools for the people who maintain dondoc (not part of the running product)."""
