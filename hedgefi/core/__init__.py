"""The bottom layer: units, the error tree, settings, value objects and packaged resources. Imports nothing else of hedgefi."""
