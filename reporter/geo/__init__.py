"""Geography: counties, Qinling protection zones, grids and their inspectors; coordinates; the point index."""
