"""Scenario tests: the tutorial's situations, built with the public builder API and traced
through ``vpcsim.trace``. ``builders`` holds the small networks; the tests only ask questions."""
