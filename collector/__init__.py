"""The live tracking collector (SPEC 6): `analytics collect` takes the widget's events over
HTTP and writes them durably into the landing folder, from which the sensor loads them."""
