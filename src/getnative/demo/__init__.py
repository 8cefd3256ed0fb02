"""Demo catalog shipped with the package."""
