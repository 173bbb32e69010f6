"""Problem categories, the responsibility list (责任清单) and routing a point and category to the units that answer."""
