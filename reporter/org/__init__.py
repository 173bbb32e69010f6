"""Organisation: the units (city bureaus, county governments and bureaus, oversight bodies) staff belong to."""
